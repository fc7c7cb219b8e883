//! `GET /me/mailFolders/{folder}/messages/delta`: Graph's delta query over the inbox, so a client can follow new
//! mail without polling by time (which loses two messages that arrive in the same second).
//!
//! Each user's inbox keeps a change log: mail delivered through the control endpoints (`deliver_mail`), messages
//! changed (`mark_read`) and removed (`remove_mail`), each with a sequence number. A round without a token returns
//! every message in the folder; a `deltaLink`'s token is the sequence number it was issued at, and the next round
//! returns what changed since: a message once, in its latest state, a removed one as `{"id", "@removed"}`. Pages
//! (`Prefer: odata.maxpagesize`, default 10) are linked by `@odata.nextLink` and carry the round's end, so mail that
//! arrives while a client pages waits for the next round. What Graph does that a client must survive is here too:
//! a round that replays items already sent (`replay_next_delta`) and tokens that expire (`expire_delta_tokens`: 410
//! `syncStateNotFound`, start over without a token).

use axum::http::StatusCode;
use jiff::Timestamp;
use serde_json::{json, Value};

use super::messages::{inbox, inbox_id, recipient};
use super::odata::{percent_encode, Query};
use super::zones::{preference, utc};
use super::{access_denied, ids, Caller, GraphRequest, Reply};
use crate::state::{AppState, DemoUser};

const READ_MAIL: &[&str] = &["Mail.ReadBasic", "Mail.Read", "Mail.ReadWrite"];
/// Graph's page size for message delta when the client does not ask.
const DEFAULT_PAGE: usize = 10;
const MAX_PAGE: usize = 1000;

/// A message delivered into an inbox after the sandbox started.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivered {
    pub id: String,
    pub received: Timestamp,
    pub from_name: String,
    pub from_address: String,
    pub subject: String,
    pub body: String,
    pub has_attachments: bool,
    pub is_read: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Added,
    Updated,
    Removed,
}

/// One inbox's life since the sandbox started.
#[derive(Debug, Clone, Default)]
pub struct MailLog {
    /// The last sequence number given out.
    pub seq: u64,
    pub changes: Vec<(u64, String, Change)>,
    pub delivered: Vec<Delivered>,
    /// Generated messages marked read or removed since.
    pub read: std::collections::HashSet<String>,
    pub removed: std::collections::HashSet<String>,
    /// Tokens issued before this sequence number are refused with 410.
    pub floor: u64,
    /// The next round sends this many of the latest changes again (as Graph may).
    pub replay: usize,
}

impl MailLog {
    pub fn record(&mut self, id: &str, change: Change) {
        self.seq += 1;
        self.changes.push((self.seq, id.to_string(), change));
    }
}

fn gone() -> Reply {
    Reply::error(
        StatusCode::GONE,
        "syncStateNotFound",
        "The sync state generation is not found. Start a new sync without a delta token (resyncRequired).",
    )
}

/// `d.SEQ` (a deltaLink's token) or `s.FROM.TO.OFFSET` (a page of the round `(FROM, TO]`).
enum Token {
    Start,
    Delta(u64),
    Skip { from: u64, to: u64, offset: usize },
}

fn parse_token(q: &Query) -> Option<Token> {
    if let Some(t) = q.get("$deltatoken") {
        return t.strip_prefix("d.")?.parse().ok().map(Token::Delta);
    }
    if let Some(t) = q.get("$skiptoken") {
        let mut parts = t.strip_prefix("s.")?.split('.');
        let from = parts.next()?.parse().ok()?;
        let to = parts.next()?.parse().ok()?;
        let offset = parts.next()?.parse().ok()?;
        return Some(Token::Skip { from, to, offset });
    }
    Some(Token::Start)
}

fn delivered_json(d: &Delivered) -> Value {
    json!({
        "@odata.type": "#microsoft.graph.message",
        "id": d.id,
        "receivedDateTime": utc(d.received),
        "subject": d.subject,
        "bodyPreview": d.body.chars().take(255).collect::<String>(),
        "from": recipient((&d.from_name, &d.from_address)),
        "isRead": d.is_read,
        "hasAttachments": d.has_attachments,
        "webLink": format!("https://outlook.office365.com/owa/?ItemID={}&exvsurl=1&viewmodel=ReadMessageItem", percent_encode(&d.id)),
    })
}

/// The message `id` as it is now, if it is in the inbox.
fn current(st: &AppState, user: &DemoUser, log: &MailLog, id: &str) -> Option<Value> {
    if log.removed.contains(id) {
        return None;
    }
    if let Some(d) = log.delivered.iter().find(|d| d.id == id) {
        return Some(delivered_json(d));
    }
    inbox(user, st.anchor).into_iter().find(|m| m.id == id).map(|m| {
        json!({
            "@odata.type": "#microsoft.graph.message",
            "id": m.id,
            "receivedDateTime": utc(m.received),
            "subject": m.tpl.subject,
            "bodyPreview": m.body.chars().take(255).collect::<String>(),
            "from": recipient(m.tpl.from),
            "isRead": m.is_read || log.read.contains(&m.id),
            "hasAttachments": m.tpl.attachments,
            "webLink": format!("https://outlook.office365.com/owa/?ItemID={}&exvsurl=1&viewmodel=ReadMessageItem", percent_encode(&m.id)),
        })
    })
}

