-- A project's API use added up per hour and per UTC day, beside each key's
-- (`api_usage`): the project's chart reads a row an hour or a day however
-- many keys it has. Written with the keys' sums in one transaction
-- (`activity::store::write_calls`), kept as long as they are.

CREATE TABLE api_project_usage (
    project_id      INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    span            INTEGER NOT NULL,
    start           INTEGER NOT NULL,
    calls           INTEGER NOT NULL,
    ok              INTEGER NOT NULL,
    client_errors   INTEGER NOT NULL,
    server_errors   INTEGER NOT NULL,
    latency_sum_us  INTEGER NOT NULL,
    latency_max_us  INTEGER NOT NULL,
    first_at        INTEGER NOT NULL,
    last_at         INTEGER NOT NULL,
    PRIMARY KEY (project_id, span, start)
);
-- For the maintenance: the oldest hours and days first.
CREATE INDEX api_project_usage_by_age ON api_project_usage (span, start);

INSERT INTO api_project_usage (project_id, span, start, calls, ok, client_errors, server_errors,
                               latency_sum_us, latency_max_us, first_at, last_at)
SELECT project_id, span, start, SUM(calls), SUM(ok), SUM(client_errors), SUM(server_errors),
       SUM(latency_sum_us), MAX(latency_max_us), MIN(first_at), MAX(last_at)
FROM api_usage GROUP BY project_id, span, start;

-- A member's use: their keys' hours and days, without the project's.
CREATE INDEX api_usage_by_account ON api_usage (account_id, span, start);
