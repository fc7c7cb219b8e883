//! One round of an automation, and the loop that runs rounds: follow the folder's (or calendar view's) delta from the cursor to the
//! next deltaLink, page by page — each page's new items written to the queue in the same atomic write that moves
//! the cursor past them — then deliver what is due, each item leaving the queue only after its action succeeded.
//!
//! Crash points (debug builds, `PATCHBAY_FAULT=…`) sit between every two steps, so a test can kill the process
//! at each and show that nothing is lost and at most the item in flight is delivered twice:
//! `automation-page-read` (a page fetched, nothing written), `automation-before-action`,
//! `automation-after-action` (the action done, not yet recorded), `automation-recorded` (history written, queue
//! not yet), and the atomic write's own points on `state.json`.

use super::action::{self, Outcome};
use super::queue::{Attempt, Pending, Queue, State};
use super::store::AutomationStore;
use super::{calendar, Automation, Trigger, MAX_ATTEMPTS};
use crate::error::ErrorInfo;
use crate::graph::session::{graph_error_info, CallError};
use crate::graph::zone;
use crate::graph::Request;
use crate::tokens::RefreshError;
use crate::Patchbay;
use jiff::Timestamp;
use serde_json::{json, Value};

/// What a delta round asks for of each message: what the filters and the command's item need.
const FIELDS: &str = "id,subject,from,receivedDateTime,isRead,hasAttachments,bodyPreview,webLink";
/// Messages per delta page.
const PAGE: u32 = 50;
/// A round that follows more pages than this stops (a server that never ends its links must not loop us).
const MAX_PAGES: usize = 10_000;

/// How a round went.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
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

fn retry_base() -> i64 {
    std::env::var("PATCHBAY_RETRY_BASE_SECS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(30)
}

fn now() -> i64 {
    Timestamp::now().as_second()
}

/// The command's JSON for a message: the preview's keys, times in UTC.
fn payload(a: &Automation, message: &Value) -> Value {
    let m: crate::graph::mail::Message =
        serde_json::from_value(message.clone()).unwrap_or_default();
    let utc = zone::resolve("UTC").unwrap_or_else(zone::local);
    let m = crate::preview::convert::message(m, &utc);
    json!({
        "automation_id": a.id,
        "connection_id": a.connection_id,
        "trigger": a.trigger.code(),
        "item": {
            "id": m.id,
            "subject": m.subject,
            "from_name": m.from_name,
            "from_address": m.from_address,
            "received": m.received,
            "is_read": m.is_read,
            "has_attachments": m.has_attachments,
            "preview": m.preview,
            "web_link": m.web_link,
        },
    })
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
        Trigger::NewMail { folder, .. } => {
            let folder_segment: String =
                url::form_urlencoded::byte_serialize(folder.as_bytes()).collect();
            Request::get(format!("me/mailFolders/{folder_segment}/messages/delta"))
                .query("$select", FIELDS)
                .header("Prefer", prefer)
        }
        Trigger::EventChanged { days } => {
            let window = calendar::window(now(), *days);
            state.window = Some(window);
            calendar::first_request(window, prefer)
        }
    }
}

/// What a message of a round means: a delivery when it is new and matches (see [`State::is_new`]).
fn take_message(a: &Automation, state: &mut State, item: &Value) -> Option<Pending> {
    let id = item["id"].as_str()?;
    if item.get("@removed").is_some() {
        // Gone from the folder: never fires.
        return None;
    }
    let at = received(item);
    let new = state.baselined && state.is_new(id, at);
    state.remember(id);
    if let Some(at) = at {
        state.mark = state.mark.max(at);
    }
    (new && a.trigger.matches(item)).then(|| Pending {
        item_id: id.to_string(),
        key: String::new(),
        subject: item["subject"].as_str().map(str::to_string),
        payload: payload(a, item),
        attempts: 0,
        next_at: 0,
        failed: false,
    })
}

