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

use super::mail_data::Tpl;
use super::messages::inbox::Message;
use super::messages::json::to_json;
use super::messages::{inbox, inbox_id};
use super::odata::{percent_encode, Query};
use super::zones::preference;
use super::{access_denied, ids, Caller, GraphRequest, Reply};
use crate::state::{AppState, DemoUser};

const READ_MAIL: &[&str] = &["Mail.ReadBasic", "Mail.Read", "Mail.ReadWrite"];
/// Graph's page size for message delta when the client does not ask.
const DEFAULT_PAGE: usize = 10;
const MAX_PAGE: usize = 1000;

/// A message to deliver into an inbox (see [`deliver`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Delivered {
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
    /// Messages delivered since the start, as the listing serves them.
    pub delivered: Vec<Message>,
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

pub(super) fn gone() -> Reply {
    Reply::error(
        StatusCode::GONE,
        "syncStateNotFound",
        "The sync state generation is not found. Start a new sync without a delta token (resyncRequired).",
    )
}

/// A delta token, as the sandbox writes them: `d.RUN.SEQ…` (a deltaLink's) or `s.RUN.FROM.TO.OFFSET…` (a page of
/// the round `(FROM, TO]`), `RUN` being [`AppState::instance`]; a calendar view's tokens carry its window after
/// these numbers, as Graph's carry the query.
pub(super) enum Token {
    Start,
    Delta(Vec<i64>),
    Skip(Vec<i64>),
    /// A token of another run of the sandbox: its sync state is gone (410).
    Foreign,
}

pub(super) fn parse_token(st: &AppState, q: &Query) -> Option<Token> {
    let numbers = |t: &str| -> Option<Option<Vec<i64>>> {
        let all: Vec<i64> = t
            .split('.')
            .map(|n| n.parse().ok())
            .collect::<Option<_>>()?;
        let (run, rest) = all.split_first()?;
        Some((*run == i64::from(st.instance)).then(|| rest.to_vec()))
    };
    let (t, delta) = match (q.get("$deltatoken"), q.get("$skiptoken")) {
        (Some(t), _) => (t.strip_prefix("d."), true),
        (None, Some(t)) => (t.strip_prefix("s."), false),
        (None, None) => return Some(Token::Start),
    };
    Some(match numbers(t?)? {
        Some(n) if delta => Token::Delta(n),
        Some(n) => Token::Skip(n),
        None => Token::Foreign,
    })
}

pub(super) fn bad_token() -> Reply {
    Reply::bad_request(
        "ErrorInvalidUrlQuery",
        "The delta or skip token is not valid.",
    )
}

/// The page size a client asked for (`Prefer: odata.maxpagesize`), within Graph's bounds.
pub(super) fn page_size(req: &GraphRequest) -> Option<usize> {
    preference(req.headers, "odata.maxpagesize")
        .and_then(|v| v.parse::<usize>().ok())
        .map(|n| n.clamp(1, MAX_PAGE))
}

/// Graph may send items again that an earlier round already had: the round's items after the latest `replay`
/// changes before `from` (whose sequence numbers are `seqs`), once more.
pub(super) fn with_replay(
    seqs: impl DoubleEndedIterator<Item = u64>,
    from: Option<u64>,
    replay: usize,
    round: impl Fn(Option<u64>, u64) -> Vec<Value>,
    items: Vec<Value>,
) -> Vec<Value> {
    let Some(from) = from.filter(|_| replay > 0) else {
        return items;
    };
    let again_from = seqs
        .rev()
        .filter(|s| *s <= from)
        .take(replay)
        .min()
        .unwrap_or(from);
    let mut again = round(Some(again_from.saturating_sub(1)), from);
    again.extend(items);
    again
}

/// One page of a round: `size` items from `offset`, then a nextLink (`skip(next offset)`) or the deltaLink
/// (`delta`), both carrying `$select` on.
pub(super) struct DeltaPage<'a> {
    pub st: &'a AppState,
    pub req: &'a GraphRequest<'a>,
    pub q: &'a Query,
    pub entity: &'a str,
    pub items: Vec<Value>,
    pub offset: usize,
    pub asked: Option<usize>,
    pub default_size: usize,
}

impl DeltaPage<'_> {
    pub fn render(self, skip: impl Fn(usize) -> String, delta: String) -> Reply {
        let size = self.asked.unwrap_or(self.default_size);
        let base = format!("{}/graph/v1.0{}", self.st.base, self.req.path);
        let rest: Vec<Value> = self.items.into_iter().skip(self.offset).collect();
        let more = rest.len() > size;
        let value: Vec<Value> = rest.into_iter().take(size).collect();
        let select = self
            .q
            .get("$select")
            .map(|s| format!("&%24select={}", percent_encode(s)))
            .unwrap_or_default();
        let mut body = json!({
            "@odata.context": format!("{}/graph/v1.0/$metadata#Collection({})", self.st.base, self.entity),
            "value": value,
        });
        if more {
            body["@odata.nextLink"] = json!(format!(
                "{base}?%24skiptoken=s.{}.{}{select}",
                self.st.instance,
                skip(self.offset + size)
            ));
        } else {
            body["@odata.deltaLink"] = json!(format!(
                "{base}?%24deltatoken=d.{}.{delta}{select}",
                self.st.instance
            ));
        }
        let mut reply = Reply::ok(body);
        if let Some(n) = self.asked {
            reply = reply.with_header("Preference-Applied", format!("odata.maxpagesize={n}"));
        }
        reply
    }
}

