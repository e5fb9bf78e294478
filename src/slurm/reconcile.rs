//! What a pass must do: a pure function from what Member Center decides
//! (`Desired`, read from the database) and what Slurm holds under the
//! parent account (`Observed`, read with `sacctmgr`) to the list of
//! `Action`s that makes Slurm agree, in the order they must run. Nothing
//! here reads or runs anything; the tables at the end are its tests.

use std::collections::{BTreeMap, BTreeSet};

/// The limits Member Center manages on an association. Each is either set
/// or cleared (`None`: Slurm's `-1`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Limits {
    /// `GrpTRES`: `cpu`, `gres/gpu`, `mem` (MiB) and anything else found
    /// there (which a pass clears).
    pub tres: BTreeMap<String, i64>,
    /// `GrpJobs` and `GrpSubmitJobs`: both 0 while blocked, so that no job
    /// is accepted and none that waits starts; running jobs go on.
    pub grp_jobs: Option<i64>,
    pub grp_submit: Option<i64>,
    /// `MaxJobs` and `MaxSubmitJobs`: never set by Member Center, cleared
    /// when set by hand.
    pub max_jobs: Option<i64>,
    pub max_submit: Option<i64>,
}

impl Limits {
    /// The limits of a quota (cores, GPUs, memory in GiB; -1 or absent: no
    /// limit), blocked or not.
    pub fn of_quota(cpu: Option<i64>, gpu: Option<i64>, memory_gib: Option<i64>, blocked: bool) -> Limits {
        let mut tres = BTreeMap::new();
        let mut put = |name: &str, value: Option<i64>| {
            if let Some(value) = value.filter(|v| *v >= 0) {
                tres.insert(name.to_string(), value);
            }
        };
        put("cpu", cpu);
        put("gres/gpu", gpu);
        put("mem", memory_gib.and_then(|gib| gib.checked_mul(1024)));
        let block = blocked.then_some(0);
        Limits {
            tres,
            grp_jobs: block,
            grp_submit: block,
            max_jobs: None,
            max_submit: None,
        }
    }

    pub fn blocked(&self) -> bool {
        self.grp_jobs == Some(0) || self.grp_submit == Some(0)
    }

    /// The stored form (`cpu=8,gres/gpu=2,mem=65536;jobs=0;submit=0`), read
    /// back by `parse`: what the activity log keeps of drift.
    pub fn canonical(&self) -> String {
        let mut out = self
            .tres
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(",");
        for (name, value) in [
            ("jobs", self.grp_jobs),
            ("submit", self.grp_submit),
            ("maxjobs", self.max_jobs),
            ("maxsubmit", self.max_submit),
        ] {
            if let Some(value) = value {
                out.push_str(&format!(";{name}={value}"));
            }
        }
        out
    }

    pub fn parse(canonical: &str) -> Limits {
        let mut parts = canonical.split(';');
        let mut limits = Limits {
            tres: parse_tres(parts.next().unwrap_or("")),
            ..Limits::default()
        };
        for part in parts {
            let Some((name, value)) = part.split_once('=') else {
                continue;
            };
            let value = value.parse().ok();
            match name {
                "jobs" => limits.grp_jobs = value,
                "submit" => limits.grp_submit = value,
                "maxjobs" => limits.max_jobs = value,
                "maxsubmit" => limits.max_submit = value,
                _ => {}
            }
        }
        limits
    }

    /// The limits of a new association, as `sacctmgr add` takes them
    /// (after a space; empty when there are none).
    pub fn add_clause(&self) -> String {
        let mut clause = String::new();
        if !self.tres.is_empty() {
            let tres: Vec<String> = self.tres.iter().map(|(k, v)| format!("{k}={v}")).collect();
            clause.push_str(&format!(" GrpTRES={}", tres.join(",")));
        }
        for (name, value) in [
            ("GrpJobs", self.grp_jobs),
            ("GrpSubmitJobs", self.grp_submit),
            ("MaxJobs", self.max_jobs),
            ("MaxSubmitJobs", self.max_submit),
        ] {
            if let Some(value) = value {
                clause.push_str(&format!(" {name}={value}"));
            }
        }
        clause
    }

