-- Communications (issue 10): updates as records of their own, the
-- templates they start from, customers and the deliveries of customer
-- updates to them.

-- +goose Up

-- One row per update sent; seq is the incident's update.sent event.
-- incident_id is not a foreign key, like the outbox: updates are history.
CREATE TABLE comm_updates (
    id          text PRIMARY KEY,
    incident_id text NOT NULL,
    audience    text NOT NULL,
    subject     text NOT NULL,
    body        text NOT NULL,
    author_id   text NOT NULL,
    at          timestamptz NOT NULL,
    seq         bigint NOT NULL,
    snapshot    json NOT NULL
);
CREATE INDEX comm_updates_incident ON comm_updates (incident_id, audience, at);

CREATE TABLE comm_templates (
    audience   text PRIMARY KEY,
    subject    text NOT NULL,
    body       text NOT NULL,
    updated_by text NOT NULL,
    updated_at timestamptz NOT NULL
);

CREATE TABLE customers (
    id            text PRIMARY KEY,
    name          text NOT NULL,
    name_key      text NOT NULL,
    contacts      json NOT NULL,
    manager_name  text NOT NULL,
    manager_email text NOT NULL,
    slack_channel text NOT NULL,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL
);
CREATE UNIQUE INDEX customers_name_key ON customers (name_key);

CREATE TABLE customer_services (
    customer_id text NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    service_id  text NOT NULL REFERENCES services (id) ON DELETE CASCADE,
    PRIMARY KEY (customer_id, service_id)
);
CREATE INDEX customer_services_service ON customer_services (service_id);

CREATE TABLE customer_deliveries (
    id          text PRIMARY KEY,
    update_id   text NOT NULL,
    incident_id text NOT NULL,
    customer_id text NOT NULL,
    channel     text NOT NULL,
    recipients  json NOT NULL,
    cc          json NOT NULL,
    state       text NOT NULL,
    attempts    integer NOT NULL,
    last_error  text NOT NULL,
    provider_id text NOT NULL,
    created_at  timestamptz NOT NULL,
    sent_at     timestamptz
);
CREATE INDEX customer_deliveries_update ON customer_deliveries (update_id);
CREATE INDEX customer_deliveries_incident ON customer_deliveries (incident_id, created_at);

-- +goose Down
DROP TABLE customer_deliveries;
DROP TABLE customer_services;
DROP TABLE customers;
DROP TABLE comm_templates;
DROP TABLE comm_updates;
