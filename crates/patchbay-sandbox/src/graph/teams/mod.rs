//! Microsoft Teams as Graph v1.0 serves it to a signed-in work account: chats (`/me/chats`, `/chats/{id}`, their
//! members and messages, hosted content, sending, creating a one-on-one or group chat) and teams
//! (`/me/joinedTeams`, `/teams/{id}`, channels, channel messages with their replies, a channel's message delta,
//! posting and replying).
//!
//! This module reads the path and checks, in Graph's order, who may ask: a personal Microsoft account is refused
//! outright (Teams is for work and school accounts), then the token's scopes (Teams' own 403 wording, naming the
//! scopes it would take), then Teams' own rate limit on message reads and sends when that lever is on. [`chats`]
//! and [`channels`] answer; [`model`] holds the world, [`data`] the demo content, [`json`] the shapes.

pub mod channels;
pub mod chats;
pub mod data;
pub mod json;
pub mod model;
pub mod query;
pub mod rate;

use axum::http::{Method, StatusCode};

use super::odata::percent_decode;
use super::{Caller, GraphRequest, Reply};
use crate::state::{AppState, StateGuard};

/// Which resource a Teams path names (IDs decoded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    Chats,
    Chat(String),
    Members(String),
    ChatMessages(String),
    ChatMessage(String, String),
    /// `…/messages/{id}/hostedContents[/{hid}[/$value]]`.
    ChatHosted(String, String, Option<String>, bool),
    JoinedTeams,
    Team(String),
    Channels(String),
    Channel(String, String),
    ChannelMessages(String, String),
    Delta(String, String),
    /// A post (`reply` `None`) or a reply.
    ChannelMessage(String, String, String, Option<String>),
    Replies(String, String, String),
    /// A channel post's or reply's hosted content: team, channel, post, reply, hosted ID, `$value`.
    ChannelHosted(String, String, String, Option<String>, Option<String>, bool),
}

fn segment_not_found(segment: &str) -> Reply {
    Reply::bad_request(
        "BadRequest",
        &format!("Resource not found for the segment '{segment}'."),
    )
}

/// `…/hostedContents[/{id}[/$value]]` after a message.
#[allow(clippy::result_large_err)]
fn hosted_tail(rest: &[(String, String)]) -> Result<(Option<String>, bool), Reply> {
    match rest {
        [] => Ok((None, false)),
        [(id, _)] => Ok((Some(id.clone()), false)),
        [(id, _), (_, v)] if v == "$value" => Ok((Some(id.clone()), true)),
        [_, (raw, _), ..] => Err(segment_not_found(raw)),
    }
}

