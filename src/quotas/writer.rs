//! The allocation writer: admissions and releases from every request queue
//! here, and one task applies whatever has queued up as one batch, in one
//! write transaction (`store::apply`). Under load a batch holds dozens of
//! them, so the database's single write lock is taken once for all of them
//! rather than once each (group commit).

use tokio::sync::{mpsc, oneshot};

use super::store::{self, AllocationWrite, Outcome};
use crate::{db::Db, error::AppError};

/// The most writes one transaction applies.
const BATCH: usize = 256;

type Reply = oneshot::Sender<Result<Outcome, ()>>;

/// The sending side, shared by every worker.
pub struct AllocationWriter {
    sender: mpsc::UnboundedSender<(AllocationWrite, Reply)>,
}

impl AllocationWriter {
    /// Starts the writer on a thread of its own (like the activity
    /// recorder), so that a batch once begun is never stalled by a busy worker.
    pub fn start(db: Db) -> Self {
        let (sender, receiver) = mpsc::unbounded_channel();
        crate::db::spawn_writer("allocation-writer", run(db, receiver));
        AllocationWriter { sender }
    }

    /// Applies `write` in the next batch and returns its outcome.
    pub async fn apply(&self, write: AllocationWrite) -> Result<Outcome, AppError> {
        let stopped = || AppError::Internal(anyhow::anyhow!("the allocation writer has stopped"));
        let (reply, outcome) = oneshot::channel();
        self.sender.send((write, reply)).map_err(|_| stopped())?;
        match outcome.await {
            Ok(Ok(outcome)) => Ok(outcome),
            Ok(Err(())) => Err(AppError::Internal(anyhow::anyhow!(
                "an allocation batch failed (logged)"
            ))),
            Err(_) => Err(stopped()),
        }
    }
}

async fn run(db: Db, mut receiver: mpsc::UnboundedReceiver<(AllocationWrite, Reply)>) {
    let mut writes = Vec::with_capacity(BATCH);
    let mut replies = Vec::with_capacity(BATCH);
    while let Some((write, reply)) = receiver.recv().await {
        writes.push(write);
        replies.push(reply);
        while writes.len() < BATCH
            && let Ok((write, reply)) = receiver.try_recv()
        {
            writes.push(write);
            replies.push(reply);
        }
        match store::apply(&db, &writes).await {
            Ok(outcomes) => {
                for (reply, outcome) in replies.drain(..).zip(outcomes) {
                    // The caller may have gone (a closed connection): nothing to tell.
                    let _ = reply.send(Ok(outcome));
                }
            }
            Err(err) => {
                tracing::error!(error = %err, writes = writes.len(), "an allocation batch failed");
                for reply in replies.drain(..) {
                    let _ = reply.send(Err(()));
                }
            }
        }
        writes.clear();
    }
}
