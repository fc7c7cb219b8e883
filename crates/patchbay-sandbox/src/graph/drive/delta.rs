//! `GET /drives/{id}/root/delta` (and `/me/drive/root/delta`): OneDrive's change tracking, as Microsoft
//! documents it and as clients must survive it.
//!
//! A round without a token enumerates the drive as it is, parents before children; `?token=latest` gives only a
//! deltaLink (the baseline in one request); a deltaLink's token returns what changed since, cut from the drive's
//! log. Pages (`Prefer: odata.maxpagesize` or `$top`, default 200) are linked by `@odata.nextLink`, the last one
//! carrying `@odata.deltaLink`; both carry the round's end, so changes made while a client pages wait for the
//! next round. Items carry `parentReference` with the parent's ID and never a `path`; business drives and
//! libraries leave `cTag` out, deleted items come with `deleted` and without a name (personal drives: without
//! size). The folders above a change come too (unless `deltaExcludeParent`), and an item changed more than once
//! in a round is listed at its first change as it was then and again at its last as it is: the last occurrence
//! is current, as the docs warn. Business drives and libraries track only their root (501 `notSupported`
//! elsewhere, as Graph answers); personal drives any folder. Tokens carry the sandbox run; another run's, or one
//! from before `expire_delta`, is answered 410 `resyncRequired` with a `Location` that starts again.

use std::collections::HashMap;

use axum::http::StatusCode;
use serde_json::{json, Value};

use super::items::project;
use super::model::{Drive, DriveKind};
use super::{files, item_not_found, locate, Access, DriveSel, ItemAddr};
use crate::graph::odata::{percent_encode, Query};
use crate::graph::zones::preference;
use crate::graph::{Caller, GraphRequest, Reply};
use crate::state::AppState;

const DEFAULT_PAGE: usize = 200;
const MAX_PAGE: usize = 1000;

/// Where a page of a round starts.
enum Token {
    /// A new enumeration of everything.
    Start,
    /// `token=latest`.
    Latest,
    /// A deltaLink's: changes after this sequence number.
    Since(u64),
    /// A page of a full enumeration as of `to`, after the item with this sort key.
    FullPage { to: u64, after: (u64, u64, u64) },
    /// A page of the changes in `(from, to]`, from this offset.
    ChangesPage { from: u64, to: u64, offset: usize },
    /// Another run's, or unreadable.
    Gone,
}

fn parse_token(st: &AppState, raw: Option<&str>) -> Token {
    let Some(raw) = raw.map(str::trim).filter(|t| !t.is_empty()) else {
        return Token::Start;
    };
    if raw.eq_ignore_ascii_case("latest") {
        return Token::Latest;
    }
    let Some((kind, rest)) = raw.split_once('.') else {
        return Token::Gone;
    };
    let numbers: Option<Vec<i64>> = rest.split('.').map(|n| n.parse().ok()).collect();
    let Some(numbers) = numbers else {
        return Token::Gone;
    };
    let Some((run, n)) = numbers.split_first() else {
        return Token::Gone;
    };
    if *run != i64::from(st.instance) {
        return Token::Gone;
    }
    let u = |i: usize| n.get(i).map(|v| (*v).max(0) as u64);
    match (kind, n.len()) {
        ("d", 1) => Token::Since(u(0).unwrap_or(0)),
        ("s", 5) if n[0] < 0 => Token::FullPage {
            to: u(1).unwrap_or(0),
            after: (u(2).unwrap_or(0), u(3).unwrap_or(0), u(4).unwrap_or(0)),
        },
        ("s", 3) => Token::ChangesPage {
            from: u(0).unwrap_or(0),
            to: u(1).unwrap_or(0),
            offset: u(2).unwrap_or(0) as usize,
        },
        _ => Token::Gone,
    }
}