/// The message `id` as it is now, if it is in the inbox: as a listing renders it, less its body.
fn current(user: &DemoUser, mailbox: &[Message], id: &str) -> Option<Value> {
    let m = mailbox.iter().find(|m| m.id == id)?;
    let mut v = to_json(m, user, &inbox_id(user), true);
    if let Some(o) = v.as_object_mut() {
        o.remove("body");
    }
    Some(v)
}

/// `user`'s inbox as it is now, newest first: the generated messages and those delivered since the start, less
/// those removed, read where they were marked read. What the listing, a single message and delta all serve.
pub fn mailbox(st: &AppState, user: &DemoUser) -> Vec<Message> {
    let log = st
        .lock()
        .mail_logs
        .get(&user.id)
        .cloned()
        .unwrap_or_default();
    mailbox_of(st, user, &log)
}

fn mailbox_of(st: &AppState, user: &DemoUser, log: &MailLog) -> Vec<Message> {
    let mut all: Vec<Message> = log.delivered.iter().rev().cloned().collect();
    all.extend(inbox(user, st.anchor));
    all.retain(|m| !log.removed.contains(&m.id));
    for m in &mut all {
        if log.read.contains(&m.id) {
            m.is_read = true;
        }
    }
    all
}

/// The items of the round `(from, to]`, oldest change first; `from` `None`: the whole folder as of `to`.
fn round(st: &AppState, user: &DemoUser, log: &MailLog, from: Option<u64>, to: u64) -> Vec<Value> {
    let full = from.is_none();
    let from = from.unwrap_or(0);
    let mailbox = mailbox_of(st, user, log);
    let mut ids: Vec<String> = Vec::new();
    if full {
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
    if !full {
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
        .filter_map(|id| match current(user, &mailbox, &id) {
            Some(v) => Some(v),
            // Removed: a first sync leaves it out, a later round says so.
            None if !full => Some(json!({"id": id, "@removed": {"reason": "deleted"}})),
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
    let Some(token) = parse_token(st, &q) else {
        return bad_token();
    };
    let mut inner = st.lock();
    let log = inner.mail_logs.entry(user.id.clone()).or_default();
    let (from, to, offset) = match token {
        Token::Start => (None, log.seq, 0),
        Token::Delta(n) if n.len() == 1 => (Some(n[0] as u64), log.seq, 0),
        // A page of a whole-folder round carries -1 for where it started.
        Token::Skip(n) if n.len() == 3 => (
            (n[0] >= 0).then_some(n[0] as u64),
            n[1] as u64,
            n[2] as usize,
        ),
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
        log.changes.iter().map(|(s, _, _)| *s),
        from,
        replay,
        |a, b| round(st, user, &log, a, b),
        round(st, user, &log, from, to),
    );
    DeltaPage {
        st,
        req,
        q: &q,
        entity: "message",
        items,
        offset,
        asked: page_size(req),
        default_size: DEFAULT_PAGE,
    }
    .render(
        |next| format!("{}.{to}.{next}", from.map_or(-1, |f| f as i64)),
        to.to_string(),
    )
}

/// A new message in `user`'s inbox, now: its id.
pub fn deliver(st: &AppState, user: &DemoUser, d: Delivered) -> String {
    let mut inner = st.lock();
    let log = inner.mail_logs.entry(user.id.clone()).or_default();
    let index = format!("delivered-{}", log.delivered.len());
    let id = ids::item_id(&[&user.id, "message", &index]);
    // The generated inbox is made of `'static` templates; a delivered message becomes one, its text leaked once
    // (a few hundred bytes a message, for the sandbox's life: it is a test double, not a mail server).
    let leak = |s: String| -> &'static str { Box::leak(s.into_boxed_str()) };
    let tpl = Tpl {
        from: (leak(d.from_name), leak(d.from_address.clone())),
        to: &[],
        subject: leak(d.subject),
        body: leak(d.body.clone()),
        importance: "normal",
        attachments: d.has_attachments,
        focused: true,
        read: Some(d.is_read),
    };
    let domain = d
        .from_address
        .rsplit('@')
        .next()
        .unwrap_or("contoso.example")
        .to_string();
    log.delivered.push(Message {
        id: id.clone(),
        change_key: ids::change_key(&[&user.id, "message", &index]),
        created: d.received,
        modified: d.received,
        received: d.received,
        sent: d.received,
        tpl,
        body: d.body,
        is_read: d.is_read,
        conversation_id: ids::conversation_id(&[&user.id, "conversation", &index]),
        internet_message_id: format!("<{}@{domain}>", ids::hex(&[&user.id, "imid", &index], 12)),
    });
    log.record(&id, Change::Added);
    id
}
