-- Routing's decisions about a service's incidents, kept in the database so
-- that the processes sharing it decide as one: the incident declared for
-- each alert group, and the declarations routing has decided on but not
-- yet committed.

-- +goose Up

-- The incident routing declared for an alert group (service and group
-- key) and the alert it declared it for. The row is also the lock that
-- serializes declaring for the group: DeclareForAlert takes it (an upsert)
-- before it checks whether the group's incident is still open, so two
-- processes never both declare for one group. incident_id is NULL only
-- inside the transaction that inserts the row. Not foreign keys, as for
-- alerts: this is routing's memory, not the incident's.
CREATE TABLE alert_group_incidents (
    service_id  TEXT NOT NULL,
    group_key   TEXT NOT NULL,
    incident_id TEXT,
    alert_id    TEXT,
    PRIMARY KEY (service_id, group_key)
) STRICT;

-- Alerts routing decided to declare an incident for whose incident is not
-- committed yet (bulk routing handed them to the page queue, or the page
-- queue is declaring). An alert that would attach to its service's open
-- incident and finds none waits only if its service has none of these;
-- the declaration deletes its row in the transaction that stores the
-- incident. A row whose alert is no longer firing and unlinked means
-- nothing and is deleted with the service's next declaration.
CREATE TABLE declaring_alerts (
    service_id TEXT NOT NULL,
    alert_id   TEXT NOT NULL,
    PRIMARY KEY (service_id, alert_id)
) STRICT;

-- +goose Down
DROP TABLE declaring_alerts;
DROP TABLE alert_group_incidents;