/// The Teams paths this module answers (`None`: not a Teams path).
#[allow(clippy::result_large_err)]
pub fn parse(raw_path: &str) -> Option<Result<Route, Reply>> {
    // (decoded, lower-case) per segment.
    let segments: Vec<(String, String)> = raw_path
        .trim_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| {
            let d = percent_decode(s);
            let l = d.to_ascii_lowercase();
            (d, l)
        })
        .collect();
    let lower: Vec<&str> = segments.iter().map(|(_, l)| l.as_str()).collect();
    let id = |i: usize| segments[i].0.clone();
    let chat_rest = |start: usize, chat: String| -> Result<Route, Reply> {
        let rest = &segments[start..];
        let names: Vec<&str> = rest.iter().map(|(_, l)| l.as_str()).collect();
        match names.as_slice() {
            [] => Ok(Route::Chat(chat)),
            ["members"] => Ok(Route::Members(chat)),
            ["messages"] => Ok(Route::ChatMessages(chat)),
            ["messages", _] => Ok(Route::ChatMessage(chat, rest[1].0.clone())),
            ["messages", _, "hostedcontents", ..] => {
                let (hosted, value) = hosted_tail(&rest[3..])?;
                Ok(Route::ChatHosted(chat, rest[1].0.clone(), hosted, value))
            }
            _ => Err(segment_not_found(
                &rest.last().map(|(d, _)| d.clone()).unwrap_or_default(),
            )),
        }
    };
    let result = match lower.as_slice() {
        ["me", "chats"] | ["chats"] => Ok(Route::Chats),
        ["me", "chats", _, ..] => chat_rest(3, id(2)),
        ["chats", _, ..] => chat_rest(2, id(1)),
        ["me", "joinedteams"] => Ok(Route::JoinedTeams),
        ["teams", _] => Ok(Route::Team(id(1))),
        ["teams", _, "channels"] => Ok(Route::Channels(id(1))),
        ["teams", _, "channels", _] => Ok(Route::Channel(id(1), id(3))),
        ["teams", _, "channels", _, "messages"] => Ok(Route::ChannelMessages(id(1), id(3))),
        ["teams", _, "channels", _, "messages", "delta"]
        | ["teams", _, "channels", _, "messages", "microsoft.graph.delta()"]
        | ["teams", _, "channels", _, "messages", "delta()"] => Ok(Route::Delta(id(1), id(3))),
        ["teams", _, "channels", _, "messages", _] => {
            Ok(Route::ChannelMessage(id(1), id(3), id(5), None))
        }
        ["teams", _, "channels", _, "messages", _, "replies"] => {
            Ok(Route::Replies(id(1), id(3), id(5)))
        }
        ["teams", _, "channels", _, "messages", _, "replies", _] => {
            Ok(Route::ChannelMessage(id(1), id(3), id(5), Some(id(7))))
        }
        ["teams", _, "channels", _, "messages", _, "hostedcontents", ..] => {
            hosted_tail(&segments[7..])
                .map(|(h, v)| Route::ChannelHosted(id(1), id(3), id(5), None, h, v))
        }
        ["teams", _, "channels", _, "messages", _, "replies", _, "hostedcontents", ..] => {
            hosted_tail(&segments[9..])
                .map(|(h, v)| Route::ChannelHosted(id(1), id(3), id(5), Some(id(7)), h, v))
        }
        ["teams", _, ..] => Err(segment_not_found(
            &segments.last().map(|(d, _)| d.clone()).unwrap_or_default(),
        )),
        _ => return None,
    };
    Some(result)
}

/// Scopes each operation accepts (Graph's "least privileged or higher", delegated, work or school accounts).
pub mod scopes {
    pub const CHATS_READ: &[&str] = &["Chat.ReadBasic", "Chat.Read", "Chat.ReadWrite"];
    pub const CHAT_MESSAGES_LIST: &[&str] = &["Chat.Read", "Chat.ReadWrite"];
    pub const CHAT_MESSAGE_GET: &[&str] = &["ChatMessage.Read", "Chat.Read", "Chat.ReadWrite"];
    pub const CHAT_MESSAGE_SEND: &[&str] = &["ChatMessage.Send", "Chat.ReadWrite"];
    pub const CHAT_CREATE: &[&str] = &["Chat.Create", "Chat.ReadWrite"];
    pub const JOINED_TEAMS: &[&str] = &["Team.ReadBasic.All", "User.Read.All"];
    pub const TEAM_READ: &[&str] = &["Team.ReadBasic.All"];
    pub const CHANNELS_READ: &[&str] = &["Channel.ReadBasic.All"];
    pub const CHANNEL_MESSAGES_READ: &[&str] = &["ChannelMessage.Read.All"];
    pub const CHANNEL_MESSAGE_SEND: &[&str] = &["ChannelMessage.Send"];
}

/// Teams' 403 for a token without the scope an operation takes, in its words.
pub fn missing_scope(caller: &Caller, accepted: &[&str]) -> Reply {
    let on_request: Vec<&str> = caller
        .scopes
        .iter()
        .map(String::as_str)
        .filter(|s| !s.eq_ignore_ascii_case("offline_access"))
        .collect();
    Reply::error(
        StatusCode::FORBIDDEN,
        "Forbidden",
        &format!(
            "Missing scope permissions on the request. API requires one of '{}'. Scopes on the request '{}'",
            accepted.join(", "),
            on_request.join(", ")
        ),
    )
}

#[allow(clippy::result_large_err)]
pub fn require(caller: &Caller, accepted: &[&str]) -> Result<(), Reply> {
    if caller.has_any(accepted) {
        Ok(())
    } else {
        Err(missing_scope(caller, accepted))
    }
}

