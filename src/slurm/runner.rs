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

/// How many names one `sacctmgr` command takes.
const NAMES_PER_COMMAND: usize = 200;

/// A pass's commands: `sacctmgr` lines for the additions and changes,
/// `scancel` argument vectors, `sacctmgr` lines for the removals.
struct Script {
    changes: Vec<String>,
    cancels: Vec<Vec<String>>,
    removals: Vec<String>,
}

/// Commands that differ only in the names they take, in the order first
/// seen: `{}` in each stands for its names.
#[derive(Default)]
struct Groups(Vec<(String, Vec<String>)>);

impl Groups {
    fn put(&mut self, pattern: String, name: &str) {
        match self.0.iter_mut().find(|(p, _)| *p == pattern) {
            Some((_, names)) => names.push(name.to_string()),
            None => self.0.push((pattern, vec![name.to_string()])),
        }
    }

    fn lines(self) -> Vec<String> {
        self.0
            .into_iter()
            .flat_map(|(pattern, names)| {
                names
                    .chunks(NAMES_PER_COMMAND)
                    .map(|chunk| pattern.replacen("{}", &chunk.join(","), 1))
                    .collect::<Vec<_>>()
            })
            .collect()
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
        let script = self.script(actions);
        if !script.changes.is_empty() {
            self.run("sacctmgr", &["-i"], Some(script.changes.join("\n") + "\n"))
                .await?;
        }
        for args in &script.cancels {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            self.run("scancel", &args, None).await?;
        }
        if !script.removals.is_empty() {
            self.run("sacctmgr", &["-i"], Some(script.removals.join("\n") + "\n"))
                .await?;
        }
        Ok(())
    }

    /// The actions as the commands that carry them out, in order: what a
    /// pass runs and `slurm plan` prints.
    pub fn lines(&self, actions: &[Action]) -> Vec<String> {
        let script = self.script(actions);
        let cancels = script.cancels.iter().map(|args| format!("scancel {}", args.join(" ")));
        script
            .changes
            .into_iter()
            .chain(cancels)
            .chain(script.removals)
            .collect()
    }

    /// The actions as few commands as they can be: `sacctmgr` takes many
    /// names in one command (each command costs about half a second, each
    /// name a few milliseconds), so associations that get the same are
    /// named together, and a new association gets its limits as it is
    /// added. Every word is a validated name or a number.
    fn script(&self, actions: &[Action]) -> Script {
        let (cluster, parent) = (&self.cluster, &self.parent);
        // Commands with `{}` where the names go, and the names.
        let mut changes = Groups::default();
        let mut removals = Groups::default();
        let mut cancels = Vec::new();
        // A new association's limits go on its `add`.
        let limits_of = |at: &Association| {
            actions.iter().find_map(|a| match a {
                Action::SetLimits { at: this, to, .. } if this == at => Some(to.add_clause()),
                _ => None,
            })
        };
        let added = |at: &Association| {
            actions.iter().any(|a| match (a, &at.user) {
                (Action::AddAccount { account }, None) => *account == at.account,
                (Action::AddUser { account, user }, Some(u)) => *account == at.account && user == u,
                _ => false,
            })
        };
        for action in actions {
            match action {
                Action::AddParent => changes.put(
                    format!("add account {{}} cluster={cluster} organization=member-center"),
                    parent,
                ),
                Action::AddAccount { account } => {
                    let at = Association {
                        account: account.clone(),
                        user: None,
                    };
                    let limits = limits_of(&at).unwrap_or_default();
                    changes.put(
                        format!(
                            "add account {{}} parent={parent} cluster={cluster} organization=member-center{limits}"
                        ),
                        account,
                    );
                }
                Action::AddUser { account, user } => {
                    let at = Association {
                        account: account.clone(),
                        user: Some(user.clone()),
                    };
                    let limits = limits_of(&at).unwrap_or_default();
                    changes.put(
                        format!("add user {{}} account={account} cluster={cluster}{limits}"),
                        user,
                    );
                }
                Action::SetLimits { at, .. } if added(at) => {}
                Action::SetLimits { at, from, to } => match &at.user {
                    // `user=`: the account's own association, not its users'.
                    None => changes.put(
                        format!(
                            "modify account where name={{}} cluster={cluster} user= set {}",
                            to.set_clause(from)
                        ),
                        &at.account,
                    ),
                    Some(user) => changes.put(
                        format!(
                            "modify user where name={{}} account={} cluster={cluster} set {}",
                            at.account,
                            to.set_clause(from)
                        ),
                        user,
                    ),
                },
                Action::SetDefault { user, to, .. } => changes.put(
                    format!("modify user where name={{}} cluster={cluster} set DefaultAccount={to}"),
                    user,
                ),
                Action::CancelPending { at } => {
                    let mut args = vec!["--state=PENDING".to_string(), format!("--account={}", at.account)];
                    if let Some(user) = &at.user {
                        args.push(format!("--user={user}"));
                    }
                    cancels.push(args);
                }
                Action::RemoveUser { account, user } => removals.put(
                    format!("delete user where name={{}} account={account} cluster={cluster}"),
                    user,
                ),
                Action::RemoveAccount { account } => {
                    removals.put(format!("delete account where name={{}} cluster={cluster}"), account)
                }
            }
        }
        Script {
            changes: changes.lines(),
            cancels,
            removals: removals.lines(),
        }
    }