/// The request's path without a function-form token: `…/root/delta(token='x')` → `…/root/delta`.
fn clean_path(path: &str) -> String {
    let lower = path.to_ascii_lowercase();
    match lower.rfind("delta(") {
        Some(at) => format!("{}delta", &path[..at]),
        None => path.to_string(),
    }
}

/// `$select` and `$top` carried into the next links.
fn carried(q: &Query) -> String {
    ["$select", "$top"]
        .iter()
        .filter_map(|k| {
            q.get(k)
                .map(|v| format!("&{}={}", percent_encode(k), percent_encode(v)))
        })
        .collect()
}

fn link(st: &AppState, req: &GraphRequest, q: &Query, token: &str) -> String {
    format!(
        "{}/graph/v1.0{}?token={token}{}",
        st.base,
        clean_path(req.path),
        carried(q)
    )
}

/// 410 Gone: the sync state is gone; `Location` starts a new enumeration.
fn resync(st: &AppState, req: &GraphRequest, q: &Query) -> Reply {
    let mut reply = Reply::error(
        StatusCode::GONE,
        "resyncRequired",
        "Resync required. Replace any local items with the server's version (including deletes) if you're sure \
         that the service was up to date with your local changes when you last sync'd. Upload any local changes \
         that the server doesn't know about.",
    );
    reply.body["error"]["innerError"]["code"] = json!("resyncChangesApplyDifferences");
    let carried = carried(q);
    let location = format!(
        "{}/graph/v1.0{}{}",
        st.base,
        clean_path(req.path),
        carried
            .strip_prefix('&')
            .map(|c| format!("?{c}"))
            .unwrap_or_default()
    );
    reply.with_header("Location", location)
}

/// A full enumeration's order: parents before children (a child's key is at least its parent's), by when items
/// were made — stable while the drive changes, so a page cursor never skips an item.
fn sort_key(drive: &Drive, id: &str) -> (u64, u64, u64) {
    let Some(item) = drive.get(id) else {
        return (0, 0, 0);
    };
    let ancestors = drive.ancestors(id);
    let key = ancestors
        .iter()
        .filter_map(|a| drive.get(a).map(|i| i.order))
        .chain(std::iter::once(item.order))
        .max()
        .unwrap_or(0);
    (key, ancestors.len() as u64, item.order)
}

/// The page size asked for.
#[allow(clippy::result_large_err)]
fn page_size(req: &GraphRequest, q: &Query) -> Result<usize, Reply> {
    if let Some(n) =
        preference(req.headers, "odata.maxpagesize").and_then(|v| v.parse::<usize>().ok())
    {
        return Ok(n.clamp(1, MAX_PAGE));
    }
    super::items::top(q, DEFAULT_PAGE)
}

