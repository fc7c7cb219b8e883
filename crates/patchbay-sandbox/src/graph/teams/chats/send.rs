//! Sending a message to a chat: `POST /chats/{id}/messages`, the message put into the chat, and the record of
//! what the user sent.

use axum::http::StatusCode;
use serde_json::json;

use super::access::{chat_not_found, visible};
use super::compose::{parse_new, store_new};
use crate::graph::teams::data;
use crate::graph::teams::json::{self as j, Place};
use crate::graph::teams::model::{Msg, Sent, Teams};
use crate::graph::teams::{context, include_unknown, key, teams};
use crate::graph::{Caller, GraphRequest, Reply};
use crate::state::{AppState, Inner};

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
            created: crate::graph::teams::model::time_ms(m.created),
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
