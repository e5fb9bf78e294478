-- Keys narrowed and rotated (issue 20). A key acts on the services in
-- `scope_services` (comma-separated codes; '' for every service its owner
-- may use, as keys made before scopes do), and only reads when `read_only`.
-- Rotation gives a key a new secret under the same key ID: the secret
-- before it stays valid until `previous_valid_until`. Where the key was
-- last used from: the client's address and what it calls itself.
ALTER TABLE api_keys ADD COLUMN scope_services TEXT NOT NULL DEFAULT '';
ALTER TABLE api_keys ADD COLUMN read_only INTEGER NOT NULL DEFAULT 0;
ALTER TABLE api_keys ADD COLUMN previous_digest BLOB;
ALTER TABLE api_keys ADD COLUMN previous_valid_until INTEGER;
ALTER TABLE api_keys ADD COLUMN rotated_at INTEGER;
ALTER TABLE api_keys ADD COLUMN last_used_from TEXT NOT NULL DEFAULT '';
ALTER TABLE api_keys ADD COLUMN last_used_agent TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX api_keys_previous_digest ON api_keys (previous_digest);
