//! Teams and channels: `/me/joinedTeams`, `/teams/{id}`, a team's channels, a channel's posts (with
//! `$expand=replies`), one post or reply, a post's replies, hosted content, posting and replying, and a channel's
//! message delta — posts (without their replies) added or changed since a token, a post counting as changed when
//! a reply is added to it; a deleted post comes back with `deletedDateTime` set (Graph's channel delta has no
//! `@removed`).

use axum::http::StatusCode;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::{json, Value};

use super::chats::{hosted_reply, parse_new, store_new};
use super::data;
use super::json::{self as j, Place};
use super::model::{time_ms, Channel, Msg, Sent, Team};
use super::query::{self, Cursor, Pairs};
use super::{context, include_unknown, key, not_found, teams};
use crate::graph::{Caller, GraphRequest, Reply};
use crate::state::{AppState, Inner};

const DEFAULT_PAGE: usize = 20;

fn team_not_found(team: &str) -> Reply {
    not_found(&format!("No team found with Group Id {team}"))
}

/// The team, if the caller is a member.
#[allow(clippy::result_large_err)]
pub fn visible_team<'a>(inner: &'a Inner, caller: &Caller, team: &str) -> Result<&'a Team, Reply> {
    let t = inner.teams.team(team).ok_or_else(|| team_not_found(team))?;
    if !t.members.iter().any(|p| p.id == caller.user.id) {
        return Err(Reply::error(
            StatusCode::FORBIDDEN,
            "Forbidden",
            "Forbidden: the signed-in user is not a member of this team.",
        ));
    }
    Ok(t)
}

#[allow(clippy::result_large_err)]
pub fn visible_channel<'a>(
    inner: &'a Inner,
    caller: &Caller,
    team: &str,
    channel: &str,
) -> Result<(&'a Team, &'a Channel), Reply> {
    let t = visible_team(inner, caller, team)?;
    let c = t
        .channels
        .iter()
        .find(|c| c.id.eq_ignore_ascii_case(channel))
        .ok_or_else(|| {
            not_found(&format!(
                "Channel '{channel}' was not found in team {team}."
            ))
        })?;
    Ok((t, c))
}

/// `GET /me/joinedTeams`.
pub fn joined_teams(st: &AppState, caller: &Caller, _req: &GraphRequest) -> Reply {
    let inner = teams(st);
    let value: Vec<Value> = inner
        .teams
        .teams
        .iter()
        .filter(|t| t.members.iter().any(|p| p.id == caller.user.id))
        .map(j::team_brief)
        .collect();
    Reply::ok(json!({
        "@odata.context": context(st, "teams"),
        "@odata.count": value.len(),
        "value": value,
    }))
}

/// `GET /teams/{id}`.
pub fn team(st: &AppState, caller: &Caller, _req: &GraphRequest, team: &str) -> Reply {
    let inner = teams(st);
    match visible_team(&inner, caller, team) {
        Ok(t) => {
            let mut body = j::team(t);
            body["@odata.context"] = json!(context(st, "teams/$entity"));
            Reply::ok(body)
        }
        Err(r) => r,
    }
}

/// `GET /teams/{id}/channels` (no `$top`, as Graph).
pub fn channels(st: &AppState, caller: &Caller, req: &GraphRequest, team: &str) -> Reply {
    let q = Pairs::parse(req.query);
    if let Err(r) = query::not_allowed(&q, "$top", "Top") {
        return r;
    }
    let inner = teams(st);
    match visible_team(&inner, caller, team) {
        Ok(t) => Reply::ok(json!({
            "@odata.context": context(st, &format!("teams('{}')/channels", t.id)),
            "@odata.count": t.channels.len(),
            "value": t.channels.iter().map(|c| j::channel(t, c)).collect::<Vec<_>>(),
        })),
        Err(r) => r,
    }
}

/// `GET /teams/{id}/channels/{id}`.
pub fn channel(
    st: &AppState,
    caller: &Caller,
    _req: &GraphRequest,
    team: &str,
    channel: &str,
) -> Reply {
    let inner = teams(st);
    match visible_channel(&inner, caller, team, channel) {
        Ok((t, c)) => {
            let mut body = j::channel(t, c);
            body["@odata.context"] =
                json!(context(st, &format!("teams('{}')/channels/$entity", t.id)));
            Reply::ok(body)
        }
        Err(r) => r,
    }
}

fn place<'a>(t: &'a Team, c: &'a Channel) -> Place<'a> {
    Place::Channel {
        team: &t.id,
        channel: &c.id,
    }
}

fn messages_ctx(t: &Team, c: &Channel) -> String {
    format!("teams('{}')/channels('{}')/messages", t.id, key(&c.id))
}

