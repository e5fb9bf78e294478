-- Security hardening (issue 14).

-- Sign-in throttling by client address and username, and by address alone:
-- a failure count that decays, and a time before which no attempt in that
-- scope is even checked. Replaces the per-username failure log, which let
-- anyone lock a person out.
DROP TABLE sign_in_failures;
CREATE TABLE sign_in_throttle (
    scope           TEXT    PRIMARY KEY,
    failures        INTEGER NOT NULL,
    blocked_until   INTEGER NOT NULL,
    last_failure_at INTEGER NOT NULL
);

-- Server-side sessions: the cookie carries a random token, stored here only
-- as its digest; sign-out deletes the row, and idle and absolute lifetimes
-- are enforced against it.
CREATE TABLE sessions (
    id              INTEGER PRIMARY KEY,
    token_digest    BLOB    NOT NULL UNIQUE,
    account_id      INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at      INTEGER NOT NULL,
    last_seen_at    INTEGER NOT NULL,
    client_addr     TEXT    NOT NULL,
    user_agent      TEXT    NOT NULL
);
CREATE INDEX sessions_by_account ON sessions (account_id, last_seen_at);

-- Who revoked a key (support), shown to its owner.
ALTER TABLE api_keys ADD COLUMN revoked_by INTEGER REFERENCES accounts (id) ON DELETE SET NULL;

-- Object-storage key pairs get a random salt each, so that a pair made
-- again (rotation, removal and re-adding) has a new secret. Pairs made
-- under the old instance secret in the database cannot be verified any
-- more and are made anew on request.
DROP TABLE object_storage_keys;
CREATE TABLE object_storage_keys (
    project_id  INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    access_key  TEXT    NOT NULL UNIQUE,
    salt        TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (project_id, account_id)
);

-- Instance secrets live in a file named at start (--secret-file), never here.
DELETE FROM settings WHERE name IN ('session_key', 'object_storage_secret');
