//! One round of an automation: follow the folder's (or calendar view's) delta from the cursor to the next
//! deltaLink, page by page — each page's new items written to the queue in the same atomic write that moves the
//! cursor past them — then deliver what is due (`deliver`), each item leaving the queue only after its action
//! succeeded. What is new is the trigger's own rule ([`super::mail`], [`super::calendar`]); the loop that runs
//! rounds is [`super::runner`].
//!
//! Crash points (debug builds, `PATCHBAY_FAULT=…`) sit between every two steps, so a test can kill the process
//! at each and show that nothing is lost and at most the item in flight is delivered twice:
//! `automation-page-read` (a page fetched, nothing written), `automation-before-action`,
//! `automation-after-action` (the action done, not yet recorded), `automation-recorded` (history written, queue
//! not yet), and the atomic write's own points on `state.json`.

use super::queue::{Queue, State};
use super::store::AutomationStore;
use super::{calendar, mail, Automation, Trigger};
use crate::error::ErrorInfo;
use crate::graph::session::{graph_error_info, CallError};
use crate::graph::Request;
use crate::tokens::RefreshError;
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
        CallError::Token(
            RefreshError::NeedsReconnect { .. }
            | RefreshError::AppCredentialsInvalid { .. }
            | RefreshError::SecretsUnavailable(_),
        ) => PollError::Stop(words(&e.to_error_info())),
        _ => PollError::Fail(words(&e.to_error_info())),
    }
}

fn now() -> i64 {
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

/// The first request of a round from no cursor. A calendar view's names its window, which is kept: the tokens
/// after it carry the same.
fn first_request(a: &Automation, state: &mut State, prefer: &str) -> Request {
    match &a.trigger {
        Trigger::NewMail { folder, .. } => mail::delta_request(folder, prefer),
        Trigger::EventChanged { days } => {
            let window = calendar::window(now(), *days);
            state.window = Some(window);
            calendar::first_request(window, prefer)
        }
    }
}

/// Follow the delta from the cursor to the next deltaLink, queueing what is new and matches. Without a baseline
/// yet (at creation), queue nothing: what is there now never fires.
async fn poll(
    core: &Patchbay,
    a: &Automation,
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
    for _ in 0..MAX_PAGES {
        let response = match &state.cursor {
            None => {
                if state.baselined {
                    state.pass = Some(Vec::new());
                }
                let first = first_request(a, state, &prefer);
                graph.send(&first).await
            }
            Some(cursor) => graph.follow(&absolute(&graph, cursor), &like).await,
        }
        .map_err(call_error)?;
        crate::fault::point("automation-page-read");
        if response.status == 410 && !resynced {
            // Graph forgot the sync state (`syncStateNotFound`, `resyncRequired`): start over without a token.
            // What was seen keeps what was there from firing again.
            tracing::info!(automation = %a.id, "the delta token expired (410): starting over");
            resynced = true;
            state.cursor = None;
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
        let mut items: Vec<Value> = body["value"].as_array().cloned().unwrap_or_default();
        let next = body["@odata.nextLink"].as_str().map(|l| kept(&graph, l));
        let delta = body["@odata.deltaLink"].as_str().map(|l| kept(&graph, l));
        let done = next.is_none();
        let mut new = Vec::new();
        let new_was_empty = items.is_empty();
        match &a.trigger {
            Trigger::NewMail { .. } => {
                items.sort_by_key(mail::order_key);
                new.extend(items.iter().filter_map(|item| mail::take(a, state, item)));
            }
            Trigger::EventChanged { days } => {
                items.sort_by_key(calendar::order_key);
                let at = now();
                new.extend(
                    items
                        .iter()
                        .filter_map(|item| calendar::take(a, *days, state, item, at)),
                );
                if done {
                    new.extend(calendar::end_pass(a, *days, state, at));
                    calendar::prune(state, at);
                    state.mark = started;
                }
            }
        }
        let quiet = new.is_empty() && new_was_empty;
        for p in new {
            if !state.queue.iter().any(|q| q.key() == p.key()) {
                state.queue.push(p);
                queued += 1;
            }
        }
        state.cursor = next.or(delta).or(state.cursor.take());
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
    }
    Err(PollError::Fail(format!(
        "Patchbay stopped following the delta after {MAX_PAGES} pages; it goes on from there next time."
    )))
}

/// The newest item `a` would fire for, as its action would get it: (id, subject, JSON). Mail: the newest
/// message of the folder that passes the filters (of the 25 newest); the calendar: the next event, as `added`.
pub async fn payload_for_test(
    core: &Patchbay,
    a: &Automation,
) -> Result<Option<(String, Option<String>, Value)>, ErrorInfo> {
    let graph = core.graph(&a.connection_id).await?;
    let request = match &a.trigger {
        Trigger::NewMail { folder, .. } => mail::newest_request(folder),
        Trigger::EventChanged { days } => {
            let (_, end) = calendar::window(now(), *days);
            calendar::view_request(now(), end - 24 * 3600)
        }
    };
    let response = graph.send(&request).await.map_err(|e| e.to_error_info())?;
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
    let items = body["value"].as_array().cloned().unwrap_or_default();
    Ok(match &a.trigger {
        Trigger::NewMail { .. } => items.iter().find(|m| a.trigger.matches(m)).map(|m| {
            (
                m["id"].as_str().unwrap_or_default().to_string(),
                m["subject"].as_str().map(str::to_string),
                mail::payload(a, m),
            )
        }),
        Trigger::EventChanged { .. } => items.first().map(|e| calendar::test_payload(a, e)),
    })
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
    state.mark = state.mark.max(now());
    match poll(core, a, &queue, &mut state).await {
        Ok(_) => queue.save(&state),
        Err(PollError::Stop(w) | PollError::Fail(w)) => Err(ErrorInfo::new(
            crate::error::ErrorCode::ProviderError,
            match a.trigger {
                Trigger::NewMail { .. } => "Patchbay could not read the folder to its end.",
                Trigger::EventChanged { .. } => "Patchbay could not read the calendar to its end.",
            },
            w,
        )),
    }
}

/// One round of `a`: poll (unless paused), then deliver what is due.
pub async fn round(
    core: &Patchbay,
    a: &Automation,
    http: &reqwest::Client,
) -> Result<Round, ErrorInfo> {
    round_limited(core, a, http, None).await
}

/// [`round`], reading Graph only while it holds a permit of `graph_slots` (the runner's per-mailbox limit); the
/// actions run without one, so a slow command does not hold up the mailbox's other automations.
pub async fn round_limited(
    core: &Patchbay,
    a: &Automation,
    http: &reqwest::Client,
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
    let mut polled = poll(core, a, &queue, &mut state).await;
    if let (Ok(n), Trigger::EventChanged { days }) = (&polled, &a.trigger) {
        if calendar::stale(state.window, now(), *days) {
            // The window no longer covers the days ahead: a fresh pass over the moved window (the round up to
            // here has delivered the old window's changes).
            state.cursor = None;
            let before = *n;
            polled = poll(core, a, &queue, &mut state).await.map(|m| before + m);
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
    if round.queued == 0 && round.stopped.is_none() && round.error.is_none() {
        queue.save_quiet(&state)?;
    } else {
        queue.save(&state)?;
    }
    drop(permit);
    // Items already queued are delivered even when Graph failed this round (they need no Graph).
    deliver_due(a, &queue, &mut state, http, &mut round).await?;
    Ok(round)
}

mod deliver;
use deliver::deliver_due;
pub use deliver::retry;
