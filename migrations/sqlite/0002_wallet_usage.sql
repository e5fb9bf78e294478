-- A member's sub-wallet, once removed, is closed rather than deleted, so
-- that its ledger stays; giving the member a sub-wallet again reopens it.
ALTER TABLE wallets ADD COLUMN closed_at INTEGER;

-- Metered usage reported by the cloud's services, each debited once.
CREATE TABLE usage_records (
    id              INTEGER PRIMARY KEY,
    at              INTEGER NOT NULL,
    project_id      INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    account_id      INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    service         TEXT    NOT NULL REFERENCES services (code),
    resource_id     TEXT    NOT NULL,
    seconds         INTEGER NOT NULL CHECK (seconds >= 0),
    rate_per_hour   INTEGER NOT NULL CHECK (rate_per_hour >= 0),
    amount          INTEGER NOT NULL CHECK (amount >= 0),
    ledger_entry_id INTEGER NOT NULL REFERENCES ledger_entries (id),
    idempotency_key TEXT    NOT NULL,
    UNIQUE (project_id, account_id, idempotency_key)
);
CREATE INDEX usage_records_by_project ON usage_records (project_id, at);
CREATE INDEX usage_records_by_account ON usage_records (account_id, at);
CREATE INDEX ledger_by_actor ON ledger_entries (actor_id, at);
