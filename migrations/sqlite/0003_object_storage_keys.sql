-- A tenant's Cloud Object Storage key pair. Only the access key is stored:
-- the secret key is derived from it with an instance secret (HMAC), so it
-- can be shown again to its owner without being kept anywhere.
CREATE TABLE object_storage_keys (
    project_id  INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    access_key  TEXT    NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (project_id, account_id)
);
