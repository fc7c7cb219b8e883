//! Reading a chat's messages: the list (Teams' ordering and filtering rules), one message, and a message's
//! hosted content.

use serde_json::{json, Value};

use super::access::{message_not_found, visible};
use super::DEFAULT_PAGE;
use crate::graph::teams::json::{self as j, Place};
use crate::graph::teams::model::{Chat, Hosted, Msg};
use crate::graph::teams::query::{self, Cursor, MessageOrder, MessageQuery, Pairs};
use crate::graph::teams::{context, include_unknown, key, not_found, teams};
use crate::graph::{Caller, GraphRequest, Reply};
use crate::state::{AppState, Inner};

/// `GET /chats/{id}/messages`: `$top` (≤ 50), `$orderby` and `$filter` by Teams' rules, `$skiptoken` paging.
pub fn messages(st: &AppState, caller: &Caller, req: &GraphRequest, chat: &str) -> Reply {
    let q = Pairs::parse(req.query);
    let result = (|| -> Result<Reply, Reply> {
        let top = query::top(&q, DEFAULT_PAGE)?;
        let mq = MessageQuery::parse(&q)?;
        let after = Cursor::from_query(&q)?;
        let inner = teams(st);
        let c = visible(&inner, caller, chat)?;
        let unknown = include_unknown(req);
        let mut items: Vec<(i64, String, Value)> = c
            .messages
            .iter()
            .filter_map(|m| {
                let k = match mq.order {
                    MessageOrder::Created => m.created,
                    MessageOrder::Modified => m.modified,
                };
                mq.bounds.iter().all(|(op, t)| op.holds(k, *t)).then(|| {
                    (
                        k.as_millisecond(),
                        m.id.clone(),
                        j::message(&st.base, m, Place::Chat(&c.id), unknown),
                    )
                })
            })
            .collect();
        items.sort_by(|a, b| (b.0, &b.1).cmp(&(a.0, &a.1)));
        let (value, next) = query::page(items, after.as_ref(), top);
        let mut body =
            json!({"@odata.context": context(st, &format!("chats('{}')/messages", key(&c.id)))});
        body["@odata.count"] = json!(value.len());
        body["value"] = Value::Array(value);
        if let Some(cursor) = next {
            body["@odata.nextLink"] = json!(query::next_link(&st.base, req.path, &q, &cursor));
        }
        Ok(Reply::ok(body))
    })();
    result.unwrap_or_else(|r| r)
}

/// A message of a chat the caller is a member of.
#[allow(clippy::result_large_err)]
fn visible_message<'a>(
    inner: &'a Inner,
    caller: &Caller,
    chat: &str,
    id: &str,
) -> Result<(&'a Chat, &'a Msg), Reply> {
    let c = visible(inner, caller, chat)?;
    let m = c
        .messages
        .iter()
        .find(|m| m.id == id)
        .ok_or_else(|| message_not_found(id))?;
    Ok((c, m))
}

/// `GET /chats/{id}/messages/{id}`.
pub fn message(st: &AppState, caller: &Caller, req: &GraphRequest, chat: &str, id: &str) -> Reply {
    let inner = teams(st);
    let (c, m) = match visible_message(&inner, caller, chat, id) {
        Ok(found) => found,
        Err(r) => return r,
    };
    let mut body = j::message(&st.base, m, Place::Chat(&c.id), include_unknown(req));
    body["@odata.context"] = json!(context(
        st,
        &format!("chats('{}')/messages/$entity", key(&c.id))
    ));
    Reply::ok(body)
}

/// A message's hosted contents: the list, one (its metadata), or one's bytes (`$value`).
pub fn hosted_reply(st: &AppState, ctx: &str, m: &Msg, hosted: Option<&str>, value: bool) -> Reply {
    let entry = |h: &Hosted| json!({"id": h.id, "contentBytes": null, "contentType": null});
    match hosted {
        None => Reply::ok(json!({
            "@odata.context": context(st, &format!("{ctx}/hostedContents")),
            "@odata.count": m.hosted.len(),
            "value": m.hosted.iter().map(entry).collect::<Vec<_>>(),
        })),
        Some(hid) => match m.hosted.iter().find(|h| h.id == hid) {
            None => not_found(&format!("Hosted content '{hid}' was not found.")),
            Some(h) if value => Reply::bytes(
                if h.content_type == "image/png" {
                    "image/png"
                } else {
                    "application/octet-stream"
                },
                h.bytes.clone().into(),
            ),
            Some(h) => {
                let mut body = entry(h);
                body["@odata.context"] =
                    json!(context(st, &format!("{ctx}/hostedContents/$entity")));
                Reply::ok(body)
            }
        },
    }
}

pub fn hosted(
    st: &AppState,
    caller: &Caller,
    _req: &GraphRequest,
    chat: &str,
    id: &str,
    hosted: Option<&str>,
    value: bool,
) -> Reply {
    let inner = teams(st);
    let (c, m) = match visible_message(&inner, caller, chat, id) {
        Ok(found) => found,
        Err(r) => return r,
    };
    hosted_reply(
        st,
        &format!("chats('{}')/messages('{id}')", key(&c.id)),
        m,
        hosted,
        value,
    )
}
