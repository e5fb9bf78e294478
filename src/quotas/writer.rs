//! The allocation writer: admissions and releases from every request queue
//! here, and one task applies whatever has queued up as one batch, in one
//! write transaction (`store::apply`). Under load a batch holds dozens of
//! them, so the database's single write lock is taken once for all of them
//! rather than once each (group commit).

use std::sync::{
    Arc,
    atomic::{AtomicU64, Ordering},
};

use tokio::sync::{mpsc, oneshot};

use super::store::{self, Admission, AllocationWrite, Outcome};
use crate::{
    db::{Db, Tx},
    error::AppError,
};

/// The most writes one transaction applies.
const BATCH: usize = 256;

type Reply = oneshot::Sender<Result<Outcome, WriteFailed>>;

/// Why a write was not applied; the cause is logged where it was met.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteFailed {
    /// The database could not be reached (a failover): the caller is told
    /// to try again, with the same idempotency key.
    Unreachable,
    Failed,
}

impl WriteFailed {
    /// What `err` means for the write, logged as it deserves.
    fn of(err: &sqlx::Error, what: &str) -> WriteFailed {
        if crate::db::is_unreachable(err) {
            tracing::warn!(error = %err, "{what}: the database cannot be reached");
            WriteFailed::Unreachable
        } else {
            tracing::error!(error = %err, "{what}");
            WriteFailed::Failed
        }
    }
}

/// The sending side, shared by every worker.
pub struct AllocationWriter {
    sender: mpsc::UnboundedSender<(AllocationWrite, Reply)>,
    counts: Arc<AdmissionCounts>,
}

/// What the writer decided since it started, for the metrics.
#[derive(Default)]
pub struct AdmissionCounts {
    /// Newly admitted.
    pub admitted: AtomicU64,
    /// Asked again with an idempotency key already admitted.
    pub repeated: AtomicU64,
    /// Refused for a quota.
    pub refused: AtomicU64,
    /// Refused for a wallet in debt.
    pub unpaid: AtomicU64,
}