/// The latest activity in a post's thread: its own last change or its last reply's.
fn activity(c: &Channel, post: &Msg) -> jiff::Timestamp {
    c.replies(&post.id)
        .map(|r| r.modified)
        .fold(post.modified, |a, b| a.max(b))
}

/// `$expand=replies`, the only expansion channel messages take.
#[allow(clippy::result_large_err)]
fn expand_replies(q: &Pairs) -> Result<bool, Reply> {
    match q.get("$expand") {
        None => Ok(false),
        Some(v) if v.trim().eq_ignore_ascii_case("replies") => Ok(true),
        Some(v) => Err(query::bad(&format!(
            "Parsing OData Select and Expand failed: Could not find a property named '{}' on type \
             'microsoft.graph.chatMessage'.",
            v.trim()
        ))),
    }
}

fn render_post(
    st: &AppState,
    t: &Team,
    c: &Channel,
    m: &Msg,
    replies: bool,
    unknown: bool,
) -> Value {
    let mut v = j::message(&st.base, m, place(t, c), unknown);
    if replies {
        let mut rs: Vec<&Msg> = c.replies(&m.id).collect();
        rs.sort_by(|a, b| (b.created, &b.id).cmp(&(a.created, &a.id)));
        v["replies@odata.context"] = json!(context(
            st,
            &format!("{}('{}')/replies", messages_ctx(t, c), m.id)
        ));
        v["replies"] = Value::Array(
            rs.iter()
                .map(|r| j::message(&st.base, r, place(t, c), unknown))
                .collect(),
        );
    }
    v
}

/// `GET /teams/{id}/channels/{id}/messages`: posts, latest activity first, `$top` ≤ 50, `$expand=replies`.
pub fn messages(
    st: &AppState,
    caller: &Caller,
    req: &GraphRequest,
    team: &str,
    channel: &str,
) -> Reply {
    let q = Pairs::parse(req.query);
    let result = (|| -> Result<Reply, Reply> {
        let top = query::top(&q, DEFAULT_PAGE)?;
        let replies = expand_replies(&q)?;
        let after = Cursor::from_query(&q)?;
        let inner = teams(st);
        let (t, c) = visible_channel(&inner, caller, team, channel)?;
        let unknown = include_unknown(req);
        let mut items: Vec<(i64, String, Value)> = c
            .posts()
            .map(|m| {
                (
                    activity(c, m).as_millisecond(),
                    m.id.clone(),
                    render_post(st, t, c, m, replies, unknown),
                )
            })
            .collect();
        items.sort_by(|a, b| (b.0, &b.1).cmp(&(a.0, &a.1)));
        let (value, next) = query::page(items, after.as_ref(), top);
        let mut body = json!({"@odata.context": context(st, &messages_ctx(t, c))});
        body["@odata.count"] = json!(value.len());
        body["value"] = Value::Array(value);
        if let Some(cursor) = next {
            body["@odata.nextLink"] = json!(query::next_link(&st.base, req.path, &q, &cursor));
        }
        Ok(Reply::ok(body))
    })();
    result.unwrap_or_else(|r| r)
}

/// `GET …/messages/{id}` or `…/messages/{id}/replies/{id}`.
pub fn message(
    st: &AppState,
    caller: &Caller,
    req: &GraphRequest,
    team: &str,
    channel: &str,
    post: &str,
    reply: Option<&str>,
) -> Reply {
    let inner = teams(st);
    let (t, c) = match visible_channel(&inner, caller, team, channel) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let found = match reply {
        None => c.posts().find(|m| m.id == post),
        Some(r) => c.replies(post).find(|m| m.id == r),
    };
    let Some(m) = found else {
        return not_found(&format!(
            "Message '{}' was not found.",
            reply.unwrap_or(post)
        ));
    };
    let mut body = j::message(&st.base, m, place(t, c), include_unknown(req));
    let ctx = match reply {
        None => format!("{}/$entity", messages_ctx(t, c)),
        Some(_) => format!("{}('{post}')/replies/$entity", messages_ctx(t, c)),
    };
    body["@odata.context"] = json!(context(st, &ctx));
    Reply::ok(body)
}

