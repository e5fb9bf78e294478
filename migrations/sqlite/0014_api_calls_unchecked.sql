-- Every API call is recorded after its key was found, so its project and
-- account exist; projects and accounts are never deleted (they are closed
-- or locked). Checking the two references on every row cost three
-- quarters of recording a call, the busiest write there is; the rows are
-- pruned by age (`--api-activity-raw-days`) like any other. SQLite drops
-- a reference by making the table again.
CREATE TABLE api_calls_unchecked (
    id          INTEGER PRIMARY KEY,
    at          INTEGER NOT NULL,
    project_id  INTEGER NOT NULL,
    account_id  INTEGER NOT NULL,
    key_id      TEXT    NOT NULL,
    method      INTEGER NOT NULL,
    route       INTEGER NOT NULL,
    status      INTEGER NOT NULL,
    latency_us  INTEGER NOT NULL,
    client      TEXT    NOT NULL DEFAULT ''
);
INSERT INTO api_calls_unchecked (id, at, project_id, account_id, key_id, method, route, status, latency_us, client)
SELECT id, at, project_id, account_id, key_id, method, route, status, latency_us, client FROM api_calls;
DROP TABLE api_calls;
ALTER TABLE api_calls_unchecked RENAME TO api_calls;
CREATE INDEX api_calls_by_project ON api_calls (project_id, id);
CREATE INDEX api_calls_by_account ON api_calls (account_id, id);
