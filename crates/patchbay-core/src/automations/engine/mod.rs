//! One round of an automation: follow its trigger's delta from the cursor to the next deltaLink, page by page —
//! each page's new items written to the queue in the same atomic write that moves the cursor past them — then
//! deliver what is due (`deliver`), each item leaving the queue only after its action succeeded. What the delta
//! is and what in it is new is the trigger's own rule ([`super::source::DeltaSource`]); the loop that runs rounds
//! is [`super::runner`].
//!
//! Crash points (debug builds, `PATCHBAY_FAULT=…`) sit between every two steps, so a test can kill the process
//! at each and show that nothing is lost and at most the item in flight is delivered twice:
//! `automation-page-read` (a page fetched, nothing written), `automation-before-action`,
//! `automation-after-action` (the action done, not yet recorded), `automation-recorded` (history written, queue
//! not yet), and the atomic write's own points on `state.json`.

use super::queue::{Queue, State};
use super::source::{DeltaSource, TestItem};
use super::store::AutomationStore;
use super::Automation;
use crate::error::ErrorInfo;
use crate::graph::session::{graph_error_info, CallError};
use crate::graph::Request;
use crate::Patchbay;
use jiff::Timestamp;
use serde_json::Value;

/// Messages per delta page.
const PAGE: u32 = 50;
/// A round that follows more pages than this stops (a server that never ends its links must not loop us).
const MAX_PAGES: usize = 10_000;

/// How a round went. Its `Debug` (logged) leaves the subjects out: mail content never reaches a log.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Round {
    pub queued: usize,
    pub delivered: usize,
    /// Items whose last attempt failed and will be tried again.
    pub retrying: usize,
    /// Items that failed [`MAX_ATTEMPTS`] times (waiting for Retry).
    pub failed: usize,
    /// The round did not run: another process holds this automation, or it is paused.
    pub skipped: Option<String>,
    /// Its connection cannot be used until a person mends it (Fix), in words.
    pub stopped: Option<String>,
    /// Graph failed this round (unreachable, throttled beyond the wait); the queue is kept.
    pub error: Option<String>,
    /// The subjects of the items delivered, in order (for a notification).
    pub delivered_subjects: Vec<Option<String>>,
}

impl std::fmt::Debug for Round {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Round")
            .field("queued", &self.queued)
            .field("delivered", &self.delivered)
            .field("retrying", &self.retrying)
            .field("failed", &self.failed)
            .field("skipped", &self.skipped)
            .field("stopped", &self.stopped)
            .field("error", &self.error)
            .field("delivered_subjects", &self.delivered_subjects.len())
            .finish()
    }
}

enum PollError {
    /// The connection needs a person: stop with these words.
    Stop(String),
    Fail(String),
}

fn words(info: &ErrorInfo) -> String {
    info.clone()
        .for_surface(crate::error::Surface::Cli)
        .one_line()
}

fn call_error(e: CallError) -> PollError {
    match &e {
        CallError::Token(t) if t.needs_person() => PollError::Stop(words(&e.to_error_info())),
        _ => PollError::Fail(words(&e.to_error_info())),
    }
}

/// Now, in Unix seconds.
pub(crate) fn now() -> i64 {
    Timestamp::now().as_second()
}

/// A link as the cursor keeps it: relative to the connection's Graph root (`v1.0/me/…/delta?$deltatoken=…`), so
/// it survives the root moving (the sandbox listens on another port each time it starts); a link elsewhere is
/// kept whole, and `follow` refuses it.
fn kept(graph: &crate::graph::ConnectionGraph, link: &str) -> String {
    graph
        .graph()
        .relative_of(link)
        .unwrap_or_else(|_| link.to_string())
}

/// The cursor as a link to follow (cursors written before they were relative are whole links already).
fn absolute(graph: &crate::graph::ConnectionGraph, cursor: &str) -> String {
    if cursor.starts_with("https://") || cursor.starts_with("http://") {
        return cursor.to_string();
    }
    format!(
        "{}/{}",
        graph.graph().base().as_str().trim_end_matches('/'),
        cursor.trim_start_matches('/')
    )
}