    /// The `set` clause of `sacctmgr modify` that turns `from` into `self`:
    /// every limit named, cleared ones as -1.
    pub fn set_clause(&self, from: &Limits) -> String {
        let mut tres: BTreeSet<&String> = self.tres.keys().collect();
        tres.extend(from.tres.keys());
        let tres: Vec<String> = tres
            .into_iter()
            .map(|name| format!("{name}={}", self.tres.get(name).copied().unwrap_or(-1)))
            .collect();
        let mut clause = Vec::new();
        if !tres.is_empty() {
            clause.push(format!("GrpTRES={}", tres.join(",")));
        }
        for (name, value) in [
            ("GrpJobs", self.grp_jobs),
            ("GrpSubmitJobs", self.grp_submit),
            ("MaxJobs", self.max_jobs),
            ("MaxSubmitJobs", self.max_submit),
        ] {
            clause.push(format!("{name}={}", value.unwrap_or(-1)));
        }
        clause.join(" ")
    }
}

/// `GrpTRES` as `sacctmgr` shows it (`cpu=4,gres/gpu=2,mem=2G`), memory in
/// MiB.
pub fn parse_tres(text: &str) -> BTreeMap<String, i64> {
    text.split(',')
        .filter_map(|pair| pair.split_once('='))
        .filter_map(|(name, value)| {
            let (digits, unit) = value.split_at(value.find(|c: char| !c.is_ascii_digit()).unwrap_or(value.len()));
            let number: i64 = digits.parse().ok()?;
            let scale = match unit {
                "" | "M" => 1,
                "G" => 1024,
                "T" => 1024 * 1024,
                "P" => 1024 * 1024 * 1024,
                _ => return None,
            };
            Some((name.to_string(), number.checked_mul(scale)?))
        })
        .collect()
}

/// An account name Slurm takes: Member Center's project codes are 3–20
/// uppercase letters and digits, which Slurm keeps lowercase.
pub fn account_name(project_code: &str) -> Option<String> {
    let name = project_code.to_ascii_lowercase();
    let fits = (1..=64).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    fits.then_some(name)
}

/// A cluster user name: a POSIX login name (lowercase letters, digits, `.`,
/// `_`, `-`, starting with a letter or `_`, at most 32).
pub fn valid_user_name(name: &str) -> bool {
    (1..=32).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'))
}

/// What Member Center decides: per account (by its Slurm name), the
/// account's limits and its users' limits.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Desired {
    pub accounts: BTreeMap<String, DesiredAccount>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DesiredAccount {
    pub limits: Limits,
    pub users: BTreeMap<String, Limits>,
}

/// What Slurm holds: the parent's child accounts with their limits and
/// users, every user's default account (users of these accounts only), and
/// which associations have jobs waiting or running.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Observed {
    pub parent_exists: bool,
    /// Accounts directly under the parent.
    pub accounts: BTreeMap<String, ObservedAccount>,
    /// Accounts elsewhere in the cluster (names a project cannot take).
    pub elsewhere: BTreeSet<String>,
    /// Per user of an account under the parent: their default account and
    /// every account they have an association with (anywhere).
    pub users: BTreeMap<String, ObservedUser>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ObservedAccount {
    pub limits: Limits,
    pub users: BTreeMap<String, Limits>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ObservedUser {
    pub default_account: Option<String>,
    pub accounts: BTreeSet<String>,
}

/// Jobs that are not finished, as `squeue` lists them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActiveJobs {
    /// (account, user) of running jobs.
    pub running: BTreeSet<(String, String)>,
    /// (account, user) of jobs waiting to start.
    pub pending: BTreeSet<(String, String)>,
}

