-- Notices by email (issue 18): the notices table is also the outbox. A
-- notice to be emailed is written `pending` in the transaction of the
-- change that causes it; a sender takes one at a time under a lease (so two
-- instances never send the same), sends it, and marks it `sent`, or tries
-- again later (`next_attempt_at`, backing off) and after its last try marks
-- it `failed` with the error, which the operator console counts.
ALTER TABLE notices ADD COLUMN email_state TEXT NOT NULL DEFAULT 'none'
    CHECK (email_state IN ('none', 'pending', 'sent', 'failed'));
-- The address, when not the account's own (an email change: the old or new one).
ALTER TABLE notices ADD COLUMN email_to TEXT NOT NULL DEFAULT '';
ALTER TABLE notices ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE notices ADD COLUMN next_attempt_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE notices ADD COLUMN lease_until INTEGER NOT NULL DEFAULT 0;
ALTER TABLE notices ADD COLUMN last_error TEXT NOT NULL DEFAULT '';
ALTER TABLE notices ADD COLUMN sent_at INTEGER;
-- 0 for an email only (a reset link, a confirmation to a new address).
ALTER TABLE notices ADD COLUMN in_app INTEGER NOT NULL DEFAULT 1;
CREATE INDEX notices_outbox ON notices (next_attempt_at) WHERE email_state = 'pending';

-- Which kinds of notice an account wants by email (security ones always go).
CREATE TABLE notice_preferences (
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    topic       TEXT    NOT NULL,
    email       INTEGER NOT NULL,
    PRIMARY KEY (account_id, topic)
);

-- How far a key's expiry warnings went: 1 (7 days), 2 (1 day), 3 (expired).
ALTER TABLE api_keys ADD COLUMN expiry_notice_step INTEGER NOT NULL DEFAULT 0;
CREATE INDEX api_keys_expiry_notices ON api_keys (expires_at) WHERE expiry_notice_step < 3;

-- The quota threshold (80, 95, 100 %) last told of, per project or member
-- quota of a resource (`scope`: `p:<project>:<service>:<resource>` or
-- `m:<project>:<account>:<service>:<resource>`); it falls with the usage.
CREATE TABLE quota_alerts (
    scope       TEXT    PRIMARY KEY,
    project_id  INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    level       INTEGER NOT NULL
);

-- A wallet's balance warnings: the level last told of (1 below the
-- threshold, 2 negative), and the threshold a tenant admin set (1/10,000
-- credit; none: 10 % of the project's last credited order).
CREATE TABLE wallet_alerts (
    wallet_id   INTEGER PRIMARY KEY REFERENCES wallets (id) ON DELETE CASCADE,
    level       INTEGER NOT NULL
);
ALTER TABLE wallets ADD COLUMN warn_below INTEGER;

-- The browsers an account has signed in from, by a digest of their user
-- agent: a sign-in from another one is a "new device" notice.
CREATE TABLE known_devices (
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    device      BLOB    NOT NULL,
    first_seen  INTEGER NOT NULL,
    PRIMARY KEY (account_id, device)
);

-- An email change waiting for its confirmation link to be followed; the
-- link's token is made when the email is sent and kept as a digest only.
CREATE TABLE email_changes (
    account_id    INTEGER PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    new_email     TEXT    NOT NULL,
    token_digest  BLOB,
    expires_at    INTEGER NOT NULL
);

-- Forgotten-password requests, counted per address and per account.
CREATE TABLE reset_requests (
    id          INTEGER PRIMARY KEY,
    scope       TEXT    NOT NULL,
    at          INTEGER NOT NULL
);
CREATE INDEX reset_requests_by_scope ON reset_requests (scope, at);

-- Which notice a reset link was made for (its email), so that a retry
-- replaces it.
ALTER TABLE password_resets ADD COLUMN notice_id INTEGER REFERENCES notices (id) ON DELETE SET NULL;
