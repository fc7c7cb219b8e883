//! A new message as a client sends it, for chats and channels alike: reading the request body (size limit,
//! body type, mentions, hosted contents) and making the stored message.

use axum::http::StatusCode;
use base64::Engine as _;
use serde_json::Value;

use crate::graph::teams::data::{self, hosted_url};
use crate::graph::teams::model::{BodyType, Hosted, Mention, Msg, Person, Teams};
use crate::graph::Reply;
use crate::state::Inner;

/// About 28 KB: what Teams takes in one message (Microsoft's limits page; an issue on the docs measured 28,522
/// characters). Mentions and markup count.
pub const MESSAGE_LIMIT: usize = 28 * 1024;

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

pub(super) fn invalid_body() -> Reply {
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