impl ActiveJobs {
    fn running_in(&self, account: &str, user: Option<&str>) -> bool {
        self.running
            .iter()
            .any(|(a, u)| a == account && user.is_none_or(|user| u == user))
    }
    fn pending_in(&self, account: &str, user: Option<&str>) -> bool {
        self.pending
            .iter()
            .any(|(a, u)| a == account && user.is_none_or(|user| u == user))
    }
}

/// One change to Slurm, in the order a pass runs them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    AddParent,
    AddAccount {
        account: String,
    },
    AddUser {
        account: String,
        user: String,
    },
    SetLimits {
        at: Association,
        from: Limits,
        to: Limits,
    },
    SetDefault {
        user: String,
        from: Option<String>,
        to: String,
    },
    /// Jobs of an association being removed that wait: they would never
    /// start, and Slurm removes no association with jobs.
    CancelPending {
        at: Association,
    },
    RemoveUser {
        account: String,
        user: String,
    },
    RemoveAccount {
        account: String,
    },
}

/// An account's own association, or a user's on an account.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Association {
    pub account: String,
    pub user: Option<String>,
}

impl std::fmt::Display for Association {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.user {
            Some(user) => write!(f, "{} / {user}", self.account),
            None => f.write_str(&self.account),
        }
    }
}

impl Action {
    fn rank(&self) -> u8 {
        match self {
            Action::AddParent => 0,
            Action::AddAccount { .. } => 1,
            Action::AddUser { .. } => 2,
            Action::SetLimits { .. } => 3,
            Action::SetDefault { .. } => 4,
            Action::CancelPending { .. } => 5,
            Action::RemoveUser { .. } => 6,
            Action::RemoveAccount { .. } => 7,
        }
    }
}

/// Everything that differs, and only that. An association to remove that
/// still has a running job is blocked instead (its jobs go on, nothing new
/// starts) and removed by a later pass; a user whose default account goes
/// is given another of their accounts first, and one is set for a user
/// who has none.
pub fn plan(desired: &Desired, observed: &Observed, jobs: &ActiveJobs) -> Vec<Action> {
    let mut actions = Vec::new();
    if !observed.parent_exists {
        actions.push(Action::AddParent);
    }
    let blocked = Limits {
        grp_jobs: Some(0),
        grp_submit: Some(0),
        ..Limits::default()
    };
    // What each user will have under the parent when the pass is done.
    let mut kept: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (name, want) in &desired.accounts {
        if observed.elsewhere.contains(name) {
            continue; // Not ours to change: `skipped` reports it.
        }
        let have = observed.accounts.get(name);
        if have.is_none() {
            actions.push(Action::AddAccount { account: name.clone() });
        }
        let have_limits = have.map(|a| a.limits.clone()).unwrap_or_default();
        if have_limits != want.limits {
            actions.push(Action::SetLimits {
                at: Association {
                    account: name.clone(),
                    user: None,
                },
                from: have_limits,
                to: want.limits.clone(),
            });
        }
        for (user, want_user) in &want.users {
            kept.entry(user).or_default().insert(name);
            let have_user = have.and_then(|a| a.users.get(user));
            if have_user.is_none() {
                actions.push(Action::AddUser {
                    account: name.clone(),
                    user: user.clone(),
                });
            }
            let have_user = have_user.cloned().unwrap_or_default();
            if &have_user != want_user {
                actions.push(Action::SetLimits {
                    at: Association {
                        account: name.clone(),
                        user: Some(user.clone()),
                    },
                    from: have_user,
                    to: want_user.clone(),
                });
            }
        }
    }
    // What goes: a user association no longer wanted, an account no longer
    // wanted (with every user on it).
    let mut going: BTreeSet<(&str, &str)> = BTreeSet::new();
    for (name, have) in &observed.accounts {
        let want = desired.accounts.get(name);
        for (user, have_user) in &have.users {
            if want.is_some_and(|w| w.users.contains_key(user)) {
                continue;
            }
            going.insert((name, user));
            let at = Association {
                account: name.clone(),
                user: Some(user.clone()),
            };
            if jobs.running_in(name, Some(user)) {
                if !have_user.blocked() {
                    let mut to = have_user.clone();
                    to.grp_jobs = Some(0);
                    to.grp_submit = Some(0);
                    actions.push(Action::SetLimits {
                        at: at.clone(),
                        from: have_user.clone(),
                        to,
                    });
                }
                kept.entry(user).or_default().insert(name);
            } else {
                if jobs.pending_in(name, Some(user)) {
                    actions.push(Action::CancelPending { at });
                }
                actions.push(Action::RemoveUser {
                    account: name.clone(),
                    user: user.clone(),
                });
            }
        }
        if want.is_none() {
            let at = Association {
                account: name.clone(),
                user: None,
            };
            if jobs.running_in(name, None) {
                if !have.limits.blocked() {
                    actions.push(Action::SetLimits {
                        at,
                        from: have.limits.clone(),
                        to: Limits {
                            tres: have.limits.tres.clone(),
                            ..blocked.clone()
                        },
                    });
                }
            } else {
                if jobs.pending_in(name, None) {
                    actions.push(Action::CancelPending { at });
                }
                actions.push(Action::RemoveAccount { account: name.clone() });
            }
        }
    }
    // Default accounts: never one that goes; one for whoever has none.
    let mut users: BTreeSet<&str> = kept.keys().copied().collect();
    users.extend(going.iter().map(|(_, user)| *user));
    for user in users {
        let have = observed.users.get(user);
        let default = have.and_then(|u| u.default_account.as_deref());
        let kept_here = kept.get(user);
        // Every account they will have when the pass is done.
        let remaining: BTreeSet<&str> = have
            .into_iter()
            .flat_map(|u| u.accounts.iter().map(String::as_str))
            .filter(|account| !going.contains(&(*account, user)))
            .chain(kept_here.into_iter().flatten().copied())
            .collect();
        // Valid; or new to Slurm, when adding them makes their first
        // association their default.
        if default.is_some_and(|d| remaining.contains(d)) || have.is_none() {
            continue;
        }
        // One Member Center keeps, else another of theirs.
        let next = kept_here
            .and_then(|k| k.iter().next().copied())
            .or_else(|| remaining.iter().next().copied());
        if let Some(next) = next {
            actions.push(Action::SetDefault {
                user: user.to_string(),
                from: default.map(str::to_string),
                to: next.to_string(),
            });
        }
    }
    actions.sort_by_key(Action::rank);
    actions
}

