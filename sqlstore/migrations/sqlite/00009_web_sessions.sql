-- The web UI's sign-in: server-side sessions (revocable: a cookie is only
-- worth the row it names), password hashes of local accounts, one-time
-- sign-in links, and the failed sign-in counters every replica shares.

-- +goose Up

-- A signed-in browser. Only a hash of the cookie's secret is kept, so a
-- copy of the database signs nobody in.
CREATE TABLE web_sessions (
    id           TEXT PRIMARY KEY,
    id_hash      TEXT NOT NULL,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   INTEGER NOT NULL, -- Unix microseconds, as every time here
    last_seen_at INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    user_agent   TEXT NOT NULL,
    address      TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX web_sessions_id_hash_key ON web_sessions (id_hash);
CREATE INDEX web_sessions_user ON web_sessions (user_id, created_at);
CREATE INDEX web_sessions_expiry ON web_sessions (expires_at);

-- A local account's password, as an argon2id PHC string.
CREATE TABLE user_passwords (
    user_id    TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    hash       TEXT NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;

-- A one-time sign-in link (the bootstrap's first admin, an admin's reset):
-- the hash of its token, used once, before it expires.
CREATE TABLE signin_links (
    token_hash TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER
) STRICT;

-- Failed sign-ins per account ("user:<id>") and per address
-- ("addr:<ip>") in a fixed window, shared by every replica.
CREATE TABLE signin_failures (
    key          TEXT PRIMARY KEY,
    window_start INTEGER NOT NULL,
    failures     INTEGER NOT NULL
) STRICT;

-- +goose Down

DROP TABLE signin_failures;
DROP TABLE signin_links;
DROP TABLE user_passwords;
DROP TABLE web_sessions;
