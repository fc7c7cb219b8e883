//! Calendar automations: which change of an event is new, over `/me/calendarView/delta`.
//!
//! Graph's calendar delta follows a fixed window: the first request names `startDateTime` and `endDateTime`, and
//! every nextLink and deltaLink after it carries them. "The next N days" moves on, so the window is taken a day
//! wider than asked on each side, and once a day has passed a fresh pass starts from no cursor with the window
//! moved on (as after a 410). Neither pass fires for what it has seen before, because each event of the window
//! is kept as last seen ([`Known`]: its `changeKey`, times, and its item):
//! - an event whose `changeKey` is the one kept is a replay: nothing;
//! - a kept event with a new `changeKey` fires `changed` (or `cancelled`, the first time `isCancelled` is true);
//! - an event never seen fires `added` when it was created since the last round (less a margin for the two
//!   clocks), `changed` when only modified since (moved into the window); otherwise it merely entered the moved
//!   window, and is kept without firing;
//! - `@removed` of a kept event fires `cancelled` (Graph says the same when an event moves out of the window; the
//!   item then still has its old times), and a pass from no cursor that ends without a kept event fires
//!   `cancelled` for it: it was deleted while the token had expired.
//!
//! Only events that are not over and start within N days fire; the rest are kept quietly. Kept events that ended
//! more than a day ago are dropped, so the record stays the size of the window.
//!
//! Graph's calendarView delta accepts no `$select` (its documentation lists only the window, the tokens and
//! `Prefer: odata.maxpagesize`), so rounds ask for full events.

use super::queue::{Pending, State};
use super::source::{DeltaSource, SourceState, TestItem};
use super::{Automation, Trigger, MAX_DAYS};
use crate::error::{ErrorCode, ErrorInfo};
use crate::graph::calendar::Event;
use crate::graph::zone;
use crate::graph::Request;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::BTreeMap;

const DAY: i64 = 24 * 3600;

/// An event added, changed or cancelled that happens in the next `days` days.
pub struct EventChanged {
    pub days: u32,
}

/// What a calendar automation keeps between rounds.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CalendarState {
    /// When the last round that reached the deltaLink began (Unix seconds).
    #[serde(default)]
    pub mark: i64,
    /// The window (Unix seconds) the cursor's tokens carry.
    #[serde(default)]
    pub window: Option<(i64, i64)>,
    /// The events of the window as last seen, by id.
    #[serde(default)]
    pub known: BTreeMap<String, Known>,
    /// The ids a pass from no cursor has returned so far: what is known and not among them when it ends was
    /// deleted meanwhile.
    #[serde(default)]
    pub pass: Option<Vec<String>>,
}

impl SourceState for CalendarState {}

/// An event as last seen: its version, when it happens, and what its command was (or would be) given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Known {
    pub change_key: String,
    pub start: Option<i64>,
    pub end: Option<i64>,
    pub cancelled: bool,
    pub item: serde_json::Value,
}

impl DeltaSource for EventChanged {
    fn code(&self) -> &'static str {
        "event_changed"
    }

    fn describe(&self) -> String {
        format!(
            "events added, changed or cancelled in the next {} days",
            self.days
        )
    }

    fn check(&self) -> Result<Trigger, ErrorInfo> {
        if !(1..=MAX_DAYS).contains(&self.days) {
            return Err(ErrorInfo::new(
                ErrorCode::InvalidInput,
                format!("{} days is out of range.", self.days),
                format!(
                    "Watch from 1 to {MAX_DAYS} days ahead (the default is {}).",
                    super::DEFAULT_DAYS
                ),
            ));
        }
        Ok(Trigger::EventChanged { days: self.days })
    }

    fn first_request(&self, state: &mut State, now: i64, prefer: &str) -> Request {
        let mut cs = CalendarState::load(state);
        let w = window(now, self.days);
        cs.window = Some(w);
        if state.baselined {
            // A fresh pass: what is known and not returned by its end was deleted meanwhile.
            cs.pass = Some(Vec::new());
        }
        cs.store(state);
        first_request(w, prefer)
    }

    fn take_page(
        &self,
        a: &Automation,
        state: &mut State,
        mut items: Vec<Value>,
        last: bool,
        started: i64,
    ) -> Vec<Pending> {
        items.sort_by_key(order_key);
        let at = super::engine::now();
        let mut cs = CalendarState::load(state);
        let baselined = state.baselined;
        let mut new: Vec<Pending> = items
            .iter()
            .filter_map(|item| take(a, self.days, baselined, &mut cs, item, at))
            .collect();
        if last {
            new.extend(end_pass(a, self.days, baselined, &mut cs, at));
            prune(&mut cs, at);
            cs.mark = started;
        }
        cs.store(state);
        new
    }

    fn fresh_pass_due(&self, state: &State, now: i64) -> bool {
        stale(CalendarState::load(state).window, now, self.days)
    }

    fn newest_request(&self, now: i64) -> Request {
        let (_, end) = window(now, self.days);
        view_request(now, end - DAY)
    }

    fn test_item(&self, a: &Automation, answer: &Value) -> Option<TestItem> {
        answer["value"]
            .as_array()?
            .first()
            .map(|e| test_payload(a, e))
    }

    fn nothing_to_test(&self) -> String {
        format!("No event in the next {} days: nothing ran.", self.days)
    }

    fn unreadable(&self) -> &'static str {
        "Patchbay could not read the calendar to its end."
    }
}
/// How much older than the last round an event's creation may be and still count as new (clock skew).
const MARGIN_SECS: i64 = 10 * 60;

