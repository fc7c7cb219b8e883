//! Creating a chat: `POST /chats` (members bound by `user@odata.bind`) and the logic it shares with the
//! control lever (a one-on-one chat that already exists is returned, not made again).

use axum::http::StatusCode;
use serde_json::{json, Value};

use super::access::chat_not_found;
use super::compose::invalid_body;
use crate::graph::teams::data;
use crate::graph::teams::json as j;
use crate::graph::teams::model::{BodyType, Chat, ChatType, Event, Msg, Person, Teams};
use crate::graph::teams::{context, not_found, teams};
use crate::graph::{Caller, GraphRequest, Reply};
use crate::state::{AppState, Inner};

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
