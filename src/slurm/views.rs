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
    pub(super) import: Option<super::billing::ImportStatus>,
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

/// The HPC jobs tab: a month's billed jobs of the project (a tenant user's
/// own), their cost, and the prices in force.
#[derive(Template)]
#[template(path = "account/hpc_jobs.html", blocks = ["content"])]
pub(super) struct JobsPage {
    pub(super) l: Layout,
    pub(super) tab: &'static str,
    /// `YYYY-MM`, and the months before and after it.
    pub(super) month: String,
    pub(super) previous: String,
    pub(super) next: String,
    pub(super) jobs: Vec<super::store::BilledJob>,
    pub(super) total: crate::wallets::CreditSum,
    pub(super) rates: Vec<(String, super::billing::Rate, i64)>,
    pub(super) errors: FieldErrors,
}

impl JobsPage {
    pub(super) fn credits(&self, units: &i64) -> String {
        crate::wallets::Credits(*units).to_string()
    }

    pub(super) fn hours(&self, seconds: &i64) -> String {
        let hundredths = (seconds * 100 + 1800) / 3600;
        format!("{}.{:02}", hundredths / 100, hundredths % 100)
    }

    pub(super) fn state_key(&self, state: &str) -> &'static str {
        match state {
            "COMPLETED" => "hpc-state-completed",
            "FAILED" => "hpc-state-failed",
            "TIMEOUT" => "hpc-state-timeout",
            "CANCELLED" => "hpc-state-cancelled",
            "NODE_FAIL" => "hpc-state-node-fail",
            "OUT_OF_MEMORY" => "hpc-state-out-of-memory",
            _ => "hpc-state-other",
        }
    }
}
