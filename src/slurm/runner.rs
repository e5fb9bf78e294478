//! Slurm's own commands, run with argument vectors (never a shell), from
//! `PATH`, honouring `SLURM_CONF`: `sacctmgr` reads what the parent holds
//! and, fed many commands on its input in one process, writes what a pass
//! decided; `squeue` tells which associations have jobs; `scancel` takes
//! away the waiting jobs of an association that goes. Every name reaching
//! a command was validated (`reconcile::account_name`, `valid_user_name`,
//! and the configuration's cluster and parent).

use std::{process::Stdio, time::Duration};

use tokio::{io::AsyncWriteExt, process::Command};

use super::reconcile::{Action, ActiveJobs, Association, Limits, Observed};

/// How long one command may take (the first load of a large cluster is one
/// `sacctmgr` process).
const COMMAND_TIMEOUT: Duration = Duration::from_secs(300);

/// What went wrong talking to Slurm, in the operator's terms: which command
/// and what it said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlurmError(pub String);

impl std::fmt::Display for SlurmError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The cluster and the parent account Member Center manages.
#[derive(Debug, Clone)]
pub struct Runner {
    pub cluster: String,
    pub parent: String,
    /// `SLURM_CONF` for the commands, when not the process's own.
    pub conf: Option<std::path::PathBuf>,
}

impl Runner {
    /// Everything under the parent, every user's default account and the
    /// accounts elsewhere (names a project cannot take).
    pub async fn observe(&self) -> Result<Observed, SlurmError> {
        let cluster = format!("cluster={}", self.cluster);
        let assocs = self
            .run(
                "sacctmgr",
                &[
                    "-n",
                    "-P",
                    "show",
                    "assoc",
                    &cluster,
                    "format=account,user,parentname,grptres,grpjobs,grpsubmit,maxjobs,maxsubmit",
                ],
                None,
            )
            .await?;
        let users = self
            .run(
                "sacctmgr",
                &["-n", "-P", "show", "user", "format=user,defaultaccount"],
                None,
            )
            .await?;
        Ok(self.read_state(&assocs, &users))
    }

    fn read_state(&self, assocs: &str, users: &str) -> Observed {
        let mut observed = Observed::default();
        let mut user_rows = Vec::new();
        for line in assocs.lines() {
            let fields: Vec<&str> = line.split('|').collect();
            let [account, user, parent, tres, jobs, submit, max_jobs, max_submit, ..] = fields[..] else {
                continue;
            };
            let limits = Limits {
                tres: super::reconcile::parse_tres(tres),
                grp_jobs: jobs.parse().ok(),
                grp_submit: submit.parse().ok(),
                max_jobs: max_jobs.parse().ok(),
                max_submit: max_submit.parse().ok(),
            };
            if user.is_empty() {
                if account == self.parent {
                    observed.parent_exists = true;
                } else if parent == self.parent {
                    observed.accounts.entry(account.to_string()).or_default().limits = limits;
                } else {
                    observed.elsewhere.insert(account.to_string());
                }
            } else {
                user_rows.push((account, user, limits));
            }
        }
        for (account, user, limits) in user_rows {
            if let Some(under) = observed.accounts.get_mut(account) {
                under.users.insert(user.to_string(), limits);
            }
            observed
                .users
                .entry(user.to_string())
                .or_default()
                .accounts
                .insert(account.to_string());
        }
        for line in users.lines() {
            if let Some((user, default)) = line.split_once('|')
                && let Some(known) = observed.users.get_mut(user)
            {
                known.default_account = Some(default.trim_end_matches('|').to_string()).filter(|d| !d.is_empty());
            }
        }
        observed
    }

    /// Associations under the parent with jobs running or waiting.
    pub async fn active_jobs(&self, observed: &Observed) -> Result<ActiveJobs, SlurmError> {
        let out = self.run("squeue", &["-h", "-a", "-o", "%a|%u|%T"], None).await?;
        let mut jobs = ActiveJobs::default();
        for line in out.lines() {
            let mut fields = line.split('|');
            let (Some(account), Some(user), Some(state)) = (fields.next(), fields.next(), fields.next()) else {
                continue;
            };
            if !observed.accounts.contains_key(account) {
                continue;
            }
            let key = (account.to_string(), user.to_string());
            if state == "PENDING" {
                jobs.pending.insert(key);
            } else {
                jobs.running.insert(key);
            }
        }
        Ok(jobs)
    }