/// Follow the delta from the cursor to the next deltaLink, queueing what is new and matches. Without a baseline
/// yet (at creation), queue nothing: what is there now never fires.
async fn poll(
    core: &Patchbay,
    a: &Automation,
    source: &dyn DeltaSource,
    queue: &Queue,
    state: &mut State,
) -> Result<usize, PollError> {
    let graph = core
        .graph(&a.connection_id)
        .await
        .map_err(|e| PollError::Stop(words(&e)))?;
    let started = now();
    let prefer = format!("odata.maxpagesize={PAGE}");
    let like = Request::get("").header("Prefer", prefer.clone());
    let mut queued = 0;
    let mut resynced = false;
    let full = |state: &State| {
        (state.queue.len() >= super::MAX_QUEUE).then(|| {
            PollError::Fail(format!(
                "{} items wait for delivery, the most an automation keeps: Patchbay reads no more until they \
                 are delivered (nothing is lost: Graph keeps the changes). Check that its action works, then Retry.",
                state.queue.len()
            ))
        })
    };
    if let Some(e) = full(state) {
        return Err(e);
    }
    if !state.baselined && state.cursor.is_none() {
        let taken = match source.baseline(&graph, state) {
            Some(baseline) => Some(baseline.await),
            None => None,
        };
        if let Some(taken) = taken {
            taken.map_err(PollError::Fail)?;
            state.baselined = true;
            queue.save(state).map_err(|e| PollError::Fail(words(&e)))?;
            return Ok(0);
        }
    }
    for _ in 0..MAX_PAGES {
        let response = match &state.cursor {
            None => {
                let first = source.first_request(state, started, &prefer);
                graph.send(&first).await
            }
            Some(cursor) => graph.follow(&absolute(&graph, cursor), &like).await,
        }
        .map_err(call_error)?;
        crate::fault::point("automation-page-read");
        if response.status == 410 && !resynced {
            // Graph forgot the sync state (`syncStateNotFound`, `resyncRequired`): start over where Graph says, or
            // without a token. What was seen keeps what was there from firing again.
            tracing::info!(automation = %a.id, "the delta token expired (410): starting over");
            resynced = true;
            state.cursor = source
                .resync_link(&response)
                .filter(|l| graph.graph().check_link(l).is_ok())
                .map(|l| kept(&graph, &l));
            continue;
        }
        if !response.is_success() {
            let e = response.error().map(|e| graph_error_info(&e));
            return Err(PollError::Fail(
                e.map(|e| words(&e))
                    .unwrap_or_else(|| "Graph failed.".into()),
            ));
        }
        let body: Value = response
            .json()
            .map_err(|e| PollError::Fail(words(&graph_error_info(&e))))?;
        let items: Vec<Value> = body["value"].as_array().cloned().unwrap_or_default();
        let mut next = body["@odata.nextLink"].as_str().map(|l| kept(&graph, l));
        let delta = body["@odata.deltaLink"].as_str().map(|l| kept(&graph, l));
        let mut done = next.is_none();
        let new_was_empty = items.is_empty();
        if !new_was_empty {
            source
                .settle(&graph, state, &items)
                .await
                .map_err(PollError::Fail)?;
        }
        let new = source.take_page(a, state, items, done, started);
        if !done && source.stop_paging(state) {
            // Read down to the mark: the rest is older. The next round starts from the top again.
            done = true;
            next = None;
        }
        // Nothing to deliver from this page: what changed (the cursor, ids seen, a source's record) is derived
        // again from the same answers if a power cut loses it, so the round's one unflushed write will do.
        let quiet = new.is_empty();
        for p in new {
            if !state.queue.iter().any(|q| q.key() == p.key()) {
                state.queue.push(p);
                queued += 1;
            }
        }
        state.cursor = if done && source.reads_from_the_top() {
            None
        } else {
            next.or(delta).or(state.cursor.take())
        };
        if done {
            state.baselined = true;
        }
        // The page's items and the cursor past them, in one atomic write. A last page with nothing new (an idle
        // poll) is saved with the rest of the round by the caller: one write a poll.
        if !quiet || !done {
            queue.save(state).map_err(|e| PollError::Fail(words(&e)))?;
        }
        if done {
            return Ok(queued);
        }
        if let Some(e) = full(state) {
            // The cursor stays at this page's end: the next round goes on from there.
            return Err(e);
        }
    }
    Err(PollError::Fail(format!(
        "Patchbay stopped following the delta after {MAX_PAGES} pages; it goes on from there next time."
    )))
}

/// The newest item `a` would fire for, as its action would get it (Test with the newest item).
pub async fn payload_for_test(
    core: &Patchbay,
    a: &Automation,
) -> Result<Option<TestItem>, ErrorInfo> {
    let graph = core.graph(&a.connection_id).await?;
    let source = a.trigger.source();
    let response = graph
        .send(&source.newest_request(now()))
        .await
        .map_err(|e| e.to_error_info())?;
    if !response.is_success() {
        return Err(response
            .error()
            .map(|e| graph_error_info(&e))
            .unwrap_or_else(|| {
                ErrorInfo::new(
                    crate::error::ErrorCode::ProviderError,
                    format!("Graph answered {}.", response.status),
                    "Try again in a moment.",
                )
            }));
    }
    let body: Value = response.json().map_err(|e| graph_error_info(&e))?;
    Ok(source.test_item(a, &body))
}

