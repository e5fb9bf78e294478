//! `member-center slurm`: what a pass would change (`plan`), one pass now
//! (`sync`), how the passes go (`status`) and cluster user names (`user`);
//! and the `--slurm-…` settings `serve` shares with them.

use clap::Subcommand;

use super::explain;
use crate::{
    config::{self, Slurm},
    db,
    slurm::{Runner, service},
};

/// The Slurm cluster to keep in step (for `serve` and `slurm`).
#[derive(clap::Args, Clone)]
pub(super) struct SlurmArgs {
    /// Keep this Slurm cluster (its name in slurmdbd) in step with the portal: projects
    /// with an HPC quota become Slurm accounts, members with HPC their users, quotas
    /// GrpTRES limits. Slurm's commands are run from PATH, honouring SLURM_CONF.
    #[arg(long, env = "MC_SLURM_CLUSTER")]
    slurm_cluster: Option<String>,
    /// The one Slurm account under which everything Member Center manages lives
    /// (created if missing); nothing outside it is touched.
    #[arg(long, env = "MC_SLURM_PARENT", default_value = config::DEFAULT_SLURM_PARENT)]
    slurm_parent: String,
    /// Seconds between full passes, which put back changes made by hand (a change in
    /// the portal starts a pass at once).
    #[arg(long, env = "MC_SLURM_SYNC_SECONDS", default_value_t = config::DEFAULT_SLURM_SYNC_SECONDS, value_parser = clap::value_parser!(i64).range(5..=86_400))]
    slurm_sync_seconds: i64,
    /// The slurm.conf Slurm's commands read (default: SLURM_CONF, else Slurm's own).
    #[arg(long, env = "MC_SLURM_CONF")]
    slurm_conf: Option<std::path::PathBuf>,
}

impl SlurmArgs {
    /// The settings, or none without a cluster; a name Slurm cannot take stops the start.
    pub(super) fn into_config(self) -> anyhow::Result<Option<Slurm>> {
        match self.slurm_cluster {
            Some(cluster) => {
                let mut slurm = Slurm::new(&cluster, &self.slurm_parent, self.slurm_sync_seconds)?;
                slurm.conf = self.slurm_conf;
                Ok(Some(slurm))
            }
            None => Ok(None),
        }
    }

    fn runner(self) -> anyhow::Result<Runner> {
        let Some(slurm) = self.into_config()? else {
            anyhow::bail!("name the cluster with --slurm-cluster (or MC_SLURM_CLUSTER)");
        };
        Ok(Runner::new(&slurm))
    }
}

#[derive(Subcommand)]
pub(super) enum SlurmCommand {
    /// Print what a pass would change, changing nothing.
    Plan(SlurmArgs),
    /// Run one pass now (unless an instance is running one).
    Sync(SlurmArgs),
    /// How the passes go: the last, the last that succeeded, the last error.
    Status(SlurmArgs),
    /// Import and bill the cluster's finished jobs now (each job once, whatever runs it).
    Import {
        #[command(flatten)]
        slurm: SlurmArgs,
        /// Import from this file of `sacct -n -P -X --format=jobid,jobname%200,partition,account,user,state,elapsedraw,alloctres,submit,end`
        /// lines (times in UTC) instead of asking Slurm: a cluster's history. Jobs
        /// of accounts that are no project's are left out; the watermark stays.
        #[arg(long)]
        sacct_file: Option<std::path::PathBuf>,
    },
    /// Set an account's user name on the cluster (default: their username).
    User {
        username: String,
        /// The name on the cluster; omit it with --reset.
        name: Option<String>,
        /// Use their username again.
        #[arg(long, conflicts_with = "name")]
        reset: bool,
    },
}

