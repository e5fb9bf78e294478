-- HPC jobs billed (src/slurm/billing.rs).
-- The operators' HPC rates, in 1/10,000 credit an hour: per partition, or
-- for every partition without its own (''). A rate applies to jobs that
-- end from `since` on; older ones stay, for the jobs they priced.
CREATE TABLE hpc_rates (
    id          INTEGER PRIMARY KEY,
    partition   TEXT    NOT NULL DEFAULT '',
    cpu_hour    INTEGER NOT NULL CHECK (cpu_hour >= 0),
    gpu_hour    INTEGER NOT NULL CHECK (gpu_hour >= 0),
    since       INTEGER NOT NULL,
    set_by      INTEGER REFERENCES accounts (id) ON DELETE SET NULL
);
CREATE INDEX hpc_rates_by_partition ON hpc_rates (partition, since);

-- Every finished job that ran, once: keyed by what identifies it in Slurm
-- (the cluster, the job ID and the submit time, since Slurm restarts its
-- IDs when its state is lost). Billed (with its debit), unattributed
-- (no project or person the portal knows: `reason`), or dismissed.
CREATE TABLE hpc_jobs (
    id              INTEGER PRIMARY KEY,
    cluster         TEXT    NOT NULL,
    job_id          TEXT    NOT NULL,
    submitted_at    INTEGER NOT NULL,
    slurm_account   TEXT    NOT NULL,
    slurm_user      TEXT    NOT NULL,
    name            TEXT    NOT NULL,
    partition       TEXT    NOT NULL,
    state           TEXT    NOT NULL,
    ended_at        INTEGER NOT NULL,
    elapsed_seconds INTEGER NOT NULL,
    cpus            INTEGER NOT NULL,
    gpus            INTEGER NOT NULL,
    cpu_hour        INTEGER,
    gpu_hour        INTEGER,
    amount          INTEGER,
    project_id      INTEGER REFERENCES projects (id) ON DELETE SET NULL,
    account_id      INTEGER REFERENCES accounts (id) ON DELETE SET NULL,
    ledger_entry_id INTEGER REFERENCES ledger_entries (id) ON DELETE SET NULL,
    status          TEXT    NOT NULL CHECK (status IN ('billed', 'unattributed', 'dismissed')),
    reason          TEXT    NOT NULL DEFAULT '',
    UNIQUE (cluster, job_id, submitted_at)
);
CREATE INDEX hpc_jobs_by_project ON hpc_jobs (project_id, ended_at);
CREATE INDEX hpc_jobs_unattributed ON hpc_jobs (status, ended_at);

-- How far the import has read each cluster's accounting (none until one
-- succeeds), and how the last went: for the Clusters page.
CREATE TABLE hpc_import (
    cluster         TEXT    PRIMARY KEY,
    until           INTEGER,
    last_attempt    INTEGER NOT NULL,
    failures        INTEGER NOT NULL DEFAULT 0,
    error           TEXT    NOT NULL DEFAULT ''
);
