//! `GET /me/calendarView/delta?startDateTime=…&endDateTime=…`: Graph's delta query over a calendar view, so a
//! client can follow events added, changed and cancelled in a window of days without listing it again.
//!
//! Each user's calendar keeps a change log beside the generated demo week: events added (`add_event`), changed
//! (`change_event`: subject or times, a new `changeKey`), cancelled (`isCancelled`, as an attendee's copy of a
//! meeting its organiser cancelled) and deleted (`@removed`). The plain calendar view shows the same events. As
//! Graph does, the first request names the window, and the tokens of its nextLinks and deltaLink carry it (a
//! client sends them back as they are); a round returns each event that changed once, in its latest state, and an
//! event deleted or moved out of the window as `{"id", "@removed": {"reason": "deleted"}}`. Replays and expiring
//! tokens (410) work as for mail (delta.rs).
//!
//! Graph's calendarView delta takes no `$select`, `$filter` or `$orderby` (its documentation says so); the
//! sandbox ignores them and answers full events, in UTC.

use jiff::tz::TimeZone;
use jiff::Timestamp;
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};

use super::calendar::{interval, to_json, window_error, READ_CALENDAR};
use super::calendar_data::{events, made_now, Event, When};
use super::delta::{bad_token, gone, page_size, parse_token, with_replay, DeltaPage, Token};
use super::odata::Query;
use super::zones::parse_instant;
use super::{access_denied, mailbox, Caller, GraphRequest, Reply};
use crate::state::{AppState, DemoUser};

/// Graph's page size for event delta when the client does not ask.
const DEFAULT_PAGE: usize = 10;

/// One calendar's life since the sandbox started.
#[derive(Debug, Clone, Default)]
pub struct CalendarLog {
    pub seq: u64,
    /// (sequence number, event id), in order.
    pub changes: Vec<(u64, String)>,
    /// Events added since the sandbox started.
    pub added: Vec<Event>,
    /// Generated events as they are after a change.
    pub changed: HashMap<String, Event>,
    pub deleted: HashSet<String>,
    /// Tokens issued before this sequence number are refused with 410.
    pub floor: u64,
    /// The next round sends this many of the latest changes again.
    pub replay: usize,
}

/// What a control call does to an event.
#[derive(Debug, Clone, Default)]
pub struct EventChange {
    pub subject: Option<String>,
    pub start: Option<Timestamp>,
    pub end: Option<Timestamp>,
    /// Mark it cancelled (it stays, with `isCancelled: true`).
    pub cancel: bool,
    /// Delete it (a delta round reports `@removed`).
    pub delete: bool,
}

impl CalendarLog {
    fn record(&mut self, id: &str) {
        self.seq += 1;
        self.changes.push((self.seq, id.to_string()));
    }
}

/// `user`'s calendar as it is now: the demo week with the log's changes, and the events added.
pub fn current(st: &AppState, user: &DemoUser) -> Result<Vec<Event>, jiff::Error> {
    let zone = mailbox::time_zone(st, user);
    let log = st
        .lock()
        .calendar_logs
        .get(&user.id)
        .cloned()
        .unwrap_or_default();
    Ok(apply(events(user, &zone, st.anchor)?, &log))
}

fn apply(generated: Vec<Event>, log: &CalendarLog) -> Vec<Event> {
    generated
        .into_iter()
        .map(|e| log.changed.get(&e.id).cloned().unwrap_or(e))
        .chain(log.added.iter().cloned())
        .filter(|e| !log.deleted.contains(&e.id))
        .collect()
}

/// Add an event to `user`'s calendar now: its id.
pub fn add(
    st: &AppState,
    user: &DemoUser,
    subject: &str,
    start: Timestamp,
    end: Timestamp,
) -> String {
    let zone = mailbox::time_zone(st, user);
    let mut inner = st.lock();
    let log = inner.calendar_logs.entry(user.id.clone()).or_default();
    let key = format!("added-{}", log.added.len());
    let e = made_now(
        user,
        &zone,
        &key,
        subject,
        When::Timed { start, end },
        Timestamp::now(),
    );
    let id = e.id.clone();
    log.added.push(e);
    log.record(&id);
    id
}

/// Change, cancel or delete the event `id` of `user`'s calendar; `false` when there is no such event.
pub fn change(
    st: &AppState,
    user: &DemoUser,
    id: &str,
    what: EventChange,
) -> Result<bool, jiff::Error> {
    let Some(mut e) = current(st, user)?.into_iter().find(|e| e.id == id) else {
        return Ok(false);
    };
    let mut inner = st.lock();
    let log = inner.calendar_logs.entry(user.id.clone()).or_default();
    log.record(id);
    if what.delete {
        log.deleted.insert(id.to_string());
        return Ok(true);
    }
    if let Some(s) = what.subject {
        e.subject = s;
    }
    if let (Some(start), Some(end)) = (what.start, what.end) {
        e.when = When::Timed { start, end };
    }
    e.cancelled |= what.cancel;
    e.modified = Timestamp::now();
    e.change_key = super::ids::change_key(&[&user.id, id, &log.seq.to_string()]);
    if let Some(added) = log.added.iter_mut().find(|a| a.id == id) {
        *added = e;
    } else {
        log.changed.insert(id.to_string(), e);
    }
    Ok(true)
}