/// What Slurm holds once `actions` have run on `observed` (the parent's
/// accounts and their users; what a pass that succeeded leaves).
pub fn applied(observed: &Observed, actions: &[Action]) -> Observed {
    let mut after = observed.clone();
    for action in actions {
        match action {
            Action::AddParent => after.parent_exists = true,
            Action::AddAccount { account } => {
                after.accounts.entry(account.clone()).or_default();
            }
            Action::AddUser { account, user } => {
                if let Some(on) = after.accounts.get_mut(account) {
                    on.users.entry(user.clone()).or_default();
                }
                let known = after.users.entry(user.clone()).or_default();
                known.accounts.insert(account.clone());
                known.default_account.get_or_insert_with(|| account.clone());
            }
            Action::SetLimits { at, to, .. } => {
                let Some(on) = after.accounts.get_mut(&at.account) else {
                    continue;
                };
                match &at.user {
                    None => on.limits = to.clone(),
                    Some(user) => {
                        on.users.insert(user.clone(), to.clone());
                    }
                }
            }
            Action::SetDefault { user, to, .. } => {
                after.users.entry(user.clone()).or_default().default_account = Some(to.clone());
            }
            Action::CancelPending { .. } => {}
            Action::RemoveUser { account, user } => {
                if let Some(on) = after.accounts.get_mut(account) {
                    on.users.remove(user);
                }
                if let Some(known) = after.users.get_mut(user) {
                    known.accounts.remove(account);
                }
            }
            Action::RemoveAccount { account } => {
                after.accounts.remove(account);
                for known in after.users.values_mut() {
                    known.accounts.remove(account);
                }
            }
        }
    }
    after
}

