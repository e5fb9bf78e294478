//! HPC through Slurm: Member Center's projects, members, permissions,
//! quotas and wallets enforced by a Slurm cluster, kept in step by passes
//! (`service`). Every project with an HPC quota is a Slurm account under
//! one parent account (`--slurm-parent`); every member with the `hpc`
//! permission a user association on it; quotas are `GrpTRES`; a blocked
//! project or person gets `GrpJobs=0` and `GrpSubmitJobs=0`.
//!
//! The seams, as for every adapter (STYLE.md): `reconcile` plans (pure),
//! `runner` talks to Slurm (argument vectors, validated names), `service`
//! ties them together one instance at a time, `store` keeps what the
//! passes need in the database; the operators' Clusters page is `routes`.

pub mod billing;
pub mod reconcile;
pub mod routes;
pub mod runner;
pub mod service;
pub mod store;
pub mod views;

use crate::web::router::Routes;

pub use runner::Runner;

pub fn configure(r: &mut Routes) {
    r.get("/operator/clusters", routes::show)
        .post("/operator/clusters/sync", routes::sync_now)
        .post("/operator/cluster-users", routes::set_cluster_user)
        .post("/operator/hpc-rates", routes::set_rate)
        .post("/operator/hpc-jobs/{id}", routes::decide_job)
        .get("/account/hpc-jobs", routes::jobs)
        .get("/account/hpc-jobs.csv", routes::jobs_csv);
}

impl Runner {
    /// The runner of the configured cluster, if Slurm is on.
    pub fn of(config: &crate::config::Config) -> Option<Runner> {
        config.slurm.as_ref().map(Runner::new)
    }

    pub fn new(slurm: &crate::config::Slurm) -> Runner {
        Runner {
            cluster: slurm.cluster.clone(),
            parent: slurm.parent.clone(),
            conf: slurm.conf.clone(),
        }
    }
}
