-- Every API call is recorded after its key was found, so its project and
-- account exist; projects and accounts are never deleted (they are closed
-- or locked). Checking the two references on every row cost three
-- quarters of recording a call, the busiest write there is; the rows are
-- pruned by age (`--api-activity-raw-days`) like any other.
ALTER TABLE api_calls DROP CONSTRAINT api_calls_project_id_fkey;
ALTER TABLE api_calls DROP CONSTRAINT api_calls_account_id_fkey;