/// The round `(from, to]` of the window `[start, end)`, oldest change first; `from` `None`: the whole window.
fn round(
    generated: &[Event],
    user: &DemoUser,
    log: &CalendarLog,
    window: (Timestamp, Timestamp),
    (from, to): (Option<u64>, u64),
) -> Vec<Value> {
    let tz = TimeZone::UTC;
    // The log as it was at `to`: later changes wait for the next round. (Changes keep only the latest state, so
    // an event changed again after `to` is sent in that state; the next round sends it once more, as Graph may.)
    let now: Vec<Event> = apply(generated.to_vec(), log);
    let in_window = |e: &Event| interval(e, &tz).is_some_and(|(s, t)| s < window.1 && t > window.0);
    let Some(from) = from else {
        let mut all: Vec<&Event> = now.iter().filter(|e| in_window(e)).collect();
        all.sort_by_key(|e| interval(e, &tz).map(|(s, _)| s));
        return all
            .into_iter()
            .map(|e| to_json(e, user, "UTC", &tz))
            .collect();
    };
    let mut ids: Vec<(u64, &str)> = Vec::new();
    for (seq, id) in &log.changes {
        if *seq > from && *seq <= to {
            ids.retain(|(_, i)| i != id);
            ids.push((*seq, id));
        }
    }
    ids.into_iter()
        .map(
            |(_, id)| match now.iter().find(|e| e.id == id).filter(|e| in_window(e)) {
                Some(e) => to_json(e, user, "UTC", &tz),
                None => json!({"id": id, "@removed": {"reason": "deleted"}}),
            },
        )
        .collect()
}

pub fn calendar_view_delta(st: &AppState, caller: &Caller, req: &GraphRequest) -> Reply {
    if !caller.has_any(READ_CALENDAR) {
        return access_denied();
    }
    let user = &caller.user;
    let q = Query::parse(req.query);
    let Some(token) = parse_token(st, &q) else {
        return bad_token();
    };
    let zone = mailbox::time_zone(st, user);
    let generated = match events(user, &zone, st.anchor) {
        Ok(e) => e,
        Err(e) => return Reply::bad_request("generalException", &e.to_string()),
    };
    let mut inner = st.lock();
    let log = inner.calendar_logs.entry(user.id.clone()).or_default();
    let seconds = |n: i64| Timestamp::from_second(n).ok();
    let (from, to, offset, window) = match token {
        Token::Start => {
            let window = (
                q.get("startDateTime").and_then(parse_instant),
                q.get("endDateTime").and_then(parse_instant),
            );
            let (Some(start), Some(end)) = window else {
                return window_error();
            };
            (None, log.seq, 0, (start, end))
        }
        Token::Delta(n) if n.len() == 3 => match (seconds(n[1]), seconds(n[2])) {
            (Some(s), Some(e)) => (Some(n[0] as u64), log.seq, 0, (s, e)),
            _ => return bad_token(),
        },
        Token::Skip(n) if n.len() == 5 => match (seconds(n[3]), seconds(n[4])) {
            (Some(s), Some(e)) => (
                (n[0] >= 0).then_some(n[0] as u64),
                n[1] as u64,
                n[2] as usize,
                (s, e),
            ),
            _ => return bad_token(),
        },
        Token::Foreign => return gone(),
        _ => return bad_token(),
    };
    if from.is_some_and(|f| f < log.floor) {
        return gone();
    }
    let replay = if offset == 0 {
        std::mem::take(&mut log.replay)
    } else {
        0
    };
    let log = log.clone();
    drop(inner);
    let items = with_replay(
        log.changes.iter().map(|(s, _)| *s),
        from,
        replay,
        |a, b| round(&generated, user, &log, window, (a, b)),
        round(&generated, user, &log, window, (from, to)),
    );
    let (ws, we) = (window.0.as_second(), window.1.as_second());
    DeltaPage {
        st,
        req,
        q: &q,
        entity: "event",
        items,
        offset,
        asked: page_size(req),
        default_size: DEFAULT_PAGE,
    }
    .render(
        |next| format!("{}.{to}.{next}.{ws}.{we}", from.map_or(-1, |f| f as i64)),
        format!("{to}.{ws}.{we}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::demo_users;

    #[test]
    fn a_change_replaces_the_generated_event_and_a_delete_hides_it() {
        let users = demo_users();
        let anchor = Timestamp::from_second(1_764_000_000).unwrap_or(Timestamp::UNIX_EPOCH);
        let week = events(&users[0], "UTC", anchor).unwrap_or_default();
        let first = week[0].clone();
        let mut log = CalendarLog::default();
        let mut changed = first.clone();
        changed.subject = "Moved".into();
        log.changed.insert(first.id.clone(), changed);
        let now = apply(week.clone(), &log);
        assert_eq!(now.len(), week.len());
        assert!(now.iter().any(|e| e.subject == "Moved"));
        log.deleted.insert(first.id.clone());
        assert_eq!(apply(week.clone(), &log).len(), week.len() - 1);
    }
}
