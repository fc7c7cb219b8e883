//! Chats: the signed-in user's chats (`/me/chats`), one chat, its members, its messages (Teams' ordering and
//! filtering rules), one message, a message's hosted content, sending a message, and creating a chat (a
//! one-on-one chat that already exists is returned, not made again).

use axum::http::StatusCode;
use base64::Engine as _;
use serde_json::{json, Value};

use super::data::{self, hosted_url};
use super::json::{self as j, Place};
use super::model::{BodyType, Chat, ChatType, Event, Hosted, Mention, Msg, Person, Sent, Teams};
use super::query::{self, ChatClause, Cursor, MessageOrder, MessageQuery, Pairs};
use super::{context, include_unknown, key, not_found, teams};
use crate::graph::{Caller, GraphRequest, Reply};
use crate::state::{AppState, Inner};

/// About 28 KB: what Teams takes in one message (Microsoft's limits page; an issue on the docs measured 28,522
/// characters). Mentions and markup count.
pub const MESSAGE_LIMIT: usize = 28 * 1024;

/// How many chats or messages a page holds when `$top` is not given.
const DEFAULT_PAGE: usize = 20;

fn forbidden_thread(caller: &Caller, chat: &str) -> Reply {
    Reply::error(
        StatusCode::FORBIDDEN,
        "Forbidden",
        &format!(
            "Forbidden. AclCheckFailed-The initiator 8:orgid:{} does not have permission to access thread {chat}.",
            caller.user.id
        ),
    )
}

fn chat_not_found(chat: &str) -> Reply {
    not_found(&format!("Chat '{chat}' was not found."))
}

/// The chat, if the caller is one of its members.
#[allow(clippy::result_large_err)]
pub fn visible<'a>(inner: &'a Inner, caller: &Caller, chat: &str) -> Result<&'a Chat, Reply> {
    let c = inner.teams.chat(chat).ok_or_else(|| chat_not_found(chat))?;
    if !c.has_member(&caller.user.id) {
        return Err(forbidden_thread(caller, chat));
    }
    Ok(c)
}

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
            super::require(caller, super::scopes::CHAT_MESSAGES_LIST)?;
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
            super::require(caller, super::scopes::CHAT_MESSAGES_LIST)?;
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

fn message_not_found(id: &str) -> Reply {
    not_found(&format!("Message '{id}' was not found."))
}

/// `GET /chats/{id}/messages/{id}`.
pub fn message(st: &AppState, caller: &Caller, req: &GraphRequest, chat: &str, id: &str) -> Reply {
    let inner = teams(st);
    let c = match visible(&inner, caller, chat) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let Some(m) = c.messages.iter().find(|m| m.id == id) else {
        return message_not_found(id);
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
    let c = match visible(&inner, caller, chat) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let Some(m) = c.messages.iter().find(|m| m.id == id) else {
        return message_not_found(id);
    };
    hosted_reply(
        st,
        &format!("chats('{}')/messages('{id}')", key(&c.id)),
        m,
        hosted,
        value,
    )
}

/// A message as a client sends it (`POST …/messages`).
pub struct NewMessage {
    pub body_type: BodyType,
    pub content: String,
    pub subject: Option<String>,
    pub importance: &'static str,
    pub mentions: Vec<Mention>,
    /// (temporary ID, hosted content)
    pub hosted: Vec<(String, Hosted)>,
}

fn invalid_body() -> Reply {
    Reply::bad_request("BadRequest", "Invalid request body was sent.")
}

pub fn too_large() -> Reply {
    Reply::error(
        StatusCode::PAYLOAD_TOO_LARGE,
        "RequestEntityTooLarge",
        "Request Entity too large.",
    )
}

/// Read a `chatMessage` from a request body: `body` (`contentType` text — the default — or html), `mentions`
/// (users of the tenant), `hostedContents` (base64 with a temporary ID), `subject`, `importance`.
#[allow(clippy::result_large_err)]
pub fn parse_new(inner: &Inner, body: &[u8], seed: &str) -> Result<NewMessage, Reply> {
    let v: Value = serde_json::from_slice(body).map_err(|_| invalid_body())?;
    let b = v
        .get("body")
        .filter(|b| b.is_object())
        .ok_or_else(invalid_body)?;
    let body_type = match b.get("contentType").and_then(Value::as_str) {
        None => BodyType::Text,
        Some(t) if t.eq_ignore_ascii_case("text") => BodyType::Text,
        Some(t) if t.eq_ignore_ascii_case("html") => BodyType::Html,
        Some(_) => return Err(invalid_body()),
    };
    let content = b
        .get("content")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    if content.trim().is_empty() {
        return Err(invalid_body());
    }
    if content.len() > MESSAGE_LIMIT {
        return Err(too_large());
    }
    let importance = match v.get("importance").and_then(Value::as_str) {
        None => "normal",
        Some(i) if i.eq_ignore_ascii_case("normal") => "normal",
        Some(i) if i.eq_ignore_ascii_case("high") => "high",
        Some(i) if i.eq_ignore_ascii_case("urgent") => "urgent",
        Some(_) => return Err(invalid_body()),
    };
    let mut mentions = Vec::new();
    for m in v
        .get("mentions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let id = m
            .get("id")
            .and_then(Value::as_i64)
            .ok_or_else(invalid_body)? as i32;
        let text = m
            .get("mentionText")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let user_id = m
            .pointer("/mentioned/user/id")
            .and_then(Value::as_str)
            .ok_or_else(invalid_body)?;
        let user = inner
            .users
            .iter()
            .find(|u| !u.personal && u.id.eq_ignore_ascii_case(user_id))
            .ok_or_else(invalid_body)?;
        mentions.push(Mention {
            id,
            text,
            user: data::person(user),
        });
    }
    let mut hosted = Vec::new();
    for (i, h) in v
        .get("hostedContents")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let temp = h
            .get("@microsoft.graph.temporaryId")
            .and_then(Value::as_str)
            .ok_or_else(invalid_body)?
            .to_string();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(h.get("contentBytes").and_then(Value::as_str).unwrap_or(""))
            .map_err(|_| invalid_body())?;
        let content_type = h
            .get("contentType")
            .and_then(Value::as_str)
            .unwrap_or("image/png")
            .to_string();
        hosted.push((
            temp,
            Hosted {
                id: data::hosted_id(&format!("{seed}/{i}/{}", crate::util::new_guid())),
                content_type,
                bytes,
            },
        ));
    }
    Ok(NewMessage {
        body_type,
        content,
        subject: v.get("subject").and_then(Value::as_str).map(str::to_string),
        importance,
        mentions,
        hosted,
    })
}