    /// Runs one command, its input given, within `COMMAND_TIMEOUT`; its
    /// output, or what it said when it failed (a nonzero exit, or errors
    /// said however it exits: a read that failed must never pass for an
    /// empty one).
    pub(super) async fn run(&self, program: &str, args: &[&str], input: Option<String>) -> Result<String, SlurmError> {
        let failed = |what: String| SlurmError(format!("{program}: {what}"));
        let mut command = Command::new(program);
        // Times read and written in UTC (`sacct`'s are the host's zone).
        command.env("TZ", "UTC");
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
    fn a_pass_is_few_commands_with_many_names_and_new_associations_get_their_limits_as_added() {
        use crate::slurm::reconcile::{Desired, DesiredAccount, plan};
        let runner = Runner {
            cluster: "c".into(),
            parent: "mc".into(),
            conf: None,
        };
        let eight = Limits::of_quota(Some(8), Some(0), None, false);
        let account = |users: &[&str]| DesiredAccount {
            limits: eight.clone(),
            users: users.iter().map(|u| (u.to_string(), Limits::default())).collect(),
        };
        let desired = Desired {
            accounts: [
                ("mst1".to_string(), account(&["alice", "bob"])),
                ("mst2".to_string(), account(&["bob"])),
            ]
            .into(),
        };
        let mut observed = Observed {
            parent_exists: true,
            ..Observed::default()
        };
        observed.accounts.insert(
            "mst1".into(),
            super::super::reconcile::ObservedAccount {
                limits: Limits::of_quota(Some(64), Some(0), None, false),
                users: [("carol".to_string(), Limits::default())].into(),
            },
        );
        observed
            .users
            .entry("carol".into())
            .or_default()
            .accounts
            .insert("mst1".into());
        let actions = plan(&desired, &observed, &ActiveJobs::default());
        assert_eq!(
            runner.lines(&actions),
            [
                "add account mst2 parent=mc cluster=c organization=member-center GrpTRES=cpu=8,gres/gpu=0",
                "add user alice,bob account=mst1 cluster=c",
                "add user bob account=mst2 cluster=c",
                "modify account where name=mst1 cluster=c user= set GrpTRES=cpu=8,gres/gpu=0 GrpJobs=-1 GrpSubmitJobs=-1 MaxJobs=-1 MaxSubmitJobs=-1",
                "delete user where name=carol account=mst1 cluster=c",
            ]
        );
    }

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