/// `GET …/messages/{id}/replies`: newest first, `$top` ≤ 50.
pub fn replies(
    st: &AppState,
    caller: &Caller,
    req: &GraphRequest,
    team: &str,
    channel: &str,
    post: &str,
) -> Reply {
    let q = Pairs::parse(req.query);
    let result = (|| -> Result<Reply, Reply> {
        let top = query::top(&q, DEFAULT_PAGE)?;
        let after = Cursor::from_query(&q)?;
        let inner = teams(st);
        let (t, c) = visible_channel(&inner, caller, team, channel)?;
        if !c.posts().any(|m| m.id == post) {
            return Err(not_found(&format!("Message '{post}' was not found.")));
        }
        let unknown = include_unknown(req);
        let mut items: Vec<(i64, String, Value)> = c
            .replies(post)
            .map(|m| {
                (
                    m.created.as_millisecond(),
                    m.id.clone(),
                    j::message(&st.base, m, place(t, c), unknown),
                )
            })
            .collect();
        items.sort_by(|a, b| (b.0, &b.1).cmp(&(a.0, &a.1)));
        let (value, next) = query::page(items, after.as_ref(), top);
        let mut body = json!({"@odata.context": context(st, &format!("{}('{post}')/replies", messages_ctx(t, c)))});
        body["@odata.count"] = json!(value.len());
        body["value"] = Value::Array(value);
        if let Some(cursor) = next {
            body["@odata.nextLink"] = json!(query::next_link(&st.base, req.path, &q, &cursor));
        }
        Ok(Reply::ok(body))
    })();
    result.unwrap_or_else(|r| r)
}

/// A post's or reply's hosted content.
pub fn hosted(
    st: &AppState,
    caller: &Caller,
    _req: &GraphRequest,
    (team, channel, post, reply): (&str, &str, &str, Option<&str>),
    hosted: Option<&str>,
    value: bool,
) -> Reply {
    let inner = teams(st);
    let (t, c) = match visible_channel(&inner, caller, team, channel) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let found = match reply {
        None => c.posts().find(|m| m.id == post),
        Some(r) => c.replies(post).find(|m| m.id == r),
    };
    let Some(m) = found else {
        return not_found(&format!(
            "Message '{}' was not found.",
            reply.unwrap_or(post)
        ));
    };
    let ctx = match reply {
        None => format!("{}('{post}')", messages_ctx(t, c)),
        Some(r) => format!("{}('{post}')/replies('{r}')", messages_ctx(t, c)),
    };
    hosted_reply(st, &ctx, m, hosted, value)
}

/// Add a post, or a reply to a post (which marks the post's thread changed, for delta).
pub fn add_to_channel(inner: &mut Inner, team: &str, channel: &str, m: Msg) -> Option<Msg> {
    let seq = m.seq;
    let c = inner
        .teams
        .team_mut(team)?
        .channels
        .iter_mut()
        .find(|c| c.id.eq_ignore_ascii_case(channel))?;
    if let Some(post) = m.reply_to.as_deref() {
        let p = c
            .messages
            .iter_mut()
            .find(|x| x.id == post && x.reply_to.is_none())?;
        p.seq = seq;
    }
    c.messages.push(m.clone());
    Some(m)
}

/// `POST /teams/{id}/channels/{id}/messages` and `…/messages/{id}/replies`.
pub fn post(
    st: &AppState,
    caller: &Caller,
    req: &GraphRequest,
    team: &str,
    channel: &str,
    reply_to: Option<&str>,
) -> Reply {
    let mut inner = teams(st);
    let (team_id, channel_id) = match visible_channel(&inner, caller, team, channel) {
        Ok((t, c)) => {
            if let Some(p) = reply_to {
                if !c.posts().any(|m| m.id == p) {
                    return not_found(&format!("Message '{p}' was not found."));
                }
            }
            (t.id.clone(), c.id.clone())
        }
        Err(r) => return r,
    };
    let new = match parse_new(&inner, req.body, &channel_id) {
        Ok(n) => n,
        Err(r) => return r,
    };
    let me = data::person(&caller.user);
    let (content_type, content) = (new.body_type.as_str(), new.content.clone());
    let path = format!("teams/{team_id}/channels/{channel_id}");
    let m = store_new(&mut inner.teams, new, &me, &path, reply_to);
    let Some(m) = add_to_channel(&mut inner, &team_id, &channel_id, m) else {
        return not_found("The channel was not found.");
    };
    inner
        .teams
        .sent
        .entry(caller.user.id.clone())
        .or_default()
        .push(Sent {
            kind: "channel",
            chat_id: None,
            team_id: Some(team_id.clone()),
            channel_id: Some(channel_id.clone()),
            reply_to: reply_to.map(str::to_string),
            message_id: m.id.clone(),
            content_type,
            content,
            created: time_ms(m.created),
        });
    let Some(t) = inner.teams.team(&team_id) else {
        return team_not_found(team);
    };
    let Some(c) = t.channels.iter().find(|c| c.id == channel_id) else {
        return not_found("The channel was not found.");
    };
    let mut body = j::message(&st.base, &m, place(t, c), include_unknown(req));
    let ctx = match reply_to {
        None => format!("{}/$entity", messages_ctx(t, c)),
        Some(p) => format!("{}('{p}')/replies/$entity", messages_ctx(t, c)),
    };
    body["@odata.context"] = json!(context(st, &ctx));
    Reply {
        status: StatusCode::CREATED,
        ..Reply::ok(body)
    }
}

