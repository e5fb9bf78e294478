-- API activity whose cost does not grow with the traffic: every call in
-- detail for a short window (`api_calls`, `--api-activity-raw-days`), and
-- added up per key and hour (kept 31 days) and per key and UTC day (kept
-- the retention) in `api_usage`. See `activity::calls` for the method and
-- route codes, `activity::usage` for the sums.

CREATE TABLE api_calls (
    id          INTEGER PRIMARY KEY,
    at          INTEGER NOT NULL,
    project_id  INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    key_id      TEXT    NOT NULL,
    method      INTEGER NOT NULL,
    route       INTEGER NOT NULL,
    status      INTEGER NOT NULL,
    latency_us  INTEGER NOT NULL,
    client      TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX api_calls_by_project ON api_calls (project_id, id);
CREATE INDEX api_calls_by_account ON api_calls (account_id, id);

-- One row per key and hour (`span` 3600) or day (86400, UTC).
CREATE TABLE api_usage (
    key_id          TEXT    NOT NULL,
    span            INTEGER NOT NULL,
    start           INTEGER NOT NULL,
    project_id      INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    account_id      INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    calls           INTEGER NOT NULL,
    ok              INTEGER NOT NULL,
    client_errors   INTEGER NOT NULL,
    server_errors   INTEGER NOT NULL,
    latency_sum_us  INTEGER NOT NULL,
    latency_max_us  INTEGER NOT NULL,
    first_at        INTEGER NOT NULL,
    last_at         INTEGER NOT NULL,
    PRIMARY KEY (key_id, span, start)
);
CREATE INDEX api_usage_by_project ON api_usage (project_id, span, start);
-- For the maintenance: the oldest hours and days first.
CREATE INDEX api_usage_by_age ON api_usage (span, start);

-- The calls recorded so far: every one into the hourly and daily sums, and
-- in detail (the maintenance job then keeps only the windows).
INSERT INTO api_usage (key_id, span, start, project_id, account_id, calls, ok, client_errors,
                       server_errors, latency_sum_us, latency_max_us, first_at, last_at)
SELECT key_id, 3600, at - at % 3600, MIN(project_id), MIN(account_id), COUNT(*),
       SUM(CASE WHEN status BETWEEN 200 AND 299 THEN 1 ELSE 0 END),
       SUM(CASE WHEN status BETWEEN 400 AND 499 THEN 1 ELSE 0 END),
       SUM(CASE WHEN status >= 500 THEN 1 ELSE 0 END),
       SUM(latency_us), MAX(latency_us), MIN(at), MAX(at)
FROM api_activity GROUP BY key_id, at - at % 3600;

INSERT INTO api_usage (key_id, span, start, project_id, account_id, calls, ok, client_errors,
                       server_errors, latency_sum_us, latency_max_us, first_at, last_at)
SELECT key_id, 86400, at - at % 86400, MIN(project_id), MIN(account_id), COUNT(*),
       SUM(CASE WHEN status BETWEEN 200 AND 299 THEN 1 ELSE 0 END),
       SUM(CASE WHEN status BETWEEN 400 AND 499 THEN 1 ELSE 0 END),
       SUM(CASE WHEN status >= 500 THEN 1 ELSE 0 END),
       SUM(latency_us), MAX(latency_us), MIN(at), MAX(at)
FROM api_activity GROUP BY key_id, at - at % 86400;

INSERT INTO api_calls (at, project_id, account_id, key_id, method, route, status, latency_us)
SELECT at, project_id, account_id, key_id,
       CASE method WHEN 'GET' THEN 1 WHEN 'POST' THEN 2 WHEN 'PUT' THEN 3 WHEN 'PATCH' THEN 4
                   WHEN 'DELETE' THEN 5 WHEN 'HEAD' THEN 6 WHEN 'OPTIONS' THEN 7 ELSE 0 END,
       CASE WHEN path = '/api/v1/openapi.json' THEN 1 WHEN path = '/api/v1/whoami' THEN 2
            WHEN path = '/api/v1/keys' THEN 3 WHEN path = '/api/v1/allocations' THEN 4
            WHEN path LIKE '/api/v1/allocations/%' THEN 5 WHEN path = '/api/v1/quotas' THEN 6
            WHEN path = '/api/v1/usage' THEN 7 WHEN path = '/api/v1/wallet' THEN 8 ELSE 0 END,
       status, latency_us
FROM api_activity ORDER BY id;

DROP TABLE api_activity;
