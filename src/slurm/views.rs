//! The Clusters page.

use std::collections::HashMap;

use askama::Template;

use super::store::Status;
use crate::web::{FieldErrors, Layout};

#[derive(Template)]
#[template(path = "operator/clusters.html")]
pub(super) struct ClustersPage {
    pub(super) l: Layout,
    /// The cluster and parent, when Slurm is on.
    pub(super) slurm: Option<crate::config::Slurm>,
    pub(super) status: Option<Status>,
    /// When the next pass is due (a full one, or the retry after a failure).
    pub(super) next: Option<i64>,
    pub(super) cluster_users: Vec<(String, String)>,
    pub(super) values: HashMap<String, String>,
    pub(super) errors: FieldErrors,
    /// The HPC prices in force: (partition, '' for every other; rate; since).
    pub(super) rates: Vec<(String, super::billing::Rate, i64)>,
    pub(super) unattributed: Vec<super::billing::Unattributed>,
}

impl ClustersPage {
    pub(super) fn value(&self, field: &str) -> &str {
        self.values.get(field).map(String::as_str).unwrap_or("")
    }

    pub(super) fn credits(&self, units: &i64) -> String {
        crate::wallets::Credits(*units).to_string()
    }

    pub(super) fn reason_key(&self, reason: &str) -> &'static str {
        match reason {
            "unknown-user" => "hpc-reason-unknown-user",
            _ => "hpc-reason-unknown-account",
        }
    }

    pub(super) fn use_figures(&self, job: &super::billing::Unattributed) -> String {
        let hundredths = (job.elapsed_seconds * 100 + 1800) / 3600;
        self.l.lang.t_args(
            "hpc-job-use-figures",
            &[
                ("hours", format!("{}.{:02}", hundredths / 100, hundredths % 100)),
                ("cpus", job.cpus.to_string()),
                ("gpus", job.gpus.to_string()),
            ],
        )
    }
}
