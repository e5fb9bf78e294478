-- Sign-in through the institution's identity provider (issue 21): an
-- account's identity at an OpenID provider, by the provider's issuer and
-- its subject (`sub`), the only pair an OpenID provider promises never to
-- give anyone else. One identity per account and provider. An account made
-- by its first sign-in there has no password (`password_hash` is '').
CREATE TABLE sso_identities (
    issuer       TEXT    NOT NULL,
    subject      TEXT    NOT NULL,
    account_id   INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    -- The address the provider verified, when it said one (for people to read).
    email        TEXT    NOT NULL DEFAULT '',
    linked_at    INTEGER NOT NULL,
    last_used_at INTEGER,
    PRIMARY KEY (issuer, subject)
);
CREATE UNIQUE INDEX sso_identities_account ON sso_identities (account_id, issuer);