pub(super) async fn run(location: &db::Location, command: SlurmCommand) -> anyhow::Result<()> {
    let db = db::open(location).await?;
    let now = db::now();
    match command {
        SlurmCommand::Plan(args) => {
            let runner = args.runner()?;
            let pass = service::plan(&db, &runner, now)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            report(&runner, &pass);
            if pass.actions.is_empty() {
                println!("Nothing to do: Slurm is in step with Member Center.");
            }
        }
        SlurmCommand::Sync(args) => {
            let runner = args.runner()?;
            let pass = service::sync(&db, &runner, now)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            report(&runner, &pass);
            println!("Slurm is in step: {} change(s) made.", pass.actions.len());
        }
        SlurmCommand::Status(args) => {
            let runner = args.runner()?;
            match service::status(&db, &runner.cluster).await? {
                None => println!("No pass has run for the cluster {} yet.", runner.cluster),
                Some(status) => {
                    let at = |t: i64| crate::format::rfc3339(t);
                    println!("cluster:       {}", runner.cluster);
                    println!("last pass:     {}", at(status.last_attempt));
                    println!("last success:  {}", status.last_success.map_or("never".to_string(), at));
                    if status.failures > 0 {
                        println!("failing:       {} pass(es) in a row: {}", status.failures, status.error);
                    } else {
                        println!(
                            "last result:   {} change(s), {} put back after a change by hand, {} s",
                            status.changes, status.drift, status.seconds
                        );
                    }
                    if !status.skipped.is_empty() {
                        println!("left alone:    {}", status.skipped);
                    }
                    if status.failures > 0 {
                        anyhow::bail!("the last pass failed");
                    }
                }
            }
        }
        SlurmCommand::Import { slurm, sacct_file } => {
            let runner = slurm.runner()?;
            let started = std::time::Instant::now();
            let done = match sacct_file {
                Some(file) => {
                    let lines = std::fs::read_to_string(&file)
                        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
                    crate::slurm::billing::import_lines(&db, &runner.cluster, &lines).await?
                }
                None => crate::slurm::billing::import(&db, &runner, now)
                    .await
                    .map_err(|e| anyhow::anyhow!("{e}"))?,
            };
            println!(
                "{} job(s) billed, {} unattributed, {} already recorded, in {:.2} s.",
                done.billed,
                done.unattributed,
                done.known,
                started.elapsed().as_secs_f64()
            );
        }
        SlurmCommand::User { username, name, reset } => {
            let name = match (name, reset) {
                (Some(name), false) => name,
                (None, true) => String::new(),
                _ => anyhow::bail!("give the name on the cluster, or --reset"),
            };
            let message = service::set_cluster_user(&db, None, &username, &name)
                .await
                .map_err(explain)?;
            println!("{}", message.in_lang(crate::web::i18n::Lang::En));
        }
    }
    Ok(())
}

/// A pass's plan as `sacctmgr` lines, with the drift and what was left alone.
fn report(runner: &Runner, pass: &service::Pass) {
    for line in runner.lines(&pass.actions) {
        println!("{line}");
    }
    let words = |limits: &Option<String>| {
        crate::activity::views::slurm_limits(limits.as_deref().unwrap_or(service::ABSENT), crate::web::i18n::Lang::En)
    };
    for drift in &pass.drift {
        println!(
            "# changed by hand on {}: was {}, is {}",
            drift.at,
            words(&drift.was),
            words(&drift.is)
        );
    }
    for skipped in &pass.skipped {
        println!("# left alone: {skipped}");
    }
}

#[derive(Subcommand)]
pub(super) enum RateCommand {
    /// Set a price from now on (jobs that end after it): hpc, in credits per
    /// core-hour and per GPU-hour, for one partition or every other.
    Set {
        /// The service priced: hpc.
        service: String,
        #[arg(long)]
        cpu_hour: String,
        #[arg(long)]
        gpu_hour: String,
        /// One partition (default: every partition without a price of its own).
        #[arg(long, default_value = "")]
        partition: String,
    },
    /// The prices in force.
    List,
}

pub(super) async fn run_rate(location: &db::Location, command: RateCommand) -> anyhow::Result<()> {
    let db = db::open(location).await?;
    match command {
        RateCommand::Set {
            service,
            cpu_hour,
            gpu_hour,
            partition,
        } => {
            if service != "hpc" {
                anyhow::bail!(
                    "service: only hpc is priced by the portal (the others report their usage with its rate)"
                );
            }
            let message = crate::slurm::billing::set_rate(&db, None, &partition, &cpu_hour, &gpu_hour, db::now())
                .await
                .map_err(explain)?;
            println!("{}", message.in_lang(crate::web::i18n::Lang::En));
        }
        RateCommand::List => {
            let rates = crate::slurm::billing::rates(&db).await?;
            if rates.is_empty() {
                println!("No HPC price is set: finished jobs cost nothing.");
            }
            for (partition, rate, since) in rates {
                let partition = if partition.is_empty() {
                    "(every other)".to_string()
                } else {
                    partition
                };
                println!(
                    "hpc  {partition:<16} {} credits/core-hour  {} credits/GPU-hour  since {}",
                    crate::wallets::Credits(rate.cpu_hour),
                    crate::wallets::Credits(rate.gpu_hour),
                    crate::format::rfc3339(since)
                );
            }
        }
    }
    Ok(())
}
