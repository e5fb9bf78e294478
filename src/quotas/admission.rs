//! Who may be admitted: the decision for a batch of admissions and releases,
//! as a pure function of what the store read (limits, live usage, wallet
//! balances, the allocations the batch names). No database in here: the
//! store reads the inputs inside its write transaction and writes the
//! outcome (`store::apply`); the writer batches (`writer.rs`).

use std::collections::HashMap;

use super::{QuotaService, Resource};
use crate::{
    auth::identity::{AccountId, ProjectId},
    wallets::Credits,
};

/// Who holds a quota or a usage: one resource of a project's service, for
/// one member (`member: Some(account)`) or for the whole project (`None`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Holder {
    pub project_id: ProjectId,
    pub service: QuotaService,
    pub member: Option<AccountId>,
    pub resource: Resource,
}

impl Holder {
    /// The project's own holding.
    pub fn project(project_id: ProjectId, service: QuotaService, resource: Resource) -> Self {
        Holder {
            project_id,
            service,
            member: None,
            resource,
        }
    }

    /// A member's holding in the project.
    pub fn member(project_id: ProjectId, account_id: AccountId, service: QuotaService, resource: Resource) -> Self {
        Holder {
            member: Some(account_id),
            ..Holder::project(project_id, service, resource)
        }
    }
}
/// Quotas by holder (-1: unlimited; a project's unset quota is 0).
pub type Limits = HashMap<Holder, i64>;
/// Live usage by holder.
pub type Usage = HashMap<Holder, i64>;
/// Open wallets' balances by project and member (`None`: the project's).
pub type Balances = HashMap<(ProjectId, Option<AccountId>), Credits>;

/// A claim on quota, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allocation {
    pub id: i64,
    pub project_id: ProjectId,
    pub account_id: AccountId,
    pub service: QuotaService,
    pub idempotency_key: String,
    pub resources: Vec<(Resource, i64)>,
    pub created_at: i64,
    pub released_at: Option<i64>,
}

/// A write to allocations, decided in batch order.
#[derive(Debug, Clone)]
pub enum AllocationWrite {
    /// Admit `request` if both the member's and the project's quota hold
    /// for every resource; the same idempotency key admits nothing new.
    Admit {
        project_id: ProjectId,
        account_id: AccountId,
        service: QuotaService,
        request: Vec<(Resource, i64)>,
        idempotency_key: String,
    },
    /// Release an allocation of the project (again: no change): the
    /// member's own (`Some(account)`), or any member's (`None`: a tenant
    /// admin's release).
    Release {
        project_id: ProjectId,
        account_id: Option<AccountId>,
        id: i64,
    },
}

/// Why an admission was refused, per resource and level.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shortfall {
    pub level: &'static str,
    pub resource: Resource,
    pub requested: i64,
    pub used: i64,
    pub limit: i64,
}

/// An allocation this batch admits, to be inserted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAllocation {
    pub project_id: ProjectId,
    pub account_id: AccountId,
    pub service: QuotaService,
    pub idempotency_key: String,
    pub request: Vec<(Resource, i64)>,
}

/// What became of one write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Admitted: the `n`th of the batch's new allocations.
    Admitted(usize),
    /// The same idempotency key was admitted before the batch.
    Existing(Allocation),
    /// The same key was admitted earlier in this batch: its `n`th new one.
    AdmittedInBatch(usize),
    Refused(Vec<Shortfall>),
    /// The project's wallet (`parent`) or the member's sub-wallet (`sub`)
    /// is negative: nothing new may be admitted until it is paid.
    Unpaid {
        wallet: &'static str,
        balance: Credits,
    },
    /// Released now, or before (`released_at` says when).
    Released(Allocation),
    /// No such allocation the caller may release.
    NotReleasable,
}

/// What the store reads before deciding.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    pub limits: Limits,
    pub usage: Usage,
    pub balances: Balances,
    /// The allocations the batch's releases name, and those admitted before
    /// under its admissions' idempotency keys, by ID.
    pub known: HashMap<i64, Allocation>,
}

/// What the store writes after deciding.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Decisions {
    /// One per write, in order.
    pub decisions: Vec<Decision>,
    /// New allocations to insert.
    pub admitted: Vec<NewAllocation>,
    /// IDs to mark released.
    pub released: Vec<i64>,
    /// Usage after the batch.
    pub usage: Usage,
}

