-- Fair claims: a job may name a fairness key (the service whose alerts it
-- routes or pages for, inherited by the jobs that follow it), and a claim
-- takes the oldest due jobs of every key in turn, a few of each at most,
-- instead of the oldest of the queue: a storm's backlog on one service
-- never delays another service's page (docs/paging-design.md "Pages
-- before bulk work"). '' is the key of jobs that name none.

-- +goose Up
ALTER TABLE jobs ADD COLUMN fair_key TEXT NOT NULL DEFAULT '';
-- The claim walks the keys of a queue's undone jobs (a skip scan: one
-- seek per key) and then each key's jobs in due order.
CREATE INDEX jobs_fair ON jobs (queue, fair_key, due_at) WHERE done_at IS NULL;

-- +goose Down
DROP INDEX jobs_fair;
ALTER TABLE jobs DROP COLUMN fair_key;