/// What Graph answers a personal Microsoft account on every Teams API: a 403 with no error code.
pub fn personal_refused() -> Reply {
    Reply::error(
        StatusCode::FORBIDDEN,
        "",
        "No authorization information present on the request.",
    )
}

pub fn not_found(message: &str) -> Reply {
    Reply::error(StatusCode::NOT_FOUND, "NotFound", message)
}

fn method_not_allowed(method: &Method) -> Reply {
    Reply::error(
        StatusCode::METHOD_NOT_ALLOWED,
        "BadRequest",
        &format!("The HTTP method '{method}' is not allowed on this resource in the sandbox."),
    )
}

/// The state, with the Teams world laid out.
pub fn teams(st: &AppState) -> StateGuard<'_> {
    let mut inner = st.lock();
    let users = inner.users.clone();
    inner.teams.ensure(&users, st.anchor);
    inner
}

/// Spend one request of the caller's Teams budget (when the lever is on).
#[allow(clippy::result_large_err)]
fn spend(st: &AppState, caller: &Caller, kind: rate::Kind) -> Result<(), Reply> {
    st.lock()
        .teams
        .rate
        .check(&caller.user.id, &caller.client_id, kind)
}

/// Answer a Teams request: `None` when the path is not one.
pub fn dispatch(
    st: &AppState,
    caller: &Caller,
    method: &Method,
    req: &GraphRequest,
) -> Option<Reply> {
    let route = match parse(req.path)? {
        Ok(route) => route,
        Err(reply) => return Some(reply),
    };
    if caller.user.personal {
        return Some(personal_refused());
    }
    Some(answer(st, caller, method, req, route).unwrap_or_else(|reply| reply))
}

fn answer(
    st: &AppState,
    caller: &Caller,
    method: &Method,
    req: &GraphRequest,
    route: Route,
) -> Result<Reply, Reply> {
    use scopes::*;
    let get = method == Method::GET || method == Method::HEAD;
    let post = method == Method::POST;
    match route {
        Route::Chats if post => {
            require(caller, CHAT_CREATE)?;
            Ok(chats::create(st, caller, req))
        }
        Route::ChatMessages(chat) if post => {
            require(caller, CHAT_MESSAGE_SEND)?;
            spend(st, caller, rate::Kind::Send)?;
            Ok(chats::send(st, caller, req, &chat))
        }
        Route::ChannelMessages(team, channel) if post => {
            require(caller, CHANNEL_MESSAGE_SEND)?;
            spend(st, caller, rate::Kind::Send)?;
            Ok(channels::post(st, caller, req, &team, &channel, None))
        }
        Route::Replies(team, channel, post_id) if post => {
            require(caller, CHANNEL_MESSAGE_SEND)?;
            spend(st, caller, rate::Kind::Send)?;
            Ok(channels::post(
                st,
                caller,
                req,
                &team,
                &channel,
                Some(&post_id),
            ))
        }
        _ if !get => Err(method_not_allowed(method)),
        Route::Chats => {
            require(caller, CHATS_READ)?;
            Ok(chats::list(st, caller, req))
        }
        Route::Chat(chat) => {
            require(caller, CHATS_READ)?;
            Ok(chats::get(st, caller, req, &chat))
        }
        Route::Members(chat) => {
            require(caller, CHATS_READ)?;
            Ok(chats::members(st, caller, req, &chat))
        }
        Route::ChatMessages(chat) => {
            require(caller, CHAT_MESSAGES_LIST)?;
            spend(st, caller, rate::Kind::Read)?;
            Ok(chats::messages(st, caller, req, &chat))
        }
        Route::ChatMessage(chat, id) => {
            require(caller, CHAT_MESSAGE_GET)?;
            spend(st, caller, rate::Kind::Read)?;
            Ok(chats::message(st, caller, req, &chat, &id))
        }
        Route::ChatHosted(chat, id, hosted, value) => {
            require(caller, CHAT_MESSAGE_GET)?;
            spend(st, caller, rate::Kind::Read)?;
            Ok(chats::hosted(
                st,
                caller,
                req,
                &chat,
                &id,
                hosted.as_deref(),
                value,
            ))
        }
        Route::JoinedTeams => {
            require(caller, JOINED_TEAMS)?;
            Ok(channels::joined_teams(st, caller, req))
        }
        Route::Team(team) => {
            require(caller, TEAM_READ)?;
            Ok(channels::team(st, caller, req, &team))
        }
        Route::Channels(team) => {
            require(caller, CHANNELS_READ)?;
            Ok(channels::channels(st, caller, req, &team))
        }
        Route::Channel(team, channel) => {
            require(caller, CHANNELS_READ)?;
            Ok(channels::channel(st, caller, req, &team, &channel))
        }
        Route::ChannelMessages(team, channel) => {
            require(caller, CHANNEL_MESSAGES_READ)?;
            spend(st, caller, rate::Kind::Read)?;
            Ok(channels::messages(st, caller, req, &team, &channel))
        }
        Route::Delta(team, channel) => {
            require(caller, CHANNEL_MESSAGES_READ)?;
            spend(st, caller, rate::Kind::Read)?;
            Ok(channels::delta(st, caller, req, &team, &channel))
        }
        Route::ChannelMessage(team, channel, post_id, reply) => {
            require(caller, CHANNEL_MESSAGES_READ)?;
            spend(st, caller, rate::Kind::Read)?;
            Ok(channels::message(
                st,
                caller,
                req,
                &team,
                &channel,
                &post_id,
                reply.as_deref(),
            ))
        }
        Route::Replies(team, channel, post_id) => {
            require(caller, CHANNEL_MESSAGES_READ)?;
            spend(st, caller, rate::Kind::Read)?;
            Ok(channels::replies(
                st, caller, req, &team, &channel, &post_id,
            ))
        }
        Route::ChannelHosted(team, channel, post_id, reply, hosted, value) => {
            require(caller, CHANNEL_MESSAGES_READ)?;
            spend(st, caller, rate::Kind::Read)?;
            Ok(channels::hosted(
                st,
                caller,
                req,
                (&team, &channel, &post_id, reply.as_deref()),
                hosted.as_deref(),
                value,
            ))
        }
    }
}