/// Decides a batch in order, as if its writes came one after another, at
/// time `at`.
pub fn decide(batch: &[AllocationWrite], inputs: Inputs, at: i64) -> Decisions {
    let Inputs {
        limits,
        mut usage,
        balances,
        mut known,
    } = inputs;
    let mut out = Decisions::default();
    for write in batch {
        let decision = match write {
            AllocationWrite::Admit {
                project_id,
                account_id,
                service,
                request,
                idempotency_key,
            } => {
                // A negative balance blocks new allocations (releasing still works).
                let unpaid = [("parent", None), ("sub", Some(*account_id))]
                    .into_iter()
                    .find_map(|(wallet, holder)| {
                        let balance = *balances.get(&(*project_id, holder))?;
                        balance.is_negative().then_some(Decision::Unpaid { wallet, balance })
                    });
                let earlier = known.values().find(|a| {
                    a.project_id == *project_id && a.account_id == *account_id && a.idempotency_key == *idempotency_key
                });
                let in_batch = out.admitted.iter().position(|a| {
                    a.project_id == *project_id && a.account_id == *account_id && a.idempotency_key == *idempotency_key
                });
                if let Some(unpaid) = unpaid {
                    unpaid
                } else if let Some(existing) = earlier {
                    Decision::Existing(existing.clone())
                } else if let Some(n) = in_batch {
                    Decision::AdmittedInBatch(n)
                } else {
                    let short = shortfalls(&limits, &usage, (*project_id, *account_id, *service), request);
                    if short.is_empty() {
                        for &(resource, amount) in request {
                            add_usage(&mut usage, (*project_id, *account_id, *service), resource, amount);
                        }
                        out.admitted.push(NewAllocation {
                            project_id: *project_id,
                            account_id: *account_id,
                            service: *service,
                            idempotency_key: idempotency_key.clone(),
                            request: request.clone(),
                        });
                        Decision::Admitted(out.admitted.len() - 1)
                    } else {
                        Decision::Refused(short)
                    }
                }
            }
            AllocationWrite::Release {
                project_id,
                account_id,
                id,
            } => match known
                .get_mut(id)
                .filter(|a| a.project_id == *project_id && account_id.is_none_or(|owner| a.account_id == owner))
            {
                None => Decision::NotReleasable,
                Some(allocation) => {
                    if allocation.released_at.is_none() {
                        allocation.released_at = Some(at);
                        out.released.push(*id);
                        let holder = (*project_id, allocation.account_id, allocation.service);
                        for &(resource, amount) in &allocation.resources {
                            add_usage(&mut usage, holder, resource, -amount);
                        }
                    }
                    Decision::Released(allocation.clone())
                }
            },
        };
        out.decisions.push(decision);
    }
    out.usage = usage;
    out
}

/// Adds `amount` (negative: takes it away) to what a member and so their
/// project use.
pub fn add_usage(
    usage: &mut Usage,
    (project_id, account_id, service): (ProjectId, AccountId, QuotaService),
    resource: Resource,
    amount: i64,
) {
    let holders = [
        Holder::project(project_id, service, resource),
        Holder::member(project_id, account_id, service, resource),
    ];
    for holder in holders {
        *usage.entry(holder).or_default() += amount;
    }
}

