-- Communications (issue 10): updates as records of their own, the
-- templates they start from, customers and the deliveries of customer
-- updates to them. Times are INTEGER unix microseconds (UTC), as in 00001.

-- +goose Up

-- One row per update sent; seq is the incident's update.sent event.
-- snapshot is the JSON of warroom.UpdateSnapshot. incident_id is not a
-- foreign key, like the outbox: updates are history.
CREATE TABLE comm_updates (
    id          TEXT PRIMARY KEY,
    incident_id TEXT NOT NULL,
    audience    TEXT NOT NULL,
    subject     TEXT NOT NULL,
    body        TEXT NOT NULL,
    author_id   TEXT NOT NULL,
    at          INTEGER NOT NULL,
    seq         INTEGER NOT NULL,
    snapshot    TEXT NOT NULL
) STRICT;
-- "The updates of an incident (to one audience), newest first": the
-- incident page, the cadence and the status page.
CREATE INDEX comm_updates_incident ON comm_updates (incident_id, audience, at);

-- The edited template of an audience; an audience without a row uses the
-- built-in default.
CREATE TABLE comm_templates (
    audience   TEXT PRIMARY KEY,
    subject    TEXT NOT NULL,
    body       TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;

-- contacts is the JSON array of warroom.CustomerContact.
CREATE TABLE customers (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    name_key      TEXT NOT NULL, -- lower(name): names are unique regardless of case
    contacts      TEXT NOT NULL,
    manager_name  TEXT NOT NULL,
    manager_email TEXT NOT NULL,
    slack_channel TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX customers_name_key ON customers (name_key);

CREATE TABLE customer_services (
    customer_id TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    service_id  TEXT NOT NULL REFERENCES services (id) ON DELETE CASCADE,
    PRIMARY KEY (customer_id, service_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX customer_services_service ON customer_services (service_id);

-- One row per customer update, customer and channel: sent once, retried
-- by its engine job until it is. recipients and cc are JSON arrays.
-- customer_id is not a foreign key: the record outlives the customer.
CREATE TABLE customer_deliveries (
    id          TEXT PRIMARY KEY,
    update_id   TEXT NOT NULL,
    incident_id TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    channel     TEXT NOT NULL,
    recipients  TEXT NOT NULL,
    cc          TEXT NOT NULL,
    state       TEXT NOT NULL,
    attempts    INTEGER NOT NULL,
    last_error  TEXT NOT NULL,
    provider_id TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    sent_at     INTEGER
) STRICT;
CREATE INDEX customer_deliveries_update ON customer_deliveries (update_id);
CREATE INDEX customer_deliveries_incident ON customer_deliveries (incident_id, created_at);

-- +goose Down
DROP TABLE customer_deliveries;
DROP TABLE customer_services;
DROP TABLE customers;
DROP TABLE comm_templates;
DROP TABLE comm_updates;
