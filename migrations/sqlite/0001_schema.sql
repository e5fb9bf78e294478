-- The whole Member Center domain. Portable SQL: integer unix-second timestamps,
-- integer money (1/10,000 credit), no SQLite-only functions.

CREATE TABLE accounts (
    id              INTEGER PRIMARY KEY,
    username        TEXT    NOT NULL UNIQUE,
    display_name    TEXT    NOT NULL,
    email           TEXT    NOT NULL UNIQUE,
    phone           TEXT    NOT NULL DEFAULT '',
    password_hash   TEXT    NOT NULL,
    status          TEXT    NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'locked')),
    platform_role   TEXT    NOT NULL DEFAULT 'none' CHECK (platform_role IN ('none', 'support', 'operator')),
    language        TEXT    NOT NULL DEFAULT 'en',
    time_zone       TEXT    NOT NULL DEFAULT 'Asia/Taipei',
    -- Bumped to sign out every session of the account (password change, reset).
    session_epoch   INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL
);

-- Failed sign-in attempts per username, for throttling.
CREATE TABLE sign_in_failures (
    id          INTEGER PRIMARY KEY,
    username    TEXT    NOT NULL,
    at          INTEGER NOT NULL
);
CREATE INDEX sign_in_failures_by_username ON sign_in_failures (username, at);

CREATE TABLE projects (
    id          INTEGER PRIMARY KEY,
    code        TEXT    NOT NULL UNIQUE,
    name        TEXT    NOT NULL,
    status      TEXT    NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended', 'closed')),
    starts_on   TEXT    NOT NULL,
    ends_on     TEXT    NOT NULL,
    created_at  INTEGER NOT NULL
);

-- A tenant: an account's membership in a project.
CREATE TABLE memberships (
    id          INTEGER PRIMARY KEY,
    project_id  INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    role        TEXT    NOT NULL CHECK (role IN ('tenant_admin', 'tenant_user')),
    created_at  INTEGER NOT NULL,
    UNIQUE (project_id, account_id)
);
CREATE INDEX memberships_by_account ON memberships (account_id);

CREATE TABLE services (
    code        TEXT    PRIMARY KEY,
    position    INTEGER NOT NULL UNIQUE
);
INSERT INTO services (code, position) VALUES
    ('ccs', 1), ('vcs', 2), ('hpc', 3), ('cos', 4), ('registry', 5);

-- Which services a tenant may use.
CREATE TABLE tenant_permissions (
    membership_id   INTEGER NOT NULL REFERENCES memberships (id) ON DELETE CASCADE,
    service         TEXT    NOT NULL REFERENCES services (code),
    PRIMARY KEY (membership_id, service)
);

-- Keys belong to an account in a project; they outlive a membership (and are
-- then refused as disabled) until deleted.
CREATE TABLE api_keys (
    id              INTEGER PRIMARY KEY,
    key_id          TEXT    NOT NULL UNIQUE,
    account_id      INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    project_id      INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    name            TEXT    NOT NULL DEFAULT '',
    secret_digest   BLOB    NOT NULL UNIQUE,
    secret_prefix   TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL,
    last_used_at    INTEGER,
    revoked_at      INTEGER
);
CREATE INDEX api_keys_by_owner ON api_keys (account_id, project_id, created_at);
CREATE INDEX api_keys_by_prefix ON api_keys (secret_prefix);
CREATE INDEX api_keys_by_expiry ON api_keys (account_id, expires_at);

CREATE TABLE project_quotas (
    project_id  INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    service     TEXT    NOT NULL REFERENCES services (code),
    resource    TEXT    NOT NULL,
    quota       INTEGER NOT NULL CHECK (quota >= -1),
    PRIMARY KEY (project_id, service, resource)
);

CREATE TABLE member_quotas (
    project_id  INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    service     TEXT    NOT NULL REFERENCES services (code),
    resource    TEXT    NOT NULL,
    quota       INTEGER NOT NULL CHECK (quota >= -1),
    PRIMARY KEY (project_id, account_id, service, resource)
);