/// Read the folder to its end without firing (at creation): what is there now never fires.
pub async fn baseline(core: &Patchbay, a: &Automation) -> Result<(), ErrorInfo> {
    let store = AutomationStore::new(&core.config().data_dir);
    let queue = Queue::new(&store.folder_of(&a.id));
    // A runner (the service) may have seen the new automation first and be taking the baseline itself: wait
    // for it, and keep what it did.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let _lock = loop {
        match queue.try_lock()? {
            Some(lock) => break lock,
            None if std::time::Instant::now() < deadline => {
                tokio::time::sleep(std::time::Duration::from_millis(100)).await
            }
            None => {
                return Err(ErrorInfo::new(
                    crate::error::ErrorCode::Storage,
                    "Another Patchbay process holds this automation.",
                    "Try again in a moment.",
                ))
            }
        }
    };
    let mut state = queue.load()?;
    if state.baselined {
        return Ok(());
    }
    let source = a.trigger.source();
    match poll(core, a, source.as_ref(), &queue, &mut state).await {
        Ok(_) => queue.save(&state),
        Err(PollError::Stop(w) | PollError::Fail(w)) => Err(ErrorInfo::new(
            crate::error::ErrorCode::ProviderError,
            source.unreadable(),
            w,
        )),
    }
}

/// One round of `a`: poll (unless paused), then deliver what is due.
pub async fn round(core: &Patchbay, a: &Automation) -> Result<Round, ErrorInfo> {
    round_limited(core, a, None).await
}

/// [`round`], reading Graph only while it holds a permit of `graph_slots` (the runner's per-mailbox limit); the
/// actions run without one, so a slow command does not hold up the mailbox's other automations.
pub async fn round_limited(
    core: &Patchbay,
    a: &Automation,
    graph_slots: Option<&tokio::sync::Semaphore>,
) -> Result<Round, ErrorInfo> {
    let store = AutomationStore::new(&core.config().data_dir);
    let queue = Queue::new(&store.folder_of(&a.id));
    let mut round = Round::default();
    if a.paused {
        round.skipped = Some("paused".into());
        return Ok(round);
    }
    let Some(_lock) = queue.try_lock()? else {
        round.skipped = Some("another Patchbay process is running it".into());
        return Ok(round);
    };
    let permit = match graph_slots {
        Some(s) => s.acquire().await.ok(),
        None => None,
    };
    let mut state = queue.load()?;
    let source = a.trigger.source();
    let mut polled = poll(core, a, source.as_ref(), &queue, &mut state).await;
    if let Ok(n) = &polled {
        if source.fresh_pass_due(&state, now()) {
            // What the cursor follows no longer covers what is watched (a calendar window the days moved past): a
            // fresh pass (the round up to here has delivered what the old one saw).
            state.cursor = None;
            let before = *n;
            polled = poll(core, a, source.as_ref(), &queue, &mut state)
                .await
                .map(|m| before + m);
        }
    }
    match polled {
        Ok(n) => {
            round.queued = n;
            state.stopped = None;
            state.last_error = None;
            state.last_poll_at = Some(crate::clock::now_rfc3339());
        }
        Err(PollError::Stop(w)) => {
            state.stopped = Some(w.clone());
            round.stopped = Some(w);
        }
        Err(PollError::Fail(w)) => {
            state.last_error = Some(w.clone());
            round.error = Some(w);
        }
    }
    let saved = if round.queued == 0 && round.stopped.is_none() && round.error.is_none() {
        queue.save_quiet(&state)
    } else {
        queue.save(&state)
    };
    if saved.is_err() && queue.removed() {
        // Removed while it polled: nothing of it is kept, nothing delivered.
        round.skipped = Some("removed".into());
        return Ok(round);
    }
    saved?;
    drop(permit);
    // Items already queued are delivered even when Graph failed this round (they need no Graph).
    match deliver_due(
        &store,
        a,
        source.as_ref(),
        core,
        &queue,
        &mut state,
        &mut round,
    )
    .await
    {
        Err(e) if queue.removed() => {
            tracing::info!(automation = %a.id, "removed while it ran: {}", e.one_line());
            round.skipped = Some("removed".into());
        }
        other => other?,
    }
    Ok(round)
}

mod deliver;
use deliver::deliver_due;
pub use deliver::retry;