/// The items of the round `(from, to]`, oldest change first; `from == 0`: the whole folder as of `to`.
fn round(st: &AppState, user: &DemoUser, log: &MailLog, from: u64, to: u64) -> Vec<Value> {
    let mut ids: Vec<String> = Vec::new();
    if from == 0 {
        // Oldest first, as a first sync lists a folder.
        let mut generated: Vec<_> = inbox(user, st.anchor);
        generated.reverse();
        ids.extend(generated.into_iter().map(|m| m.id));
    }
    for (seq, id, _) in &log.changes {
        if *seq > from && *seq <= to && !ids.contains(id) {
            ids.push(id.clone());
        }
    }
    // A change that came later moves the item to its place in the log, not before.
    if from > 0 {
        ids.sort_by_key(|id| {
            log.changes
                .iter()
                .filter(|(s, i, _)| i == id && *s <= to)
                .map(|(s, _, _)| *s)
                .max()
                .unwrap_or(0)
        });
    }
    ids.into_iter()
        .filter_map(|id| match current(st, user, log, &id) {
            Some(v) => Some(v),
            // Removed: a first sync leaves it out, a later round says so.
            None if from > 0 => Some(json!({"id": id, "@removed": {"reason": "deleted"}})),
            None => None,
        })
        .collect()
}

pub fn messages_delta(st: &AppState, caller: &Caller, req: &GraphRequest, folder: &str) -> Reply {
    if !caller.has_any(READ_MAIL) {
        return access_denied();
    }
    let user = &caller.user;
    if !(folder.eq_ignore_ascii_case("inbox") || folder == inbox_id(user)) {
        return Reply::error(
            StatusCode::NOT_FOUND,
            "ErrorItemNotFound",
            "The sandbox follows the inbox only; other folders have no mail.",
        );
    }
    let q = Query::parse(req.query);
    let Some(token) = parse_token(&q) else {
        return Reply::bad_request(
            "ErrorInvalidUrlQuery",
            "The delta or skip token is not valid.",
        );
    };
    let page = preference(req.headers, "odata.maxpagesize")
        .and_then(|v| v.parse::<usize>().ok())
        .map(|n| n.clamp(1, MAX_PAGE));
    let size = page.unwrap_or(DEFAULT_PAGE);
    let mut inner = st.lock();
    let log = inner.mail_logs.entry(user.id.clone()).or_default();
    let (from, to, offset) = match token {
        Token::Start => (0, log.seq, 0),
        Token::Delta(seq) => (seq, log.seq, 0),
        Token::Skip { from, to, offset } => (from, to, offset),
    };
    if from > 0 && from < log.floor {
        return gone();
    }
    let replay = std::mem::take(&mut log.replay);
    let log = log.clone();
    drop(inner);
    let mut items = round(st, user, &log, from, to);
    if offset == 0 && replay > 0 && from > 0 {
        // Graph may send items again that an earlier round already had: the latest changes, once more.
        let again_from = log
            .changes
            .iter()
            .rev()
            .filter(|(s, _, _)| *s <= from)
            .take(replay)
            .map(|(s, _, _)| *s)
            .min()
            .unwrap_or(from);
        let mut again = round(st, user, &log, again_from.saturating_sub(1), from);
        again.append(&mut items);
        items = again;
    }
    let base = format!("{}/graph/v1.0{}", st.base, req.path);
    let rest: Vec<Value> = items.into_iter().skip(offset).collect();
    let more = rest.len() > size;
    let value: Vec<Value> = rest.into_iter().take(size).collect();
    let select = q
        .get("$select")
        .map(|s| format!("&%24select={}", percent_encode(s)))
        .unwrap_or_default();
    let mut body = json!({
        "@odata.context": format!("{}/graph/v1.0/$metadata#Collection(message)", st.base),
        "value": value,
    });
    if more {
        body["@odata.nextLink"] = json!(format!(
            "{base}?%24skiptoken=s.{from}.{to}.{}{select}",
            offset + size
        ));
    } else {
        body["@odata.deltaLink"] = json!(format!("{base}?%24deltatoken=d.{to}{select}"));
    }
    let mut reply = Reply::ok(body);
    if let Some(n) = page {
        reply = reply.with_header("Preference-Applied", format!("odata.maxpagesize={n}"));
    }
    reply
}

/// A new message in `user`'s inbox, now: its id.
pub fn deliver(st: &AppState, user: &DemoUser, mut message: Delivered) -> String {
    let mut inner = st.lock();
    let log = inner.mail_logs.entry(user.id.clone()).or_default();
    message.id = ids::item_id(&[&user.id, "delivered", &log.delivered.len().to_string()]);
    let id = message.id.clone();
    log.delivered.push(message);
    log.record(&id, Change::Added);
    id
}