/// What an admission would leave short: a member's own limit (when they
/// have one) and the project's quota (0 when never set), per resource.
/// Amounts are bounded (`quotas::MAX_AMOUNT`), so sums do not overflow.
fn shortfalls(
    limits: &Limits,
    usage: &Usage,
    (project_id, account_id, service): (ProjectId, AccountId, QuotaService),
    request: &[(Resource, i64)],
) -> Vec<Shortfall> {
    let mut short = Vec::new();
    for &(resource, requested) in request {
        if requested == 0 {
            continue;
        }
        let levels = [
            (
                "member",
                Holder::member(project_id, account_id, service, resource),
                None,
            ),
            ("project", Holder::project(project_id, service, resource), Some(0)),
        ];
        for (level, key, unset) in levels {
            let Some(limit) = limits.get(&key).copied().or(unset).filter(|l| *l >= 0) else {
                continue;
            };
            let used = usage.get(&key).copied().unwrap_or(0);
            if used + requested > limit {
                short.push(Shortfall {
                    level,
                    resource,
                    requested,
                    used,
                    limit,
                });
            }
        }
    }
    short
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    const P: ProjectId = ProjectId(1);
    const CCS: QuotaService = QuotaService::Ccs;

    fn admit(account_id: i64, gpu: i64, key: &str) -> AllocationWrite {
        AllocationWrite::Admit {
            project_id: P,
            account_id: AccountId(account_id),
            service: CCS,
            request: vec![(Resource::Gpu, gpu)],
            idempotency_key: key.to_string(),
        }
    }

    fn limits(project: i64, members: &[(i64, i64)]) -> Limits {
        let mut limits = Limits::new();
        limits.insert(Holder::project(P, CCS, Resource::Gpu), project);
        for &(account, limit) in members {
            limits.insert(Holder::member(P, AccountId(account), CCS, Resource::Gpu), limit);
        }
        limits
    }

    #[test]
    fn a_table_of_single_admissions() {
        // (project quota, member quota, used by member, requested) → admitted?
        let cases = [
            (8, None, 0, 8, true),
            (8, None, 0, 9, false),
            (8, Some(2), 0, 2, true),
            (8, Some(2), 1, 2, false),
            (-1, Some(-1), 100, 1_000, true),
            (-1, Some(3), 0, 4, false),
            (0, None, 0, 1, false),
            (0, None, 0, 0, true),
        ];
        for (project, member, used, requested, admitted) in cases {
            let member_limits: Vec<(i64, i64)> = member.map(|m| vec![(7, m)]).unwrap_or_default();
            let mut inputs = Inputs {
                limits: limits(project, &member_limits),
                ..Inputs::default()
            };
            add_usage(&mut inputs.usage, (P, AccountId(7), CCS), Resource::Gpu, used);
            let out = decide(&[admit(7, requested, "k")], inputs, 100);
            let got = matches!(out.decisions[0], Decision::Admitted(0));
            assert_eq!(
                got, admitted,
                "project {project} member {member:?} used {used} asks {requested}"
            );
        }
    }

    #[test]
    fn negative_wallets_block_new_admissions_only() {
        let mut inputs = Inputs {
            limits: limits(-1, &[]),
            ..Inputs::default()
        };
        inputs.balances.insert((P, Some(AccountId(7))), Credits(-1));
        let out = decide(&[admit(7, 1, "a"), admit(8, 1, "b")], inputs, 1);
        assert_eq!(
            out.decisions[0],
            Decision::Unpaid {
                wallet: "sub",
                balance: Credits(-1)
            }
        );
        assert_eq!(out.decisions[1], Decision::Admitted(0));
    }

    #[test]
    fn the_same_key_twice_in_a_batch_admits_once() {
        let inputs = Inputs {
            limits: limits(5, &[]),
            ..Inputs::default()
        };
        let out = decide(&[admit(7, 3, "k"), admit(7, 3, "k")], inputs, 1);
        assert_eq!(out.decisions, [Decision::Admitted(0), Decision::AdmittedInBatch(0)]);
        assert_eq!(out.admitted.len(), 1);
    }

    /// One step of a random history: admit `gpu` for member `who`, or
    /// release the `n`th allocation made so far.
    #[derive(Debug, Clone)]
    enum Step {
        Admit { who: i64, gpu: i64 },
        Release { n: usize, by_admin: bool },
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            (1..4i64, 0..6i64).prop_map(|(who, gpu)| Step::Admit { who, gpu }),
            (0..40usize, any::<bool>()).prop_map(|(n, by_admin)| Step::Release { n, by_admin }),
        ]
    }

    proptest! {
        /// For any sequence of admits and releases, decided in batches of any
        /// size: usage never exceeds a limit, and always equals the sum of
        /// the live allocations.
        #[test]
        fn usage_never_exceeds_a_limit_and_equals_the_live_allocations(
            steps in proptest::collection::vec(step(), 1..60),
            batch in 1..8usize,
            project in 0..12i64,
            member_limits in proptest::collection::vec(-1..6i64, 3),
        ) {
            let member_limits: Vec<(i64, i64)> = (1..=3).zip(member_limits).collect();
            let limits = limits(project, &member_limits);
            let mut stored: Vec<Allocation> = Vec::new();
            let mut usage = Usage::new();
            let mut next_id = 1;
            for (round, chunk) in steps.chunks(batch).enumerate() {
                let writes: Vec<AllocationWrite> = chunk.iter().enumerate().map(|(i, s)| match s {
                    Step::Admit { who, gpu } => admit(*who, *gpu, &format!("k{round}-{i}")),
                    Step::Release { n, by_admin } => {
                        let target = stored.get(n % stored.len().max(1));
                        AllocationWrite::Release {
                            project_id: P,
                            account_id: if *by_admin { None } else { target.map(|a| a.account_id) },
                            id: target.map_or(0, |a| a.id),
                        }
                    }
                }).collect();
                let known = stored.iter().map(|a| (a.id, a.clone())).collect();
                let inputs = Inputs { limits: limits.clone(), usage: usage.clone(), balances: Balances::new(), known };
                let out = decide(&writes, inputs, round as i64);
                for id in &out.released {
                    if let Some(a) = stored.iter_mut().find(|a| a.id == *id) {
                        a.released_at = Some(round as i64);
                    }
                }
                for new in &out.admitted {
                    stored.push(Allocation {
                        id: next_id,
                        project_id: new.project_id,
                        account_id: new.account_id,
                        service: new.service,
                        idempotency_key: new.idempotency_key.clone(),
                        resources: new.request.clone(),
                        created_at: round as i64,
                        released_at: None,
                    });
                    next_id += 1;
                }
                usage = out.usage;
                // Usage equals the sum of what is live...
                let live = |account: Option<i64>| -> i64 {
                    stored.iter()
                        .filter(|a| a.released_at.is_none() && account.is_none_or(|x| a.account_id == AccountId(x)))
                        .flat_map(|a| a.resources.iter().map(|(_, n)| *n))
                        .sum()
                };
                for holder in [None, Some(1), Some(2), Some(3)] {
                    let key = Holder { member: holder.map(AccountId), ..Holder::project(P, CCS, Resource::Gpu) };
                    let used = usage.get(&key).copied().unwrap_or(0);
                    prop_assert_eq!(used, live(holder));
                }
                // ...and never more than any limit.
                prop_assert!(live(None) <= project.max(0));
                for (account, limit) in &member_limits {
                    if *limit >= 0 {
                        prop_assert!(live(Some(*account)) <= *limit);
                    }
                }
            }
        }
    }
}