fn received(v: &Value) -> Option<i64> {
    v["receivedDateTime"]
        .as_str()
        .and_then(|t| t.parse::<Timestamp>().ok())
        .map(|t| t.as_second())
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
                items.sort_by_key(|v| received(v).unwrap_or(i64::MAX));
                new.extend(items.iter().filter_map(|item| take_message(a, state, item)));
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

/// Deliver every queued item that is due, in order.
async fn deliver_due(
    a: &Automation,
    queue: &Queue,
    state: &mut State,
    http: &reqwest::Client,
    round: &mut Round,
) -> Result<(), ErrorInfo> {
    let keys: Vec<String> = state.queue.iter().map(|p| p.key().to_string()).collect();
    for key in keys {
        let Some(p) = state.queue.iter().find(|p| p.key() == key).cloned() else {
            continue;
        };
        if p.failed || p.next_at > now() {
            continue;
        }
        crate::fault::point("automation-before-action");
        let Outcome {
            ok,
            exit_code,
            http_status,
            detail,
        } = action::deliver(a, &p.item_id, &p.payload, http).await;
        crate::fault::point("automation-after-action");
        let attempt = p.attempts + 1;
        let outcome = if ok {
            "delivered"
        } else if attempt >= MAX_ATTEMPTS {
            "failed"
        } else {
            "retrying"
        };
        queue.record(&Attempt {
            item_id: p.item_id.clone(),
            subject: p.subject.clone(),
            outcome: outcome.to_string(),
            attempt,
            exit_code,
            http_status,
            detail,
            at: crate::clock::now_rfc3339(),
        })?;
        crate::fault::point("automation-recorded");
        if ok {
            state.queue.retain(|q| q.key() != key);
            round.delivered += 1;
            round.delivered_subjects.push(p.subject.clone());
        } else if let Some(q) = state.queue.iter_mut().find(|q| q.key() == key) {
            q.attempts = attempt;
            if attempt >= MAX_ATTEMPTS {
                q.failed = true;
            } else {
                q.next_at = now() + retry_base() * (1i64 << (attempt - 1).min(20));
            }
        }
        queue.save(state)?;
    }
    round.retrying = state.queue.iter().filter(|p| !p.failed).count();
    round.failed = state.queue.iter().filter(|p| p.failed).count();
    Ok(())
}

/// The newest item `a` would fire for, as its action would get it: (id, subject, JSON). Mail: the newest
/// message of the folder that passes the filters (of the 25 newest); the calendar: the next event, as `added`.
pub async fn payload_for_test(
    core: &Patchbay,
    a: &Automation,
) -> Result<Option<(String, Option<String>, Value)>, ErrorInfo> {
    let graph = core.graph(&a.connection_id).await?;
    let request = match &a.trigger {
        Trigger::NewMail { folder, .. } => {
            let folder_segment: String =
                url::form_urlencoded::byte_serialize(folder.as_bytes()).collect();
            Request::get(format!("me/mailFolders/{folder_segment}/messages"))
                .query("$select", FIELDS)
                .query("$orderby", "receivedDateTime desc")
                .query("$top", "25")
        }
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
                payload(a, m),
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

/// Put a failed item back in line (Retry): tried again at the next round.
pub fn retry(
    core: &Patchbay,
    automation_id: &str,
    item_id: Option<&str>,
) -> Result<usize, ErrorInfo> {
    let store = AutomationStore::new(&core.config().data_dir);
    let a = store.get(automation_id)?;
    let queue = Queue::new(&store.folder_of(&a.id));
    let mut state = queue.load()?;
    let mut n = 0;
    for p in state
        .queue
        .iter_mut()
        .filter(|p| p.failed && item_id.is_none_or(|i| i == p.item_id))
    {
        p.failed = false;
        p.attempts = 0;
        p.next_at = 0;
        n += 1;
    }
    queue.save(&state)?;
    Ok(n)
}
