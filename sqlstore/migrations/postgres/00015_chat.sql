-- The incident channels (package chat): where each incident's chat work
-- stands, the steps done, and the links between chat users and warroom
-- users.

-- +goose Up

-- One row per incident with chat work: its channel, the cursor over its
-- timeline (every step of the events up to done_seq is done, and the
-- first done_steps steps of the next event), what its topic and
-- description were last set to, the last failure, and the lease of the
-- run working on it (so that two runs never post the same step).
CREATE TABLE chat_channels (
    incident_id  text PRIMARY KEY REFERENCES incidents (id) ON DELETE CASCADE,
    provider     text NOT NULL,
    channel_id   text NOT NULL DEFAULT '',
    channel_name text NOT NULL DEFAULT '',
    done_seq     bigint NOT NULL DEFAULT 0,
    done_steps   INTEGER NOT NULL DEFAULT 0,
    topic        text NOT NULL DEFAULT '',
    purpose      text NOT NULL DEFAULT '',
    archived     INTEGER NOT NULL DEFAULT 0,
    attempts     INTEGER NOT NULL DEFAULT 0,
    last_error   text NOT NULL DEFAULT '',
    retry_at     timestamptz,
    lease_owner  text NOT NULL DEFAULT '',
    lease_until  timestamptz,
    updated_at   timestamptz NOT NULL
);
-- ChatOps finds the incident of the channel a command was typed in.
CREATE INDEX chat_channels_channel ON chat_channels (provider, channel_id);

-- Each step done: what, where, the chat system's message ID or its
-- refusal.
CREATE TABLE chat_posts (
    incident_id text NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    seq         bigint NOT NULL,
    step        INTEGER NOT NULL,
    kind        text NOT NULL,
    target      text NOT NULL DEFAULT '',
    ref         text NOT NULL DEFAULT '',
    error       text NOT NULL DEFAULT '',
    at          timestamptz NOT NULL,
    PRIMARY KEY (incident_id, seq, step)
);

-- Chat users linked to warroom users: found by email, or set explicitly
-- in the profile (explicit = 1), which a link by email never replaces.
CREATE TABLE chat_user_links (
    provider     text NOT NULL,
    chat_user_id text NOT NULL,
    user_id      text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    explicit     INTEGER NOT NULL DEFAULT 0,
    linked_at    timestamptz NOT NULL,
    PRIMARY KEY (provider, chat_user_id)
);
CREATE INDEX chat_user_links_user ON chat_user_links (provider, user_id);

-- +goose Down

DROP TABLE chat_user_links;
DROP TABLE chat_posts;
DROP TABLE chat_channels;