/// The `@odata.context` base.
pub fn context(st: &AppState, rest: &str) -> String {
    format!("{}/graph/v1.0/$metadata#{rest}", st.base)
}

/// An ID as a context URL writes it inside `('…')`.
pub fn key(id: &str) -> String {
    crate::graph::odata::percent_encode(id)
}

/// Whether the request asked for enum members added after `unknownFutureValue` (`systemEventMessage`).
pub fn include_unknown(req: &GraphRequest) -> bool {
    req.headers
        .get_all("prefer")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|p| {
            p.trim()
                .eq_ignore_ascii_case("include-unknown-enum-members")
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(p: &str) -> Route {
        match parse(p) {
            Some(Ok(r)) => r,
            Some(Err(e)) => panic!("{p}: {}", e.body),
            None => panic!("{p}: not a Teams path"),
        }
    }

    #[test]
    fn paths() {
        assert_eq!(route("/me/chats"), Route::Chats);
        assert_eq!(
            route("/chats/19%3Aabc%40thread.v2/messages"),
            Route::ChatMessages("19:abc@thread.v2".into())
        );
        assert_eq!(
            route("/me/chats/19:abc@thread.v2/messages/1616964509832/hostedContents/aWQ/$value"),
            Route::ChatHosted(
                "19:abc@thread.v2".into(),
                "1616964509832".into(),
                Some("aWQ".into()),
                true
            )
        );
        assert_eq!(route("/me/joinedTeams"), Route::JoinedTeams);
        assert_eq!(
            route("/teams/t/channels/c/messages/delta"),
            Route::Delta("t".into(), "c".into())
        );
        assert_eq!(
            route("/teams/t/channels/c/messages/1/replies/2"),
            Route::ChannelMessage("t".into(), "c".into(), "1".into(), Some("2".into()))
        );
        assert!(parse("/me/messages").is_none());
        assert!(matches!(parse("/teams/t/nope"), Some(Err(_))));
    }
}
