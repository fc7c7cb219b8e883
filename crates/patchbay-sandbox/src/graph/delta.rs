//! `GET /me/mailFolders/{folder}/messages/delta`: Graph's delta query over a mail folder, so a client can follow
//! new mail without polling by time (which loses two messages that arrive in the same second).
//!
//! Each mailbox keeps a change log (see [`super::mailstore`]): mail delivered through the control endpoints,
//! messages changed (read state, categories) and removed, and moved (removed from one folder under the old ID,
//! added to another under a new one), each with a sequence number and its folder. A round without a token returns
//! every message in the folder; a `deltaLink`'s token is the sequence number it was issued at, and the next round
//! returns what changed in that folder since: a message once, in its latest state, a removed or moved-away one as
//! `{"id", "@removed"}`. Pages
//! (`Prefer: odata.maxpagesize`, default 10) are linked by `@odata.nextLink` and carry the round's end, so mail that
//! arrives while a client pages waits for the next round. What Graph does that a client must survive is here too:
//! a round that replays items already sent (`replay_next_delta`) and tokens that expire (`expire_delta_tokens`: 410
//! `syncStateNotFound`, start over without a token).

use axum::http::StatusCode;
use serde_json::{json, Value};

use super::mailstore::{mailbox_of, Entry, MailLog};
use super::messages::inbox;
use super::messages::inbox::Message;
use super::messages::json::to_json;
use super::odata::{percent_encode, Query};
use super::zones::preference;
use super::{access_denied, Caller, GraphRequest, Reply};
use crate::state::{AppState, DemoUser};

const READ_MAIL: &[&str] = &["Mail.ReadBasic", "Mail.Read", "Mail.ReadWrite"];
/// Graph's page size for message delta when the client does not ask.
const DEFAULT_PAGE: usize = 10;
const MAX_PAGE: usize = 1000;

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

/// The message `id` as it is now, if it is in `folder`: as a listing renders it, less its body.
fn current(user: &DemoUser, mailbox: &[Message], folder: &str, id: &str) -> Option<Value> {
    let m = mailbox.iter().find(|m| m.id == id && m.folder == folder)?;
    let mut v = to_json(m, user, true);
    if let Some(o) = v.as_object_mut() {
        o.remove("body");
    }
    Some(v)
}

/// The items of `folder`'s round `(from, to]`, oldest change first; `from` `None`: the whole folder as of `to`.
fn round(
    st: &AppState,
    user: &DemoUser,
    log: &MailLog,
    folder: &str,
    from: Option<u64>,
    to: u64,
) -> Vec<Value> {
    let full = from.is_none();
    let from = from.unwrap_or(0);
    let mailbox = mailbox_of(st.anchor, user, log);
    let mut ids: Vec<String> = Vec::new();
    if full && folder == "inbox" {
        // Oldest first, as a first sync lists a folder.
        let mut generated: Vec<_> = inbox(user, st.anchor);
        generated.reverse();
        ids.extend(generated.into_iter().map(|m| m.id));
    }
    let here = |e: &&Entry| e.folder == folder;
    for e in log.changes.iter().filter(here) {
        if e.seq > from && e.seq <= to && !ids.contains(&e.id) {
            ids.push(e.id.clone());
        }
    }
    // A change that came later moves the item to its place in the log, not before.
    if !full {
        ids.sort_by_key(|id| {
            log.changes
                .iter()
                .filter(here)
                .filter(|e| &e.id == id && e.seq <= to)
                .map(|e| e.seq)
                .max()
                .unwrap_or(0)
        });
    }
    ids.into_iter()
        .filter_map(|id| match current(user, &mailbox, folder, &id) {
            Some(v) => Some(v),
            // Removed or moved away: a first sync leaves it out, a later round says so.
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
    let Some(which) = super::mail_folders::resolve(user, folder) else {
        return Reply::error(
            StatusCode::NOT_FOUND,
            "ErrorItemNotFound",
            "The specified object was not found in the store.",
        );
    };
    let folder = which.well_known();
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
        log.changes
            .iter()
            .filter(|e| e.folder == folder)
            .map(|e| e.seq),
        from,
        replay,
        |a, b| round(st, user, &log, folder, a, b),
        round(st, user, &log, folder, from, to),
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