/// A channel delta token (opaque to clients): this run, the round's range of changes `(from, to]`, how far the
/// round has come, its page size, its `lastModifiedDateTime gt` bound and `$expand=replies`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
struct Token {
    i: u32,
    f: u64,
    t: Option<u64>,
    o: usize,
    n: usize,
    m: Option<i64>,
    x: bool,
}

impl Token {
    fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).unwrap_or_default())
    }

    fn decode(text: &str) -> Option<Token> {
        let bytes = URL_SAFE_NO_PAD
            .decode(text.trim().trim_end_matches('='))
            .ok()?;
        serde_json::from_slice(&bytes).ok()
    }
}

/// `Prefer: odata.maxpagesize=N`.
fn max_page_size(req: &GraphRequest) -> Option<usize> {
    req.headers
        .get_all("prefer")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .find_map(|p| {
            let (k, v) = p.trim().split_once('=')?;
            k.trim()
                .eq_ignore_ascii_case("odata.maxpagesize")
                .then(|| v.trim().parse().ok())
                .flatten()
        })
}

/// `GET /teams/{id}/channels/{id}/messages/delta`.
pub fn delta(
    st: &AppState,
    caller: &Caller,
    req: &GraphRequest,
    team: &str,
    channel: &str,
) -> Reply {
    let q = Pairs::parse(req.query);
    let result = (|| -> Result<Reply, Reply> {
        let given = q
            .get("$deltatoken")
            .map(|t| (t, true))
            .or_else(|| q.get("$skiptoken").map(|t| (t, false)));
        let inner = teams(st);
        let (t, c) = visible_channel(&inner, caller, team, channel)?;
        let now_seq = inner.teams.seq;
        let token = match given {
            None => {
                let top = match (q.get("$top"), max_page_size(req)) {
                    (None, Some(p)) => p.clamp(1, query::MAX_TOP),
                    _ => query::top(&q, DEFAULT_PAGE)?.max(1),
                };
                let bound = match q.get("$filter") {
                    None => None,
                    Some(raw) => {
                        // "The only property that supports filtering is lastModifiedDateTime, and only the gt
                        // operator is supported."
                        let words: Vec<&str> = raw.split_whitespace().collect();
                        match words.as_slice() {
                            [p, op, v]
                                if p.eq_ignore_ascii_case("lastModifiedDateTime")
                                    && op.eq_ignore_ascii_case("gt") =>
                            {
                                let when = crate::graph::zones::parse_instant(v.trim_matches('\''))
                                    .ok_or_else(|| query::bad("Invalid filter clause"))?;
                                Some(when.as_millisecond())
                            }
                            _ => return Err(query::bad("Invalid filter clause")),
                        }
                    }
                };
                Token {
                    i: st.instance,
                    f: 0,
                    t: Some(now_seq),
                    o: 0,
                    n: top,
                    m: bound,
                    x: expand_replies(&q)?,
                }
            }
            Some((text, is_delta)) => {
                let Some(mut tok) = Token::decode(text) else {
                    return Err(query::bad("The delta token is not valid."));
                };
                if tok.i != st.instance || tok.t.unwrap_or(tok.f) < c.floor {
                    return Err(crate::graph::delta::gone());
                }
                if is_delta {
                    // A new round: what changed since the last one ended.
                    tok.t = Some(now_seq);
                    tok.o = 0;
                }
                tok
            }
        };
        let to = token.t.unwrap_or(now_seq);
        let mut changed: Vec<&Msg> = c
            .posts()
            .filter(|m| m.seq > token.f && m.seq <= to)
            .filter(|m| token.m.is_none_or(|b| activity(c, m).as_millisecond() > b))
            .collect();
        changed.sort_by_key(|m| (m.seq, m.id.clone()));
        let unknown = include_unknown(req);
        let value: Vec<Value> = changed
            .iter()
            .skip(token.o)
            .take(token.n)
            .map(|m| {
                let mut v = render_post(st, t, c, m, token.x, unknown);
                v["@odata.type"] = json!("#microsoft.graph.chatMessage");
                v
            })
            .collect();
        let base = format!("{}/graph/v1.0{}", st.base, req.path);
        let mut body = json!({"@odata.context": context(st, "Collection(chatMessage)")});
        if token.o + token.n < changed.len() {
            let next = Token {
                o: token.o + token.n,
                t: Some(to),
                ..token.clone()
            };
            body["@odata.nextLink"] = json!(format!("{base}?$skiptoken={}", next.encode()));
        } else {
            let done = Token {
                f: to,
                t: None,
                o: 0,
                ..token.clone()
            };
            body["@odata.deltaLink"] = json!(format!("{base}?$deltatoken={}", done.encode()));
        }
        body["value"] = Value::Array(value);
        Ok(Reply::ok(body))
    })();
    result.unwrap_or_else(|r| r)
}
