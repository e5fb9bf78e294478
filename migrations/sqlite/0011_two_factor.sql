-- A second factor (issue 21): a TOTP secret per account, enabled once a
-- code from it was confirmed; the last time step accepted (a code is not
-- accepted twice); and ten single-use recovery codes, kept as digests.
CREATE TABLE two_factor (
    account_id  INTEGER PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    -- Base32, as authenticator apps take it.
    secret      TEXT    NOT NULL,
    enabled_at  INTEGER,
    last_step   INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE recovery_codes (
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    code_digest BLOB    NOT NULL,
    used_at     INTEGER,
    PRIMARY KEY (account_id, code_digest)
);
