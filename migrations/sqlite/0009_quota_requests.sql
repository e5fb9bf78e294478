-- Quota requests (issue 19): a member asks their tenant admins for more
-- member quota; a tenant admin asks the operators for more project quota or
-- a later end date (a renewal). One open request per requester, project,
-- kind and service at a time (the partial unique index, which also holds
-- across instances).
CREATE TABLE quota_requests (
    id            INTEGER PRIMARY KEY,
    project_id    INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    requester_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    kind          TEXT    NOT NULL CHECK (kind IN ('member', 'project', 'renewal')),
    -- The quota service (`ccs`, `vcs`); '' for a renewal.
    service       TEXT    NOT NULL,
    reason        TEXT    NOT NULL,
    -- YYYY-MM-DD, or ''.
    needed_until  TEXT    NOT NULL DEFAULT '',
    -- A renewal's end date: asked, then granted ('' otherwise).
    ends_on       TEXT    NOT NULL DEFAULT '',
    granted_ends_on TEXT  NOT NULL DEFAULT '',
    status        TEXT    NOT NULL DEFAULT 'open'
                  CHECK (status IN ('open', 'approved', 'declined', 'withdrawn', 'closed')),
    created_at    INTEGER NOT NULL,
    decided_at    INTEGER,
    decided_by    INTEGER REFERENCES accounts (id) ON DELETE SET NULL,
    comment       TEXT    NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX quota_requests_one_open ON quota_requests (project_id, requester_id, kind, service)
    WHERE status = 'open';
CREATE INDEX quota_requests_by_project ON quota_requests (project_id, status, created_at);
CREATE INDEX quota_requests_by_requester ON quota_requests (requester_id, created_at);

-- The totals asked per resource (-1: unlimited) and, once approved, granted.
CREATE TABLE quota_request_items (
    request_id  INTEGER NOT NULL REFERENCES quota_requests (id) ON DELETE CASCADE,
    resource    TEXT    NOT NULL,
    asked       INTEGER NOT NULL CHECK (asked >= -1),
    granted     INTEGER CHECK (granted >= -1),
    PRIMARY KEY (request_id, resource)
);

-- A request's history, oldest first.
CREATE TABLE quota_request_events (
    id          INTEGER PRIMARY KEY,
    request_id  INTEGER NOT NULL REFERENCES quota_requests (id) ON DELETE CASCADE,
    at          INTEGER NOT NULL,
    actor_id    INTEGER REFERENCES accounts (id) ON DELETE SET NULL,
    event       TEXT    NOT NULL
                CHECK (event IN ('filed', 'edited', 'approved', 'changed', 'declined', 'withdrawn', 'closed')),
    comment     TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX quota_request_events_by_request ON quota_request_events (request_id, at);

-- Notices in the portal: something that happened and concerns an account,
-- by its kind (which names the message, shown in the reader's language) and
-- the few values the message needs; kept 90 days.
CREATE TABLE notices (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    kind        TEXT    NOT NULL,
    actor       TEXT    NOT NULL DEFAULT '',
    project     TEXT    NOT NULL DEFAULT '',
    subject     TEXT    NOT NULL DEFAULT '',
    link        TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    read_at     INTEGER
);
CREATE INDEX notices_by_account ON notices (account_id, created_at);
CREATE INDEX notices_unread ON notices (account_id) WHERE read_at IS NULL;
