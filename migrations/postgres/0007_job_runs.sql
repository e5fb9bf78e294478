-- When each periodic job last ran: an instance runs a job only if it is the
-- one that moves `last_run` on for the period (one conditional update), so
-- that with several instances each job runs once per period.
CREATE TABLE job_runs (
    name        TEXT    PRIMARY KEY,
    last_run    BIGINT  NOT NULL
);
