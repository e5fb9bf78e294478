//! Records API calls off the request path: handlers hand a call to a channel,
//! one task writes them in batches, and a clean shutdown drains the channel
//! before the process ends. Each batch is written as call rows, as the
//! hourly and daily sums of its calls (added to what is there, in the same
//! transaction), and as key last-used times, coalesced to at most one write
//! per key per minute.

use std::{
    collections::HashMap,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
};

use tokio::sync::{Notify, mpsc, oneshot};

use super::store;
use crate::{
    auth::identity::{AccountId, ProjectId},
    db::Db,
};

/// How long a key's last-used time may lag behind.
const LAST_USED_GRANULARITY: i64 = 60;
const BATCH: usize = 4096;
/// How often a gathering batch looks whether it is full.
const LOOK_EVERY: std::time::Duration = std::time::Duration::from_millis(5);
/// How long a batch waits for more calls after its first: a busy API's
/// calls are written a few times a second in large batches rather than
/// hundreds of times in small ones (each a transaction, and on PostgreSQL a
/// flush of its log to disk). The activity log and "last used" lag by as
/// much; a flush (a clean shutdown, `Recorder::flush`) does not wait.
const LINGER: std::time::Duration = std::time::Duration::from_millis(100);

#[derive(Debug, Clone)]
pub struct ApiCall {
    pub at: i64,
    pub key_row: i64,
    pub key_id: String,
    pub account_id: AccountId,
    pub project_id: ProjectId,
    /// `calls::METHODS` and `calls::ROUTES` codes.
    pub method: u8,
    pub route: u8,
    pub status: u16,
    pub latency_us: i64,
    pub client: std::net::IpAddr,
    /// What the client calls itself (its `User-Agent`, at most 100 characters).
    pub agent: Box<str>,
}

/// A key's last use, as its details show it.
#[derive(Debug, Clone)]
pub struct LastUse {
    pub key_row: i64,
    pub at: i64,
    pub client: String,
    pub agent: String,
}

enum Message {
    Call(ApiCall),
    Flush(oneshot::Sender<()>),
}

/// The sending side, cheap to clone into every worker.
#[derive(Clone)]
pub struct Recorder {
    sender: mpsc::UnboundedSender<Message>,
    /// Cuts a batch's wait for more calls short when a flush is asked for.
    flushed: Arc<Notify>,
    /// Calls handed over and not yet written (for the metrics).
    queued: Arc<AtomicUsize>,
}

impl Recorder {
    /// Starts the writer on a thread of its own, so that nothing else
    /// running (or blocked) can stall a write it has begun.
    pub fn start(db: Db) -> Self {
        let (sender, receiver) = mpsc::unbounded_channel();
        let queued = Arc::new(AtomicUsize::new(0));
        let flushed = Arc::new(Notify::new());
        let (counter, notify) = (queued.clone(), flushed.clone());
        crate::db::spawn_writer("activity-recorder", &db, move |db| run(db, receiver, notify, counter));
        Recorder {
            sender,
            flushed,
            queued,
        }
    }

    pub fn record(&self, call: ApiCall) {
        self.queued.fetch_add(1, Ordering::Relaxed);
        if self.sender.send(Message::Call(call)).is_err() {
            self.queued.fetch_sub(1, Ordering::Relaxed);
            tracing::error!("activity recorder has stopped; an API call was not recorded");
        }
    }

    /// How many calls are waiting to be written.
    pub fn queued(&self) -> usize {
        self.queued.load(Ordering::Relaxed)
    }

    /// Waits until every call handed over so far is written.
    pub async fn flush(&self) {
        let (done, wait) = oneshot::channel();
        if self.sender.send(Message::Flush(done)).is_ok() {
            self.flushed.notify_one();
            let _ = wait.await;
        }
    }
}

async fn run(db: Db, mut receiver: mpsc::UnboundedReceiver<Message>, flushed: Arc<Notify>, queued: Arc<AtomicUsize>) {
    let mut last_written: HashMap<i64, i64> = HashMap::new();
    let mut calls = Vec::with_capacity(BATCH);
    let mut waiting = Vec::new();
    while let Some(first) = receiver.recv().await {
        if matches!(first, Message::Call(_)) {
            gather(&receiver, &flushed).await;
        }
        let mut next = Some(first);
        while let Some(message) = next.take() {
            match message {
                Message::Call(call) => calls.push(call),
                Message::Flush(done) => waiting.push(done),
            }
            if calls.len() < BATCH {
                next = receiver.try_recv().ok();
            }
        }
        let mut last_used: HashMap<i64, &ApiCall> = HashMap::new();
        for call in &calls {
            let due = last_written
                .get(&call.key_row)
                .is_none_or(|at| call.at - at >= LAST_USED_GRANULARITY);
            if due {
                last_used.insert(call.key_row, call);
            }
        }
        let mut last_used: Vec<LastUse> = last_used
            .into_values()
            .map(|call| LastUse {
                key_row: call.key_row,
                at: call.at,
                client: call.client.to_string(),
                agent: call.agent.to_string(),
            })
            .collect();
        // In one order on every instance, as the sums are.
        last_used.sort_unstable_by_key(|used| used.key_row);
        let sums = super::usage::hourly_and_daily(&calls);
        match write_while_unreachable(&db, &calls, &sums, &last_used).await {
            Ok(()) => {
                last_written.extend(last_used.iter().map(|used| (used.key_row, used.at)));
                // Forget keys not used lately, so the map stays small.
                if last_written.len() > 10_000 {
                    let cutoff = crate::db::now() - LAST_USED_GRANULARITY;
                    last_written.retain(|_, at| *at >= cutoff);
                }
            }
            Err(err) => tracing::error!(error = %err, lost = calls.len(), "could not record API calls"),
        }
        queued.fetch_sub(calls.len(), Ordering::Relaxed);
        calls.clear();
        for done in waiting.drain(..) {
            let _ = done.send(());
        }
    }
}

/// How long a batch is kept and written again while the database cannot
/// be reached (a failover takes seconds), a try a second; the calls that
/// come meanwhile wait in the channel.
const KEEP_TRYING_SECONDS: u32 = 120;

/// Writes a batch, trying again while the database cannot be reached.
async fn write_while_unreachable(
    db: &Db,
    calls: &[ApiCall],
    sums: &[super::usage::Rollup],
    last_used: &[LastUse],
) -> sqlx::Result<()> {
    let mut tries = 0;
    loop {
        match store::write_calls(db, calls, sums, last_used).await {
            Err(err) if crate::db::is_unreachable(&err) && tries < KEEP_TRYING_SECONDS => {
                if tries == 0 {
                    tracing::warn!(error = %err, calls = calls.len(), "the database cannot be reached: API calls are kept and written again");
                }
                tries += 1;
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            }
            written => return written,
        }
    }
}

/// Waits while a batch gathers: until `LINGER` has passed since its first
/// call, a batch's worth is queued, or a flush is asked for. It sleeps and
/// looks rather than waiting on the channel: a waiting receiver is woken by
/// every call sent (a system call in the sender, a thread switch here),
/// thousands of times a second under load.
async fn gather(receiver: &mpsc::UnboundedReceiver<Message>, flushed: &Notify) {
    let until = tokio::time::Instant::now() + LINGER;
    // The first call is taken already: it counts towards the batch.
    while receiver.len() + 1 < BATCH && tokio::time::Instant::now() < until {
        tokio::select! {
            () = tokio::time::sleep(LOOK_EVERY) => {}
            () = flushed.notified() => return,
        }
    }
}