pub fn delta(
    st: &AppState,
    caller: &Caller,
    req: &GraphRequest,
    sel: &DriveSel,
    addr: &ItemAddr,
    fn_token: Option<&str>,
) -> Reply {
    let q = Query::parse(req.query);
    let chosen = match super::items::selection(&q) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let size = match page_size(req, &q) {
        Ok(n) => n,
        Err(r) => return r,
    };
    let exclude_parents = req.headers.contains_key("deltaexcludeparent");
    let inner = files(st);
    let (drive_id, folder, _) = match locate(&inner, caller, sel, addr, Access::Read) {
        Ok(l) => l,
        Err(r) => return r,
    };
    let Some(drive) = inner.files.drive(&drive_id) else {
        return item_not_found();
    };
    if folder != drive.root && drive.kind != DriveKind::Personal {
        return Reply::error(
            StatusCode::NOT_IMPLEMENTED,
            "notSupported",
            "view.delta can only be called on the root.",
        );
    }
    if drive.get(&folder).is_some_and(|f| !f.is_folder()) {
        return Reply::bad_request("invalidRequest", "Delta can only be called on a folder.");
    }
    let token = parse_token(st, fn_token.or(q.get("token")));
    let now = drive.seq;
    let in_scope = |id: &str, snapshot: &Value| {
        folder == drive.root
            || drive.is_within(id, &folder)
            || snapshot["parentReference"]["id"]
                .as_str()
                .is_some_and(|p| drive.is_within(p, &folder))
    };
    let page = |items: Vec<Value>, next: Option<String>, delta: Option<String>| {
        let value: Vec<Value> = items
            .into_iter()
            .map(|v| project(v, chosen.as_deref()))
            .collect();
        let mut body = json!({
            "@odata.context": super::context(st, "Collection(driveItem)"),
            "value": value,
        });
        if let Some(n) = next {
            body["@odata.nextLink"] = json!(link(st, req, &q, &n));
        }
        if let Some(d) = delta {
            body["@odata.deltaLink"] = json!(link(st, req, &q, &d));
        }
        Reply::ok(body)
    };
    let run = st.instance;
    match token {
        Token::Gone => resync(st, req, &q),
        Token::Latest => page(Vec::new(), None, Some(format!("d.{run}.{now}"))),
        Token::Start | Token::FullPage { .. } => {
            let (to, after) = match token {
                Token::FullPage { to, after } => (to, Some(after)),
                _ => (now, None),
            };
            if to < drive.floor {
                return resync(st, req, &q);
            }
            let mut all: Vec<((u64, u64, u64), &super::model::Item)> = drive
                .items
                .values()
                .filter(|i| i.order <= to && drive.is_within(&i.id, &folder))
                .map(|i| (sort_key(drive, &i.id), i))
                .filter(|(k, _)| after.is_none_or(|a| *k > a))
                .collect();
            all.sort_by_key(|(k, _)| *k);
            let more = all.len() > size;
            let items: Vec<Value> = all
                .iter()
                .take(size)
                .map(|(_, i)| drive.delta_json(i))
                .collect();
            if more {
                let (k, d, o) = all[size - 1].0;
                page(items, Some(format!("s.{run}.-1.{to}.{k}.{d}.{o}")), None)
            } else {
                page(items, None, Some(format!("d.{run}.{to}")))
            }
        }
        Token::Since(from) | Token::ChangesPage { from, .. } => {
            let (to, offset) = match token {
                Token::ChangesPage { to, offset, .. } => (to, offset),
                _ => (now, 0),
            };
            if from < drive.floor {
                return resync(st, req, &q);
            }
            let entries: Vec<&super::model::LogEntry> = drive
                .log
                .iter()
                .filter(|e| e.seq > from && e.seq <= to)
                .filter(|e| !(exclude_parents && e.parent))
                .filter(|e| in_scope(&e.id, &e.snapshot))
                .collect();
            let mut first: HashMap<&str, usize> = HashMap::new();
            let mut last: HashMap<&str, usize> = HashMap::new();
            for (i, e) in entries.iter().enumerate() {
                first.entry(e.id.as_str()).or_insert(i);
                last.insert(e.id.as_str(), i);
            }
            // At its first change as it was then, and at its last as it is: the last occurrence is current.
            let round: Vec<Value> = entries
                .iter()
                .enumerate()
                .filter(|(i, e)| {
                    first.get(e.id.as_str()) == Some(i) || last.get(e.id.as_str()) == Some(i)
                })
                .map(|(_, e)| e.snapshot.clone())
                .collect();
            let more = round.len() > offset + size;
            let items: Vec<Value> = round.into_iter().skip(offset).take(size).collect();
            if more {
                page(
                    items,
                    Some(format!("s.{run}.{from}.{to}.{}", offset + size)),
                    None,
                )
            } else {
                page(items, None, Some(format!("d.{run}.{to}")))
            }
        }
    }
}

/// Every delta token of the drive issued so far is answered 410 from now on.
pub fn expire(drive: &mut Drive) {
    drive.seq += 1;
    drive.floor = drive.seq;
}