/// The associations that go once their running jobs end (blocked until
/// then): a pass soon after sees whether they have.
pub fn waiting(desired: &Desired, observed: &Observed, jobs: &ActiveJobs) -> Vec<Association> {
    let mut waiting = Vec::new();
    for (name, have) in &observed.accounts {
        let want = desired.accounts.get(name);
        if want.is_none() && jobs.running_in(name, None) {
            waiting.push(Association {
                account: name.clone(),
                user: None,
            });
        }
        for user in have.users.keys() {
            if !want.is_some_and(|w| w.users.contains_key(user)) && jobs.running_in(name, Some(user)) {
                waiting.push(Association {
                    account: name.clone(),
                    user: Some(user.clone()),
                });
            }
        }
    }
    waiting
}

/// Desired accounts whose name is taken outside the parent: reported and
/// left alone.
pub fn skipped(desired: &Desired, observed: &Observed) -> Vec<String> {
    desired
        .accounts
        .keys()
        .filter(|name| observed.elsewhere.contains(*name))
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(cpu: i64) -> Limits {
        Limits::of_quota(Some(cpu), Some(0), None, false)
    }

    fn account(limits: Limits, users: &[(&str, Limits)]) -> (Limits, BTreeMap<String, Limits>) {
        (limits, users.iter().map(|(u, l)| (u.to_string(), l.clone())).collect())
    }

    fn desired(accounts: &[(&str, (Limits, BTreeMap<String, Limits>))]) -> Desired {
        Desired {
            accounts: accounts
                .iter()
                .map(|(name, (limits, users))| {
                    (
                        name.to_string(),
                        DesiredAccount {
                            limits: limits.clone(),
                            users: users.clone(),
                        },
                    )
                })
                .collect(),
        }
    }

    fn observed(accounts: &[(&str, (Limits, BTreeMap<String, Limits>))], defaults: &[(&str, &str)]) -> Observed {
        let mut users: BTreeMap<String, ObservedUser> = BTreeMap::new();
        for (name, (_, on)) in accounts {
            for user in on.keys() {
                users.entry(user.clone()).or_default().accounts.insert(name.to_string());
            }
        }
        for (user, default) in defaults {
            users.entry(user.to_string()).or_default().default_account = Some(default.to_string());
        }
        Observed {
            parent_exists: true,
            accounts: accounts
                .iter()
                .map(|(name, (limits, users))| {
                    (
                        name.to_string(),
                        ObservedAccount {
                            limits: limits.clone(),
                            users: users.clone(),
                        },
                    )
                })
                .collect(),
            elsewhere: BTreeSet::new(),
            users,
        }
    }

    fn at(account: &str, user: Option<&str>) -> Association {
        Association {
            account: account.into(),
            user: user.map(Into::into),
        }
    }

    #[test]
    fn nothing_differs_nothing_to_do() {
        let state = [("mst1", account(limits(8), &[("alice", limits(2))]))];
        assert_eq!(
            plan(
                &desired(&state),
                &observed(&state, &[("alice", "mst1")]),
                &ActiveJobs::default()
            ),
            vec![]
        );
    }

    #[test]
    fn a_first_pass_adds_the_parent_accounts_users_and_limits_in_order() {
        let want = desired(&[("mst1", account(limits(8), &[("alice", Limits::default())]))]);
        let have = Observed::default();
        assert_eq!(
            plan(&want, &have, &ActiveJobs::default()),
            vec![
                Action::AddParent,
                Action::AddAccount { account: "mst1".into() },
                Action::AddUser {
                    account: "mst1".into(),
                    user: "alice".into()
                },
                Action::SetLimits {
                    at: at("mst1", None),
                    from: Limits::default(),
                    to: limits(8)
                },
                // A new user's first association is their default already.
            ]
        );
    }

    #[test]
    fn drift_is_put_back_and_strangers_under_the_parent_go() {
        let want = desired(&[("mst1", account(limits(8), &[("alice", limits(2))]))]);
        let mut edited = limits(2);
        edited.tres.insert("node".into(), 3);
        let have = observed(
            &[
                (
                    "mst1",
                    account(limits(64), &[("alice", edited.clone()), ("mallory", Limits::default())]),
                ),
                ("added", account(Limits::default(), &[])),
            ],
            &[("alice", "mst1"), ("mallory", "mst1")],
        );
        let actions = plan(&want, &have, &ActiveJobs::default());
        assert_eq!(
            actions,
            vec![
                Action::SetLimits {
                    at: at("mst1", None),
                    from: limits(64),
                    to: limits(8)
                },
                Action::SetLimits {
                    at: at("mst1", Some("alice")),
                    from: edited.clone(),
                    to: limits(2)
                },
                Action::RemoveUser {
                    account: "mst1".into(),
                    user: "mallory".into()
                },
                Action::RemoveAccount {
                    account: "added".into()
                },
            ]
        );
        assert_eq!(
            limits(2).set_clause(&edited),
            "GrpTRES=cpu=2,gres/gpu=0,node=-1 GrpJobs=-1 GrpSubmitJobs=-1 MaxJobs=-1 MaxSubmitJobs=-1"
        );
    }

    #[test]
    fn a_user_with_a_running_job_is_blocked_not_removed_and_waiting_jobs_are_cancelled() {
        let want = desired(&[("mst1", account(limits(8), &[]))]);
        let have = observed(
            &[(
                "mst1",
                account(limits(8), &[("alice", Limits::default()), ("bob", Limits::default())]),
            )],
            &[("alice", "mst1"), ("bob", "mst1")],
        );
        let jobs = ActiveJobs {
            running: [("mst1".to_string(), "alice".to_string())].into(),
            pending: [("mst1".to_string(), "bob".to_string())].into(),
        };
        let actions = plan(&want, &have, &jobs);
        assert_eq!(
            actions,
            vec![
                Action::SetLimits {
                    at: at("mst1", Some("alice")),
                    from: Limits::default(),
                    to: Limits::of_quota(None, None, None, true)
                },
                Action::CancelPending {
                    at: at("mst1", Some("bob"))
                },
                Action::RemoveUser {
                    account: "mst1".into(),
                    user: "bob".into()
                },
            ]
        );
        // Blocked already: the next pass waits for the job to end.
        let mut have = have;
        have.accounts
            .get_mut("mst1")
            .unwrap()
            .users
            .get_mut("alice")
            .unwrap()
            .grp_jobs = Some(0);
        have.accounts.get_mut("mst1").unwrap().users.remove("bob");
        have.users.remove("bob");
        assert_eq!(plan(&want, &have, &jobs), vec![]);
    }

    #[test]
    fn a_project_gone_with_jobs_running_is_blocked_then_removed() {
        let want = desired(&[]);
        let have = observed(&[("mst1", account(limits(8), &[]))], &[]);
        let running = ActiveJobs {
            running: [("mst1".to_string(), "alice".to_string())].into(),
            ..ActiveJobs::default()
        };
        assert_eq!(
            plan(&want, &have, &running),
            vec![Action::SetLimits {
                at: at("mst1", None),
                from: limits(8),
                to: Limits::of_quota(Some(8), Some(0), None, true)
            }]
        );
        assert_eq!(
            plan(&want, &have, &ActiveJobs::default()),
            vec![Action::RemoveAccount { account: "mst1".into() }]
        );
    }

    #[test]
    fn a_default_account_that_goes_is_moved_first_or_left_to_the_last_association() {
        let want = desired(&[
            ("mst1", account(limits(8), &[])),
            ("mst2", account(limits(8), &[("alice", Limits::default())])),
        ]);
        let have = observed(
            &[
                (
                    "mst1",
                    account(limits(8), &[("alice", Limits::default()), ("bob", Limits::default())]),
                ),
                ("mst2", account(limits(8), &[("alice", Limits::default())])),
            ],
            &[("alice", "mst1"), ("bob", "mst1")],
        );
        let actions = plan(&want, &have, &ActiveJobs::default());
        assert_eq!(
            actions,
            vec![
                Action::SetDefault {
                    user: "alice".into(),
                    from: Some("mst1".into()),
                    to: "mst2".into()
                },
                Action::RemoveUser {
                    account: "mst1".into(),
                    user: "alice".into()
                },
                Action::RemoveUser {
                    account: "mst1".into(),
                    user: "bob".into()
                },
            ]
        );
        // Bob's association outside the parent becomes his default.
        let mut have = have;
        have.users.get_mut("bob").unwrap().accounts.insert("physics".into());
        let actions = plan(&want, &have, &ActiveJobs::default());
        assert!(actions.contains(&Action::SetDefault {
            user: "bob".into(),
            from: Some("mst1".into()),
            to: "physics".into()
        }));
    }

    #[test]
    fn a_user_without_a_default_gets_one_and_a_name_taken_elsewhere_is_skipped() {
        let want = desired(&[
            ("mst1", account(limits(8), &[("alice", Limits::default())])),
            ("root", account(limits(8), &[])),
        ]);
        let mut have = observed(&[("mst1", account(limits(8), &[("alice", Limits::default())]))], &[]);
        have.elsewhere.insert("root".into());
        assert_eq!(
            plan(&want, &have, &ActiveJobs::default()),
            vec![Action::SetDefault {
                user: "alice".into(),
                from: None,
                to: "mst1".into()
            }]
        );
        assert_eq!(skipped(&want, &have), vec!["root".to_string()]);
    }

    #[test]
    fn a_plan_carried_out_leaves_nothing_to_do() {
        let want = desired(&[
            (
                "mst1",
                account(limits(8), &[("alice", limits(2)), ("bob", Limits::default())]),
            ),
            (
                "mst2",
                account(Limits::of_quota(None, None, None, true), &[("bob", limits(1))]),
            ),
        ]);
        let mut have = observed(
            &[
                ("mst1", account(limits(64), &[("mallory", Limits::default())])),
                ("gone", account(limits(1), &[("bob", Limits::default())])),
            ],
            &[("mallory", "mst1"), ("bob", "gone")],
        );
        have.parent_exists = false;
        let actions = plan(&want, &have, &ActiveJobs::default());
        let after = applied(&have, &actions);
        assert_eq!(plan(&want, &after, &ActiveJobs::default()), vec![]);
        assert_eq!(after.users["bob"].default_account.as_deref(), Some("mst1"));
        assert!(!after.accounts.contains_key("gone"));
    }

    #[test]
    fn limits_read_back_as_written() {
        assert_eq!(
            parse_tres("cpu=4,gres/gpu=2,mem=2G"),
            limits_map(&[("cpu", 4), ("gres/gpu", 2), ("mem", 2048)])
        );
        assert_eq!(parse_tres("mem=512M,node=1"), limits_map(&[("mem", 512), ("node", 1)]));
        assert_eq!(parse_tres(""), BTreeMap::new());
        let blocked = Limits::of_quota(Some(8), None, Some(64), true);
        assert_eq!(blocked.canonical(), "cpu=8,mem=65536;jobs=0;submit=0");
        assert_eq!(Limits::parse(&blocked.canonical()), blocked);
        assert_eq!(Limits::parse(""), Limits::default());
        assert!(
            Limits::of_quota(Some(1), None, Some(i64::MAX), false)
                .tres
                .get("mem")
                .is_none()
        );
    }

    fn limits_map(pairs: &[(&str, i64)]) -> BTreeMap<String, i64> {
        pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
    }

    #[test]
    fn names_slurm_cannot_take_are_refused() {
        assert_eq!(account_name("MST110001").as_deref(), Some("mst110001"));
        assert!(valid_user_name("alice.wu"));
        for bad in ["", "Alice", "1alice", "al ice", "al;ice", "a'b", &"a".repeat(33)] {
            assert!(!valid_user_name(bad), "{bad:?}");
        }
        assert_eq!(account_name("a b"), None);
    }
}