CREATE TABLE allocations (
    id              INTEGER PRIMARY KEY,
    project_id      INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    account_id      INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    service         TEXT    NOT NULL REFERENCES services (code),
    idempotency_key TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    released_at     INTEGER,
    UNIQUE (project_id, account_id, idempotency_key)
);
CREATE INDEX allocations_live ON allocations (project_id, service, released_at);

CREATE TABLE allocation_resources (
    allocation_id   INTEGER NOT NULL REFERENCES allocations (id) ON DELETE CASCADE,
    resource        TEXT    NOT NULL,
    amount          INTEGER NOT NULL CHECK (amount >= 0),
    PRIMARY KEY (allocation_id, resource)
);

-- The parent wallet of a project has no account; a member's sub-wallet has one.
CREATE TABLE wallets (
    id          INTEGER PRIMARY KEY,
    project_id  INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    account_id  INTEGER REFERENCES accounts (id) ON DELETE CASCADE,
    balance     INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL,
    UNIQUE (project_id, account_id)
);
CREATE UNIQUE INDEX wallets_one_parent ON wallets (project_id) WHERE account_id IS NULL;

CREATE TABLE ledger_entries (
    id              INTEGER PRIMARY KEY,
    wallet_id       INTEGER NOT NULL REFERENCES wallets (id) ON DELETE CASCADE,
    at              INTEGER NOT NULL,
    actor_id        INTEGER REFERENCES accounts (id) ON DELETE SET NULL,
    service         TEXT,
    kind            TEXT    NOT NULL CHECK (kind IN ('credit', 'debit', 'transfer', 'reversal')),
    balance_before  INTEGER NOT NULL,
    amount          INTEGER NOT NULL,
    balance_after   INTEGER NOT NULL,
    detail          TEXT    NOT NULL DEFAULT '',
    idempotency_key TEXT,
    UNIQUE (wallet_id, idempotency_key)
);
CREATE INDEX ledger_by_wallet ON ledger_entries (wallet_id, at);

CREATE TABLE orders (
    id          INTEGER PRIMARY KEY,
    number      TEXT    NOT NULL UNIQUE,
    project_id  INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    amount      INTEGER NOT NULL CHECK (amount > 0),
    status      TEXT    NOT NULL CHECK (status IN ('quotation', 'paid', 'credited', 'cancelled')),
    note        TEXT    NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX orders_by_project ON orders (project_id, created_at);

-- Every call to the JSON API.
CREATE TABLE api_activity (
    id          INTEGER PRIMARY KEY,
    at          INTEGER NOT NULL,
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    project_id  INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    key_id      TEXT    NOT NULL,
    method      TEXT    NOT NULL,
    path        TEXT    NOT NULL,
    status      INTEGER NOT NULL,
    latency_us  INTEGER NOT NULL
);
CREATE INDEX api_activity_by_project ON api_activity (project_id, at);
CREATE INDEX api_activity_by_account ON api_activity (account_id, at);

-- Every change made through the portal or the CLI.
CREATE TABLE change_activity (
    id          INTEGER PRIMARY KEY,
    at          INTEGER NOT NULL,
    actor_id    INTEGER REFERENCES accounts (id) ON DELETE SET NULL,
    project_id  INTEGER REFERENCES projects (id) ON DELETE CASCADE,
    subject_id  INTEGER REFERENCES accounts (id) ON DELETE CASCADE,
    action      TEXT    NOT NULL,
    target      TEXT    NOT NULL,
    before      TEXT    NOT NULL DEFAULT '',
    after       TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX change_activity_by_project ON change_activity (project_id, at);
CREATE INDEX change_activity_by_actor ON change_activity (actor_id, at);
CREATE INDEX change_activity_by_subject ON change_activity (subject_id, at);

CREATE TABLE password_resets (
    token_digest    BLOB    PRIMARY KEY,
    account_id      INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_by      INTEGER REFERENCES accounts (id) ON DELETE SET NULL,
    expires_at      INTEGER NOT NULL,
    used_at         INTEGER
);
CREATE INDEX password_resets_by_account ON password_resets (account_id);

-- Instance settings, e.g. the session cookie key.
CREATE TABLE settings (
    name    TEXT PRIMARY KEY,
    value   TEXT NOT NULL
);
