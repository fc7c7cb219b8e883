//! Delivering a round's due items, each leaving the queue only after its action succeeded; the backoff between
//! attempts; and Retry for items that failed [`super::super::MAX_ATTEMPTS`] times.

use super::super::action::{self, Outcome};
use super::super::flows::{self, Expanded};
use super::super::queue::{Attempt, Queue, State};
use super::super::source::DeltaSource;
use super::super::store::AutomationStore;
use super::super::{Automation, MAX_ATTEMPTS};
use super::{now, Round};
use crate::error::ErrorInfo;
use crate::Patchbay;

fn retry_base() -> i64 {
    std::env::var("PATCHBAY_RETRY_BASE_SECS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(30)
}

/// Whether `a` may go on delivering: not paused or removed since the round began (a person's Pause or Remove
/// stops a backlog between two items, not after it).
fn still_on(store: &AutomationStore, a: &Automation, round: &mut Round) -> bool {
    match store.get(&a.id) {
        Ok(now) if now.paused => {
            round.skipped = Some("paused".into());
            false
        }
        Ok(_) => true,
        Err(e) if e.code == crate::error::ErrorCode::NotFound => {
            round.skipped = Some("removed".into());
            false
        }
        // The list cannot be read right now: go on (the next item asks again).
        Err(_) => true,
    }
}

/// Deliver every queued item that is due, in order.
pub(super) async fn deliver_due(
    store: &AutomationStore,
    a: &Automation,
    source: &dyn DeltaSource,
    core: &Patchbay,
    queue: &Queue,
    state: &mut State,
    round: &mut Round,
) -> Result<(), ErrorInfo> {
    // Each due item once a round, in order; a message whose attachments are saved is replaced by its units,
    // which are then due in its place.
    let mut tried: std::collections::HashSet<String> = std::collections::HashSet::new();
    loop {
        let due = now();
        let Some(p) = state
            .queue
            .iter()
            .find(|p| !p.failed && p.next_at <= due && !tried.contains(p.key()))
            .cloned()
        else {
            break;
        };
        let key = p.key().to_string();
        tried.insert(key.clone());
        if !still_on(store, a, round) {
            break;
        }
        crate::fault::point("automation-before-action");
        let expanded = flows::expand(core, a, &p).await;
        let outcome = match expanded {
            Some(Ok(Expanded { units, note })) => {
                if units.is_empty() {
                    // Nothing to save: the message is done, and the history says why.
                    queue.record(&Attempt {
                        item_id: p.item_id.clone(),
                        subject: p.subject.clone(),
                        outcome: "delivered".into(),
                        attempt: p.attempts + 1,
                        exit_code: None,
                        http_status: None,
                        detail: note,
                        at: crate::clock::now_rfc3339(),
                    })?;
                    state.queue.retain(|q| q.key() != key);
                    round.delivered += 1;
                    round.delivered_subjects.push(p.subject.clone());
                } else if let Some(at) = state.queue.iter().position(|q| q.key() == key) {
                    // The message's place in the queue, taken by its units in one atomic write.
                    state.queue.splice(at..=at, units);
                }
                queue.save(state)?;
                continue;
            }
            Some(Err(outcome)) => outcome,
            None if a.action.is_builtin() => {
                let mut remember = |target: &str| {
                    if let Some(q) = state.queue.iter_mut().find(|q| q.key() == key) {
                        q.target = Some(target.to_string());
                    }
                    queue.save(state)
                };
                flows::deliver(core, a, &p, &mut remember).await
            }
            // What the trigger does first (a file downloaded where the command finds it); its failure is the
            // attempt's, retried like the action's.
            None => match source.prepare(core, a, &p).await {
                Ok(prepared) => {
                    let payload = prepared.payload.as_ref().unwrap_or(&p.payload);
                    action::deliver(a, &p.item_id, payload, &prepared.env).await
                }
                Err(words) => Outcome::failed(words),
            },
        };
        if let Some(words) = outcome.stopped {
            // A connection the action acts through needs Fix: the item waits, not counted as an attempt.
            state.stopped = Some(words.clone());
            round.stopped = Some(words);
            queue.save(state)?;
            break;
        }
        let Outcome {
            ok,
            exit_code,
            http_status,
            detail,
            settled,
            ..
        } = outcome;
        crate::fault::point("automation-after-action");
        let attempt = p.attempts + 1;
        let give_up = attempt >= MAX_ATTEMPTS || settled;
        let outcome = if ok {
            "delivered"
        } else if give_up {
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
            if give_up {
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