/// Make the stored message: hosted content references (`../hostedContents/1/$value`) pointed at their new IDs.
pub fn store_new(
    t: &mut Teams,
    new: NewMessage,
    from: &Person,
    conversation_path: &str,
    reply_to: Option<&str>,
) -> Msg {
    let (id, created) = t.message_id(jiff::Timestamp::now());
    let seq = t.next_seq();
    let mut content = new.content;
    let mut hosted = Vec::new();
    for (temp, h) in new.hosted {
        let url = hosted_url(data::BASE, conversation_path, &id, &h.id);
        content = content.replace(&format!("../hostedContents/{temp}/$value"), &url);
        hosted.push(h);
    }
    Msg {
        id,
        created,
        modified: created,
        edited: None,
        deleted: None,
        from: Some(from.clone()),
        event: None,
        body_type: new.body_type,
        content,
        subject: new.subject,
        importance: new.importance,
        mentions: new.mentions,
        hosted,
        reply_to: reply_to.map(str::to_string),
        seq,
    }
}

/// Put a message into a chat (it becomes the chat's last, and updates it).
pub fn add_to_chat(t: &mut Teams, chat: &str, m: Msg) -> Option<Msg> {
    let c = t.chat_mut(chat)?;
    c.updated = c.updated.max(m.modified);
    c.messages.push(m.clone());
    Some(m)
}

fn record_sent(inner: &mut Inner, caller: &Caller, sent: Sent) {
    inner
        .teams
        .sent
        .entry(caller.user.id.clone())
        .or_default()
        .push(sent);
}

/// `POST /chats/{id}/messages`.
pub fn send(st: &AppState, caller: &Caller, req: &GraphRequest, chat: &str) -> Reply {
    let mut inner = teams(st);
    let chat_id = match visible(&inner, caller, chat) {
        Ok(c) => c.id.clone(),
        Err(r) => return r,
    };
    let new = match parse_new(&inner, req.body, &chat_id) {
        Ok(n) => n,
        Err(r) => return r,
    };
    let me = data::person(&caller.user);
    let (content_type, content) = (new.body_type.as_str(), new.content.clone());
    let m = store_new(
        &mut inner.teams,
        new,
        &me,
        &format!("chats/{chat_id}"),
        None,
    );
    let Some(m) = add_to_chat(&mut inner.teams, &chat_id, m) else {
        return chat_not_found(chat);
    };
    record_sent(
        &mut inner,
        caller,
        Sent {
            kind: "chat",
            chat_id: Some(chat_id.clone()),
            team_id: None,
            channel_id: None,
            reply_to: None,
            message_id: m.id.clone(),
            content_type,
            content,
            created: super::model::time_ms(m.created),
        },
    );
    let mut body = j::message(&st.base, &m, Place::Chat(&chat_id), include_unknown(req));
    body["@odata.context"] = json!(context(
        st,
        &format!("chats('{}')/messages/$entity", key(&chat_id))
    ));
    Reply {
        status: StatusCode::CREATED,
        ..Reply::ok(body)
    }
}