/// The window a pass starting at `now` follows: a day before now to a day after the last of `days`.
fn window(now: i64, days: u32) -> (i64, i64) {
    (now - DAY, now + (i64::from(days) + 1) * DAY)
}

/// Whether the window no longer covers the next `days` days with a day to spare: time for a fresh pass.
fn stale(window: Option<(i64, i64)>, now: i64, days: u32) -> bool {
    window.is_some_and(|(_, end)| end < now + i64::from(days) * DAY)
}

fn rfc3339(secs: i64) -> String {
    Timestamp::from_second(secs)
        .unwrap_or(Timestamp::UNIX_EPOCH)
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// The first request of a pass over `window`.
fn first_request(window: (i64, i64), prefer: &str) -> Request {
    Request::get("me/calendarView/delta")
        .query("startDateTime", rfc3339(window.0))
        .query("endDateTime", rfc3339(window.1))
        .header("Prefer", prefer)
}

/// The calendar view from `start` to `end` (Unix seconds), soonest first: what Test with the newest item uses.
fn view_request(start: i64, end: i64) -> Request {
    Request::get("me/calendarView")
        .query("startDateTime", rfc3339(start))
        .query("endDateTime", rfc3339(end))
        .query("$orderby", "start/dateTime")
        .query("$top", "1")
}

/// An event as its command would get it, as `added`.
fn test_payload(a: &Automation, event: &Value) -> TestItem {
    let (agenda, _) = agenda_item(event);
    let id = event["id"].as_str().unwrap_or_default().to_string();
    let p = pending(a, &id, id.clone(), agenda, "added");
    TestItem {
        id: p.item_id,
        subject: p.subject,
        payload: p.payload,
    }
}

fn seconds(v: &Value) -> Option<i64> {
    v.as_str()
        .and_then(|t| t.parse::<Timestamp>().ok())
        .map(|t| t.as_second())
}

/// The order a page's items are taken in: oldest change first.
fn order_key(item: &Value) -> i64 {
    seconds(&item["lastModifiedDateTime"]).unwrap_or(i64::MAX)
}

/// The preview calendar's keys for an event, times in UTC; with its span (Unix seconds) when readable.
fn agenda_item(event: &Value) -> (Value, Option<(i64, i64)>) {
    let e: Event = serde_json::from_value(event.clone()).unwrap_or_else(|_| Event {
        id: event["id"].as_str().unwrap_or_default().to_string(),
        ..Event::default()
    });
    let utc = zone::resolve("UTC").unwrap_or_else(zone::local);
    let (agenda, span) = crate::preview::convert::event(e, &jiff::tz::TimeZone::UTC, &utc);
    let span = span.map(|(s, t)| (s.timestamp().as_second(), t.timestamp().as_second()));
    (serde_json::to_value(agenda).unwrap_or(Value::Null), span)
}

fn fires(known: &Known, now: i64, days: u32) -> bool {
    known.end.is_none_or(|end| end >= now)
        && known
            .start
            .is_none_or(|start| start <= now + i64::from(days) * DAY)
}

fn pending(a: &Automation, id: &str, key: String, mut item: Value, change: &str) -> Pending {
    let subject = item["subject"].as_str().map(str::to_string);
    item["change"] = json!(change);
    Pending {
        item_id: id.to_string(),
        key,
        subject,
        payload: json!({
            "automation_id": a.id,
            "connection_id": a.connection_id,
            "trigger": a.trigger.code(),
            "item": item,
        }),
        attempts: 0,
        next_at: 0,
        failed: false,
        target: None,
    }
}

/// What one item of a round means for `a`: a delivery, or nothing (a replay, an event already seen, one that
/// does not happen in the next days). `state.known` and `state.pass` follow the item.
fn take(
    a: &Automation,
    days: u32,
    baselined: bool,
    state: &mut CalendarState,
    item: &Value,
    now: i64,
) -> Option<Pending> {
    let id = item["id"].as_str()?;
    if let Some(pass) = state.pass.as_mut() {
        pass.push(id.to_string());
    }
    if item.get("@removed").is_some() {
        let kept = state.known.remove(id)?;
        if !baselined || kept.cancelled || !fires(&kept, now, days) {
            return None;
        }
        let mut gone = kept.item;
        gone["cancelled"] = json!(true);
        return Some(pending(a, id, format!("{id}#removed"), gone, "cancelled"));
    }
    let change_key = item["changeKey"]
        .as_str()
        .or(item["lastModifiedDateTime"].as_str())
        .unwrap_or_default()
        .to_string();
    let before = state.known.get(id).cloned();
    if before.as_ref().is_some_and(|k| k.change_key == change_key) {
        return None;
    }
    let (agenda, span) = agenda_item(item);
    let cancelled = item["isCancelled"] == true;
    let known = Known {
        change_key: change_key.clone(),
        start: span.map(|s| s.0),
        end: span.map(|s| s.1),
        cancelled,
        item: agenda.clone(),
    };
    let fire = baselined && fires(&known, now, days);
    state.known.insert(id.to_string(), known);
    if !fire {
        return None;
    }
    let since = state.mark - MARGIN_SECS;
    let change = match before {
        Some(k) if cancelled && !k.cancelled => "cancelled",
        Some(_) => "changed",
        None if cancelled => return None,
        None if seconds(&item["createdDateTime"]).is_some_and(|t| t >= since) => "added",
        None if seconds(&item["lastModifiedDateTime"]).is_some_and(|t| t >= since) => "changed",
        None => return None,
    };
    Some(pending(a, id, format!("{id}#{change_key}"), agenda, change))
}

/// A pass from no cursor has reached its deltaLink: what is kept and was not returned was deleted meanwhile.
fn end_pass(
    a: &Automation,
    days: u32,
    baselined: bool,
    state: &mut CalendarState,
    now: i64,
) -> Vec<Pending> {
    let Some(returned) = state.pass.take() else {
        return Vec::new();
    };
    let returned: std::collections::HashSet<String> = returned.into_iter().collect();
    let gone: Vec<String> = state
        .known
        .keys()
        .filter(|id| !returned.contains(*id))
        .cloned()
        .collect();
    let mut out = Vec::new();
    for id in gone {
        if let Some(kept) = state.known.remove(&id) {
            if baselined && !kept.cancelled && fires(&kept, now, days) {
                let mut item = kept.item;
                item["cancelled"] = json!(true);
                out.push(pending(a, &id, format!("{id}#removed"), item, "cancelled"));
            }
        }
    }
    out
}

/// Forget events over for more than a day: the record stays the size of the window.
fn prune(state: &mut CalendarState, now: i64) {
    state
        .known
        .retain(|_, k| k.end.is_none_or(|end| end >= now - DAY));
}

#[cfg(test)]
mod tests {
    use super::super::Action;
    use super::*;

    fn automation() -> Automation {
        Automation {
            id: "a".into(),
            name: "n".into(),
            connection_id: "c".into(),
            trigger: Trigger::EventChanged { days: 14 },
            action: Action::Run {
                argv: vec!["true".into()],
            },
            paused: false,
            notify: false,
            poll_secs: 60,
            created_at: String::new(),
        }
    }

    fn event(id: &str, ck: &str, start: &str, created: &str, cancelled: bool) -> Value {
        json!({
            "id": id, "changeKey": ck, "subject": format!("Event {id}"),
            "start": {"dateTime": format!("{start}T09:00:00.0000000"), "timeZone": "UTC"},
            "end": {"dateTime": format!("{start}T10:00:00.0000000"), "timeZone": "UTC"},
            "createdDateTime": created, "lastModifiedDateTime": created, "isCancelled": cancelled,
        })
    }

    #[test]
    fn each_change_fires_once_and_replays_never() {
        let a = automation();
        let now = "2026-12-04T12:00:00Z"
            .parse::<Timestamp>()
            .map(|t| t.as_second())
            .unwrap_or(0);
        let mut s = CalendarState::default();
        let mut baselined = false;
        // Baseline: kept, nothing fires.
        assert!(take(
            &a,
            14,
            baselined,
            &mut s,
            &event("1", "k1", "2026-12-05", "2026-11-01T00:00:00Z", false),
            now
        )
        .is_none());
        baselined = true;
        s.mark = now;
        // A new event, created after the last round.
        let added = take(
            &a,
            14,
            baselined,
            &mut s,
            &event("2", "k1", "2026-12-06", "2026-12-04T12:01:00Z", false),
            now + 60,
        );
        assert_eq!(
            added.map(|p| p.payload["item"]["change"].clone()),
            Some(json!("added"))
        );
        // The same again (a replay): nothing.
        assert!(take(
            &a,
            14,
            baselined,
            &mut s,
            &event("2", "k1", "2026-12-06", "2026-12-04T12:01:00Z", false),
            now + 60
        )
        .is_none());
        // Changed, then cancelled.
        let changed = take(
            &a,
            14,
            baselined,
            &mut s,
            &event("1", "k2", "2026-12-07", "2026-11-01T00:00:00Z", false),
            now + 60,
        );
        assert_eq!(changed.map(|p| p.key), Some("1#k2".into()));
        let cancelled = take(
            &a,
            14,
            baselined,
            &mut s,
            &event("1", "k3", "2026-12-07", "2026-11-01T00:00:00Z", true),
            now + 60,
        );
        assert_eq!(
            cancelled.map(|p| p.payload["item"]["change"].clone()),
            Some(json!("cancelled"))
        );
        // An old event that merely entered a moved window: kept, silent.
        assert!(take(
            &a,
            14,
            baselined,
            &mut s,
            &event("3", "k1", "2026-12-17", "2026-10-01T00:00:00Z", false),
            now + 60
        )
        .is_none());
        // Beyond the days asked: silent.
        assert!(take(
            &a,
            14,
            baselined,
            &mut s,
            &event("4", "k1", "2027-01-30", "2026-12-04T12:01:00Z", false),
            now + 60
        )
        .is_none());
        // Deleted: cancelled, once.
        let removed = json!({"id": "2", "@removed": {"reason": "deleted"}});
        assert_eq!(
            take(&a, 14, baselined, &mut s, &removed, now + 60).map(|p| p.key),
            Some("2#removed".into())
        );
        assert!(take(&a, 14, baselined, &mut s, &removed, now + 60).is_none());
    }

    #[test]
    fn a_fresh_pass_finds_what_was_deleted_meanwhile() {
        let a = automation();
        let now = "2026-12-04T12:00:00Z"
            .parse::<Timestamp>()
            .map(|t| t.as_second())
            .unwrap_or(0);
        let mut s = CalendarState::default();
        for id in ["1", "2"] {
            take(
                &a,
                14,
                false,
                &mut s,
                &event(id, "k1", "2026-12-05", "2026-11-01T00:00:00Z", false),
                now,
            );
        }
        s.mark = now;
        s.pass = Some(Vec::new());
        assert!(take(
            &a,
            14,
            true,
            &mut s,
            &event("1", "k1", "2026-12-05", "2026-11-01T00:00:00Z", false),
            now
        )
        .is_none());
        let gone = end_pass(&a, 14, true, &mut s, now);
        assert_eq!(gone.len(), 1);
        assert_eq!(gone[0].item_id, "2");
        assert_eq!(gone[0].payload["item"]["cancelled"], true);
        assert!(s.known.contains_key("1") && !s.known.contains_key("2"));
    }
}