impl AdmissionCounts {
    fn count(&self, outcome: &Outcome) {
        let counter = match outcome {
            Outcome::Admission(Admission::Created(_)) => &self.admitted,
            Outcome::Admission(Admission::Existing(_)) => &self.repeated,
            Outcome::Admission(Admission::Refused(_)) => &self.refused,
            Outcome::Admission(Admission::Unpaid { .. }) => &self.unpaid,
            Outcome::Released(_) => return,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

impl AllocationWriter {
    /// Starts the writer on a thread of its own (like the activity
    /// recorder), so that a batch once begun is never stalled by a busy worker.
    pub fn start(db: Db) -> Self {
        let (sender, receiver) = mpsc::unbounded_channel();
        let counts = Arc::new(AdmissionCounts::default());
        let shared = counts.clone();
        crate::db::spawn_writer("allocation-writer", &db, move |db| run(db, receiver, shared));
        AllocationWriter { sender, counts }
    }

    /// What was decided since the writer started.
    pub fn counts(&self) -> &AdmissionCounts {
        &self.counts
    }

    /// Applies `write` in the next batch and returns its outcome.
    pub async fn apply(&self, write: AllocationWrite) -> Result<Outcome, AppError> {
        let stopped = || AppError::Internal(anyhow::anyhow!("the allocation writer has stopped"));
        let (reply, outcome) = oneshot::channel();
        self.sender.send((write, reply)).map_err(|_| stopped())?;
        match outcome.await {
            Ok(Ok(outcome)) => Ok(outcome),
            Ok(Err(WriteFailed::Unreachable)) => Err(AppError::Unavailable(
                "an allocation batch could not reach the database".to_string(),
            )),
            Ok(Err(WriteFailed::Failed)) => Err(AppError::Internal(anyhow::anyhow!(
                "an allocation batch failed (logged)"
            ))),
            Err(_) => Err(stopped()),
        }
    }
}

async fn run(db: Db, mut receiver: mpsc::UnboundedReceiver<(AllocationWrite, Reply)>, counts: Arc<AdmissionCounts>) {
    let mut writes = Vec::with_capacity(BATCH);
    let mut replies = Vec::with_capacity(BATCH);
    while let Some((write, reply)) = receiver.recv().await {
        writes.push(write);
        replies.push(reply);
        // The write lock first, then the batch: what queues up while another
        // instance holds the lock joins this batch instead of the next one.
        let tx = db.begin_immediate().await;
        while writes.len() < BATCH
            && let Ok((write, reply)) = receiver.try_recv()
        {
            writes.push(write);
            replies.push(reply);
        }
        // Releases first: they only give quota back, and writes that
        // arrived together may be taken in any order, so what they free is
        // admitted again in this batch rather than the next.
        order_releases_first(&mut writes, &mut replies);
        let outcomes = match tx {
            Ok(tx) => apply_all_in(tx, &db, &writes).await,
            Err(err) => {
                let failed = WriteFailed::of(&err, "cannot begin an allocation batch");
                writes.iter().map(|_| Err(failed)).collect()
            }
        };
        for (reply, outcome) in replies.drain(..).zip(outcomes) {
            if let Ok(outcome) = &outcome {
                counts.count(outcome);
            }
            // The caller may have gone (a closed connection): nothing to tell.
            let _ = reply.send(outcome);
        }
        writes.clear();
    }
}

/// Moves a batch's releases before its admissions, each kind in the order
/// it arrived, their replies alongside.
fn order_releases_first(writes: &mut Vec<AllocationWrite>, replies: &mut Vec<Reply>) {
    let is_admission = |write: &AllocationWrite| matches!(write, AllocationWrite::Admit { .. });
    if writes.is_sorted_by_key(is_admission) {
        return;
    }
    let mut batch: Vec<_> = writes.drain(..).zip(replies.drain(..)).collect();
    batch.sort_by_key(|(write, _)| is_admission(write));
    (*writes, *replies) = batch.into_iter().unzip();
}

/// Applies `writes` as one batch; should that fail, each on its own, so that
/// one write that cannot be applied (its account gone, say) fails alone.
/// One outcome for each write, in order; failures are logged here.
pub async fn apply_all(db: &Db, writes: &[AllocationWrite]) -> Vec<Result<Outcome, WriteFailed>> {
    match db.begin_immediate().await {
        Ok(tx) => apply_all_in(tx, db, writes).await,
        Err(err) => {
            let failed = WriteFailed::of(&err, "cannot begin an allocation batch");
            writes.iter().map(|_| Err(failed)).collect()
        }
    }
}

/// `apply_all` in a write transaction already begun.
async fn apply_all_in(tx: Tx, db: &Db, writes: &[AllocationWrite]) -> Vec<Result<Outcome, WriteFailed>> {
    match store::apply_in(tx, writes).await {
        Ok(outcomes) => return outcomes.into_iter().map(Ok).collect(),
        // Without the database, one by one would fail the same way, each
        // after waiting for a connection.
        Err(err) if writes.len() > 1 && !crate::db::is_unreachable(&err) => {
            tracing::warn!(error = %err, writes = writes.len(), "an allocation batch failed; applying its writes one by one");
        }
        Err(err) => {
            let failed = WriteFailed::of(&err, "an allocation batch failed");
            return writes.iter().map(|_| Err(failed)).collect();
        }
    }
    let mut outcomes = Vec::with_capacity(writes.len());
    for write in writes {
        let outcome = match store::apply(db, std::slice::from_ref(write)).await {
            Ok(mut one) => one.pop().ok_or(WriteFailed::Failed),
            Err(err) => Err(WriteFailed::of(&err, "an allocation write failed")),
        };
        outcomes.push(outcome);
    }
    outcomes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        auth::identity::{AccountId, ProjectId},
        quotas::{QuotaService, Resource, store::Allocation},
    };

    #[test]
    fn a_batch_takes_its_releases_first_each_with_its_own_reply() {
        let admit = |key: &str| AllocationWrite::Admit {
            project_id: ProjectId(1),
            account_id: AccountId(2),
            service: QuotaService::Ccs,
            request: vec![(Resource::Gpu, 1)],
            idempotency_key: key.to_string(),
        };
        let release = |id| AllocationWrite::Release {
            project_id: ProjectId(1),
            account_id: None,
            id,
        };
        let mut writes = vec![admit("a"), release(7), admit("b"), release(8)];
        let (mut replies, mut answers) = (Vec::new(), Vec::new());
        for _ in 0..writes.len() {
            let (reply, answer) = oneshot::channel();
            replies.push(reply);
            answers.push(answer);
        }

        order_releases_first(&mut writes, &mut replies);

        let order: Vec<String> = writes
            .iter()
            .map(|write| match write {
                AllocationWrite::Release { id, .. } => format!("release {id}"),
                AllocationWrite::Admit { idempotency_key, .. } => format!("admit {idempotency_key}"),
            })
            .collect();
        assert_eq!(order, ["release 7", "release 8", "admit a", "admit b"]);
        // Each reply still reaches the one who sent its write: answer each
        // with its write's name, and read them back in the order sent.
        for (reply, name) in replies.into_iter().zip(&order) {
            let allocation = Allocation {
                id: 0,
                project_id: ProjectId(1),
                account_id: AccountId(2),
                service: QuotaService::Ccs,
                idempotency_key: name.clone(),
                resources: Vec::new(),
                created_at: 0,
                released_at: None,
            };
            let _ = reply.send(Ok(Outcome::Released(Some(allocation))));
        }
        let received: Vec<String> = answers
            .into_iter()
            .map(|mut answer| match answer.try_recv() {
                Ok(Ok(Outcome::Released(Some(allocation)))) => allocation.idempotency_key,
                other => panic!("no answer: {other:?}"),
            })
            .collect();
        assert_eq!(received, ["admit a", "release 7", "admit b", "release 8"]);
    }
}