/// A `user@odata.bind` (`https://graph.microsoft.com/v1.0/users('{id or UPN}')`, or `…/users/{id}`): the user.
fn bound_user<'a>(inner: &'a Inner, bind: &str) -> Option<&'a crate::state::DemoUser> {
    let tail = bind.rsplit_once("users").map(|(_, t)| t)?;
    let key = tail
        .trim_start_matches('/')
        .trim_start_matches('(')
        .trim_end_matches(')')
        .trim_matches('\'');
    let key = crate::graph::odata::percent_decode(key);
    inner.users.iter().find(|u| {
        !u.personal && (u.id.eq_ignore_ascii_case(&key) || u.email.eq_ignore_ascii_case(&key))
    })
}

/// Create a chat (the logic `POST /chats` and the control lever share): a one-on-one chat that exists is
/// returned as it is (`false`: not new).
#[allow(clippy::result_large_err)]
pub fn create_chat(
    t: &mut Teams,
    creator: &Person,
    chat_type: ChatType,
    topic: Option<&str>,
    members: Vec<Person>,
) -> Result<(String, bool), Reply> {
    if !members.iter().any(|p| p.id == creator.id) {
        return Err(Reply::bad_request(
            "BadRequest",
            "The members of a new chat must include the user creating it.",
        ));
    }
    let mut unique: Vec<Person> = Vec::new();
    for p in members {
        if !unique.iter().any(|u| u.id == p.id) {
            unique.push(p);
        }
    }
    match chat_type {
        ChatType::OneOnOne => {
            if unique.len() != 2 || topic.is_some() {
                return Err(Reply::bad_request(
                    "BadRequest",
                    "A oneOnOne chat has exactly two members and no topic.",
                ));
            }
            let id = data::one_on_one_id(&unique[0].id, &unique[1].id);
            if t.chat(&id).is_some() {
                return Ok((id, false));
            }
            let now = jiff::Timestamp::now();
            t.chats.push(Chat {
                members: unique.iter().map(|p| data::member(&id, p)).collect(),
                id: id.clone(),
                chat_type,
                topic: None,
                created: now,
                updated: now,
                meeting: None,
                messages: Vec::new(),
            });
            Ok((id, true))
        }
        ChatType::Group => {
            if unique.len() < 2 {
                return Err(Reply::bad_request(
                    "BadRequest",
                    "A group chat has at least two members.",
                ));
            }
            let id = data::group_chat_id(&crate::util::new_guid());
            let now = jiff::Timestamp::now();
            let (mid, when) = t.message_id(now);
            let seq = t.next_seq();
            let added: Vec<Person> = unique
                .iter()
                .filter(|p| p.id != creator.id)
                .cloned()
                .collect();
            t.chats.push(Chat {
                members: unique.iter().map(|p| data::member(&id, p)).collect(),
                id: id.clone(),
                chat_type,
                topic: topic.map(str::to_string),
                created: now,
                updated: when,
                meeting: None,
                messages: vec![Msg {
                    id: mid,
                    created: when,
                    modified: when,
                    edited: None,
                    deleted: None,
                    from: None,
                    event: Some(Event::MembersAdded {
                        initiator: creator.clone(),
                        members: added,
                    }),
                    body_type: BodyType::Html,
                    content: "<systemEventMessage/>".into(),
                    subject: None,
                    importance: "normal",
                    mentions: Vec::new(),
                    hosted: Vec::new(),
                    reply_to: None,
                    seq,
                }],
            });
            Ok((id, true))
        }
        ChatType::Meeting => Err(Reply::bad_request(
            "BadRequest",
            "A meeting's chat is created with its online meeting, not by POST /chats.",
        )),
    }
}

/// `POST /chats`: `chatType` (`oneOnOne` or `group`), `topic` (group only), `members` with `user@odata.bind`.
pub fn create(st: &AppState, caller: &Caller, req: &GraphRequest) -> Reply {
    let mut inner = teams(st);
    let Ok(v) = serde_json::from_slice::<Value>(req.body) else {
        return invalid_body();
    };
    let chat_type = match v.get("chatType").and_then(Value::as_str) {
        Some(t) if t.eq_ignore_ascii_case("oneOnOne") => ChatType::OneOnOne,
        Some(t) if t.eq_ignore_ascii_case("group") => ChatType::Group,
        Some(t) if t.eq_ignore_ascii_case("meeting") => ChatType::Meeting,
        _ => return invalid_body(),
    };
    let mut people = Vec::new();
    for m in v
        .get("members")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(bind) = m.get("user@odata.bind").and_then(Value::as_str) else {
            return invalid_body();
        };
        let Some(user) = bound_user(&inner, bind) else {
            return not_found(&format!("The user '{bind}' was not found in the tenant."));
        };
        people.push(data::person(user));
    }
    let topic = v.get("topic").and_then(Value::as_str);
    let me = data::person(&caller.user);
    let id = match create_chat(&mut inner.teams, &me, chat_type, topic, people) {
        Ok((id, _)) => id,
        Err(r) => return r,
    };
    let Some(c) = inner.teams.chat(&id) else {
        return chat_not_found(&id);
    };
    let mut body = j::chat(c, &caller.user.id);
    body["@odata.context"] = json!(context(st, "chats/$entity"));
    Reply {
        status: StatusCode::CREATED,
        ..Reply::ok(body)
    }
}