    /// Runs the actions: one `sacctmgr` process for the additions and
    /// changes, `scancel` for waiting jobs, one more for the removals.
    pub async fn apply(&self, actions: &[Action]) -> Result<(), SlurmError> {
        let (mut first, mut last) = (String::new(), String::new());
        let mut cancels = Vec::new();
        for action in actions {
            match action {
                Action::CancelPending { at } => cancels.push(at.clone()),
                Action::RemoveUser { .. } | Action::RemoveAccount { .. } => {
                    last.push_str(&self.command(action));
                    last.push('\n');
                }
                _ => {
                    first.push_str(&self.command(action));
                    first.push('\n');
                }
            }
        }
        if !first.is_empty() {
            self.run("sacctmgr", &["-i"], Some(first)).await?;
        }
        for at in cancels {
            let account = format!("--account={}", at.account);
            let mut args = vec!["--state=PENDING", &account];
            let user = at.user.as_ref().map(|user| format!("--user={user}"));
            if let Some(user) = &user {
                args.push(user);
            }
            self.run("scancel", &args, None).await?;
        }
        if !last.is_empty() {
            self.run("sacctmgr", &["-i"], Some(last)).await?;
        }
        Ok(())
    }

    /// One action as a line of `sacctmgr`'s own command language (its
    /// words are validated names and numbers only).
    pub fn command(&self, action: &Action) -> String {
        let (cluster, parent) = (&self.cluster, &self.parent);
        match action {
            Action::AddParent => {
                format!("add account {parent} cluster={cluster} description=member-center organization=member-center")
            }
            Action::AddAccount { account } => format!(
                "add account {account} parent={parent} cluster={cluster} description={account} organization=member-center"
            ),
            Action::AddUser { account, user } => format!("add user {user} account={account} cluster={cluster}"),
            Action::SetLimits { at, from, to } => match at {
                Association { account, user: None } => {
                    format!(
                        "modify account where name={account} cluster={cluster} set {}",
                        to.set_clause(from)
                    )
                }
                Association {
                    account,
                    user: Some(user),
                } => format!(
                    "modify user where name={user} account={account} cluster={cluster} set {}",
                    to.set_clause(from)
                ),
            },
            Action::SetDefault { user, to, .. } => {
                format!("modify user where name={user} cluster={cluster} set DefaultAccount={to}")
            }
            Action::CancelPending { at } => format!("# scancel --state=PENDING {at}"),
            Action::RemoveUser { account, user } => {
                format!("delete user where name={user} account={account} cluster={cluster}")
            }
            Action::RemoveAccount { account } => format!("delete account where name={account} cluster={cluster}"),
        }
    }

    /// Runs one command, its input given, within `COMMAND_TIMEOUT`; its
    /// output, or what it said when it failed (a nonzero exit, or errors
    /// said however it exits: a read that failed must never pass for an
    /// empty one).
    async fn run(&self, program: &str, args: &[&str], input: Option<String>) -> Result<String, SlurmError> {
        let failed = |what: String| SlurmError(format!("{program}: {what}"));
        let mut command = Command::new(program);
        if let Some(conf) = &self.conf {
            command.env("SLURM_CONF", conf);
        }
        let mut child = command
            .args(args)
            .stdin(if input.is_some() { Stdio::piped() } else { Stdio::null() })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|err| failed(err.to_string()))?;
        if let (Some(input), Some(mut stdin)) = (input, child.stdin.take()) {
            stdin
                .write_all(input.as_bytes())
                .await
                .map_err(|err| failed(err.to_string()))?;
        }
        let output = tokio::time::timeout(COMMAND_TIMEOUT, child.wait_with_output())
            .await
            .map_err(|_| failed(format!("no answer in {} s", COMMAND_TIMEOUT.as_secs())))?
            .map_err(|err| failed(err.to_string()))?;
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&output.stderr);
        if output.status.success() && !stderr.contains("error") {
            return Ok(stdout);
        }
        // What it said: its errors, else the end of its output.
        let said: Vec<&str> = stderr
            .lines()
            .chain(
                stdout
                    .lines()
                    .filter(|l| l.contains("rror") || l.contains("doesn't exist")),
            )
            .map(str::trim)
            .filter(|l| !l.is_empty() && *l != "sacctmgr:")
            .take(5)
            .collect();
        Err(failed(if said.is_empty() {
            output.status.to_string()
        } else {
            said.join(" · ")
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_sacctmgr_shows_under_the_parent_only() {
        let runner = Runner {
            cluster: "c".into(),
            parent: "member-center".into(),
            conf: None,
        };
        let assocs = "root|||||||\nroot|root|||||||\nmember-center||root||||||\nmst1||member-center|cpu=4,gres/gpu=2,mem=2G|0|0||\nmst1|alice||cpu=2|||||\nphysics||root||||||\nphysics|alice||||||\n";
        let users = "root|root\nalice|physics\n";
        let observed = runner.read_state(assocs, users);
        assert!(observed.parent_exists);
        assert_eq!(observed.accounts.keys().collect::<Vec<_>>(), ["mst1"]);
        let mst1 = &observed.accounts["mst1"];
        assert!(mst1.limits.blocked());
        assert_eq!(mst1.limits.tres["mem"], 2048);
        assert_eq!(mst1.users["alice"].tres["cpu"], 2);
        assert!(observed.elsewhere.contains("physics") && observed.elsewhere.contains("root"));
        let alice = &observed.users["alice"];
        assert_eq!(alice.default_account.as_deref(), Some("physics"));
        assert_eq!(alice.accounts.len(), 2);
    }
}
