//! The Teams endpoints under `/_sandbox/teams/`: messages posted as someone into a chat or a channel, edited,
//! deleted, system events, chats created, what apps sent, the rate limit, a channel's delta expiring.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;

use super::{bad_request, control, control_error, ok, parse};
use crate::control::{TeamsBody, TeamsEvent, TeamsMessage, TeamsPlace};
use crate::state::AppState;

fn answer(result: Result<TeamsMessage, crate::ControlError>) -> Response {
    match result {
        Ok(m) => ok(json!({ "message": m })),
        Err(e) => control_error(e),
    }
}

/// Exactly one of `text` and `html`.
fn body(text: Option<String>, html: Option<String>) -> Result<TeamsBody, Response> {
    match (text, html) {
        (Some(t), None) => Ok(TeamsBody::Text(t)),
        (None, Some(h)) => Ok(TeamsBody::Html(h)),
        _ => Err(bad_request("give exactly one of text or html")),
    }
}

/// `chat`, or `team` and `channel`.
fn place(
    chat: Option<String>,
    team: Option<String>,
    channel: Option<String>,
) -> Result<TeamsPlace, Response> {
    match (chat, team, channel) {
        (Some(c), None, None) => Ok(TeamsPlace::Chat(c)),
        (None, Some(team), Some(channel)) => Ok(TeamsPlace::Channel { team, channel }),
        _ => Err(bad_request("give chat, or team and channel")),
    }
}

#[derive(Deserialize)]
struct ChatMessageBody {
    user: String,
    chat: String,
    from: String,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    html: Option<String>,
    #[serde(default)]
    mentions_me: bool,
}

/// `POST /_sandbox/teams/chat-messages {user, chat, from, text | html, mentions_me?}`.
pub(super) async fn chat_message(State(st): State<Arc<AppState>>, b: Bytes) -> Response {
    let req = body!(ChatMessageBody, b);
    let content = match body(req.text, req.html) {
        Ok(c) => c,
        Err(r) => return r,
    };
    answer(control(&st).post_chat_message(
        &req.user,
        &req.chat,
        &req.from,
        content,
        req.mentions_me,
    ))
}

#[derive(Deserialize)]
struct ChannelMessageBody {
    user: String,
    team: String,
    channel: String,
    from: String,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    html: Option<String>,
    #[serde(default)]
    mentions_me: bool,
    #[serde(default)]
    reply_to: Option<String>,
}

/// `POST /_sandbox/teams/channel-messages {user, team, channel, from, text | html, mentions_me?, reply_to?}`.
pub(super) async fn channel_message(State(st): State<Arc<AppState>>, b: Bytes) -> Response {
    let req = body!(ChannelMessageBody, b);
    let content = match body(req.text, req.html) {
        Ok(c) => c,
        Err(r) => return r,
    };
    answer(control(&st).post_channel_message(
        &req.user,
        &req.team,
        &req.channel,
        &req.from,
        content,
        req.mentions_me,
        req.reply_to.as_deref(),
    ))
}

#[derive(Deserialize)]
struct MessageRef {
    user: String,
    #[serde(default)]
    chat: Option<String>,
    #[serde(default)]
    team: Option<String>,
    #[serde(default)]
    channel: Option<String>,
    message: String,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    html: Option<String>,
}

/// `POST /_sandbox/teams/messages/edit {user, chat | team + channel, message, text | html}`.
pub(super) async fn edit(State(st): State<Arc<AppState>>, b: Bytes) -> Response {
    let req = body!(MessageRef, b);
    let at = match place(req.chat, req.team, req.channel) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let content = match body(req.text, req.html) {
        Ok(c) => c,
        Err(r) => return r,
    };
    answer(control(&st).edit_teams_message(&req.user, &at, &req.message, content))
}

/// `POST /_sandbox/teams/messages/delete {user, chat | team + channel, message}`.
pub(super) async fn delete(State(st): State<Arc<AppState>>, b: Bytes) -> Response {
    let req = body!(MessageRef, b);
    let at = match place(req.chat, req.team, req.channel) {
        Ok(p) => p,
        Err(r) => return r,
    };
    answer(control(&st).delete_teams_message(&req.user, &at, &req.message))
}

#[derive(Deserialize)]
struct EventBody {
    user: String,
    chat: String,
    by: String,
    #[serde(default)]
    members_added: Option<Vec<String>>,
    #[serde(default)]
    topic: Option<String>,
}

/// `POST /_sandbox/teams/system-events {user, chat, by, members_added: [emails] | topic}`.
pub(super) async fn system_event(State(st): State<Arc<AppState>>, b: Bytes) -> Response {
    let req = body!(EventBody, b);
    let event = match (req.members_added, req.topic) {
        (Some(members), None) => TeamsEvent::MembersAdded {
            by: req.by,
            members,
        },
        (None, Some(topic)) => TeamsEvent::TopicChanged { by: req.by, topic },
        _ => return bad_request("give exactly one of members_added or topic"),
    };
    answer(control(&st).post_teams_system_event(&req.user, &req.chat, event))
}

#[derive(Deserialize)]
struct CreateChatBody {
    user: String,
    members: Vec<String>,
    #[serde(default)]
    topic: Option<String>,
}

/// `POST /_sandbox/teams/chats {user, members: [emails], topic?}`.
pub(super) async fn create_chat(State(st): State<Arc<AppState>>, b: Bytes) -> Response {
    let req = body!(CreateChatBody, b);
    match control(&st).create_teams_chat(&req.user, &req.members, req.topic.as_deref()) {
        Ok((id, created)) => ok(json!({"chat_id": id, "created": created})),
        Err(e) => control_error(e),
    }
}

/// `GET /_sandbox/teams/sent?user=…`: what that user's apps sent through Graph.
pub(super) async fn sent(State(st): State<Arc<AppState>>, RawQuery(q): RawQuery) -> Response {
    let p = crate::util::parse_pairs(q.unwrap_or_default().as_bytes());
    let Some(user) = p.get("user") else {
        return bad_request("give user");
    };
    match control(&st).teams_sent(user) {
        Ok(list) => ok(json!({ "sent": list })),
        Err(e) => control_error(e),
    }
}

#[derive(Deserialize)]
struct RateBody {
    enabled: bool,
    #[serde(default)]
    reads_per_second: Option<u32>,
    #[serde(default)]
    sends_per_second: Option<u32>,
}

/// `POST /_sandbox/teams/rate-limit {enabled, reads_per_second?, sends_per_second?}`.
pub(super) async fn rate_limit(State(st): State<Arc<AppState>>, b: Bytes) -> Response {
    let req = body!(RateBody, b);
    control(&st).set_teams_rate_limit(req.enabled, req.reads_per_second, req.sends_per_second);
    ok(json!({}))
}

#[derive(Deserialize)]
struct ChannelBody {
    user: String,
    team: String,
    channel: String,
}

/// `POST /_sandbox/teams/expire-delta {user, team, channel}`: the channel's delta tokens answer 410 from now on.
pub(super) async fn expire_delta(State(st): State<Arc<AppState>>, b: Bytes) -> Response {
    let req = body!(ChannelBody, b);
    match control(&st).expire_channel_delta(&req.user, &req.team, &req.channel) {
        Ok(()) => ok(json!({})),
        Err(e) => control_error(e),
    }
}
