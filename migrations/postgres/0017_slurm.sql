-- HPC through Slurm (src/slurm).
-- An account's user name on the HPC cluster, where an operator set one
-- other than their username.
CREATE TABLE cluster_users (
    account_id  BIGINT PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    name        TEXT    NOT NULL UNIQUE
);

-- What the last pass left in Slurm, per association under the parent
-- (`mst110001` or `mst110001/alice`): its limits in the stored form
-- (`reconcile::Limits::canonical`). A pass that finds Slurm otherwise
-- finds drift: a change made by hand.
CREATE TABLE slurm_applied (
    cluster     TEXT    NOT NULL,
    association TEXT    NOT NULL,
    limits      TEXT    NOT NULL,
    PRIMARY KEY (cluster, association)
);

-- How the passes go, for the Clusters page, /metrics and the backoff that
-- every instance shares.
CREATE TABLE slurm_status (
    cluster         TEXT    PRIMARY KEY,
    last_attempt    BIGINT NOT NULL,
    last_success    BIGINT,
    failures        BIGINT NOT NULL DEFAULT 0,
    error           TEXT    NOT NULL DEFAULT '',
    changes         BIGINT NOT NULL DEFAULT 0,
    drift           BIGINT NOT NULL DEFAULT 0,
    skipped         TEXT    NOT NULL DEFAULT '',
    seconds         BIGINT NOT NULL DEFAULT 0
);
