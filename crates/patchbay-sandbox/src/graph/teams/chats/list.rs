//! Reading chats: `/me/chats` (Teams' ordering, `$filter`, `$expand`, paging), one chat, its members.

use serde_json::{json, Value};

use super::access::visible;
use super::DEFAULT_PAGE;
use crate::graph::teams::json as j;
use crate::graph::teams::model::Chat;
use crate::graph::teams::query::{self, ChatClause, Cursor, Pairs};
use crate::graph::teams::{context, include_unknown, key, teams};
use crate::graph::{Caller, GraphRequest, Reply};
use crate::state::AppState;

/// The key a chat is listed by: its last message's creation (`$orderby=lastMessagePreview/createdDateTime
/// desc`), else its last update.
fn chat_key(c: &Chat, by_last_message: bool) -> i64 {
    if by_last_message {
        c.last_message()
            .map(|m| m.created)
            .unwrap_or(c.created)
            .as_millisecond()
    } else {
        c.updated.as_millisecond()
    }
}

fn matches(c: &Chat, clause: &ChatClause) -> bool {
    match clause {
        ChatClause::ChatType(op, v) => op.holds(
            c.chat_type.as_str().to_ascii_lowercase(),
            v.to_ascii_lowercase(),
        ),
        ChatClause::Topic(op, v) => op.holds(c.topic.clone().unwrap_or_default(), v.clone()),
        ChatClause::LastUpdated(op, t) => op.holds(c.updated, *t),
        ChatClause::LastMessage(op, t) => c.last_message().is_some_and(|m| op.holds(m.created, *t)),
        ChatClause::Member(field, v) => c.members.iter().any(|m| {
            let have = match field.as_str() {
                "displayName" => &m.person.name,
                "userId" => &m.person.id,
                _ => &m.person.email,
            };
            have.eq_ignore_ascii_case(v)
        }),
    }
}

fn render_chat(
    st: &AppState,
    c: &Chat,
    caller: &Caller,
    expand: (bool, bool),
    unknown: bool,
) -> Value {
    let mut v = j::chat(c, &caller.user.id);
    if expand.0 {
        v["members@odata.context"] =
            json!(context(st, &format!("chats('{}')/members", key(&c.id))));
        v["members"] = Value::Array(c.members.iter().map(j::member).collect());
    }
    if expand.1 {
        v["lastMessagePreview@odata.context"] = json!(context(
            st,
            &format!("chats('{}')/lastMessagePreview/$entity", key(&c.id))
        ));
        v["lastMessagePreview"] = c
            .last_message()
            .map(|m| j::preview(&st.base, m, unknown))
            .unwrap_or(Value::Null);
    }
    v
}

/// `GET /me/chats`.
pub fn list(st: &AppState, caller: &Caller, req: &GraphRequest) -> Reply {
    let q = Pairs::parse(req.query);
    let result = (|| -> Result<Reply, Reply> {
        let top = query::top(&q, DEFAULT_PAGE)?;
        let expand = query::chat_expand(&q)?;
        if expand.1 {
            // The preview is a message: Chat.ReadBasic reads names and members only.
            crate::graph::teams::require(caller, crate::graph::teams::scopes::CHAT_MESSAGES_LIST)?;
        }
        let by_last = query::chat_order(&q)?;
        let filter = query::chat_filter(&q)?;
        let after = Cursor::from_query(&q)?;
        let inner = teams(st);
        let unknown = include_unknown(req);
        let mut items: Vec<(i64, String, Value)> = inner
            .teams
            .chats
            .iter()
            .filter(|c| c.has_member(&caller.user.id))
            .filter(|c| filter.iter().all(|f| matches(c, f)))
            .map(|c| {
                (
                    chat_key(c, by_last),
                    c.id.clone(),
                    render_chat(st, c, caller, expand, unknown),
                )
            })
            .collect();
        items.sort_by(|a, b| (b.0, &b.1).cmp(&(a.0, &a.1)));
        let (value, next) = query::page(items, after.as_ref(), top);
        let mut body = json!({"@odata.context": context(st, if expand.0 { "chats(members())" } else { "chats" })});
        body["@odata.count"] = json!(value.len());
        body["value"] = Value::Array(value);
        if let Some(c) = next {
            body["@odata.nextLink"] = json!(query::next_link(&st.base, req.path, &q, &c));
        }
        Ok(Reply::ok(body))
    })();
    result.unwrap_or_else(|r| r)
}

/// `GET /chats/{id}` (with `$expand=members,lastMessagePreview`).
pub fn get(st: &AppState, caller: &Caller, req: &GraphRequest, chat: &str) -> Reply {
    let q = Pairs::parse(req.query);
    let result = (|| -> Result<Reply, Reply> {
        let expand = query::chat_expand(&q)?;
        if expand.1 {
            crate::graph::teams::require(caller, crate::graph::teams::scopes::CHAT_MESSAGES_LIST)?;
        }
        let inner = teams(st);
        let c = visible(&inner, caller, chat)?;
        let mut body = render_chat(st, c, caller, expand, include_unknown(req));
        body["@odata.context"] = json!(context(st, "chats/$entity"));
        Ok(Reply::ok(body))
    })();
    result.unwrap_or_else(|r| r)
}

/// `GET /chats/{id}/members` (no query options: Graph refuses `$top` here).
pub fn members(st: &AppState, caller: &Caller, req: &GraphRequest, chat: &str) -> Reply {
    let q = Pairs::parse(req.query);
    if let Err(r) = query::not_allowed(&q, "$top", "Top") {
        return r;
    }
    let inner = teams(st);
    match visible(&inner, caller, chat) {
        Ok(c) => Reply::ok(json!({
            "@odata.context": context(st, &format!("chats('{}')/members", key(&c.id))),
            "@odata.count": c.members.len(),
            "value": c.members.iter().map(j::member).collect::<Vec<_>>(),
        })),
        Err(r) => r,
    }
}
