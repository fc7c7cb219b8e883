//! The Teams levers: messages posted into a chat or a channel as someone (optionally @mentioning the viewer),
//! edited, deleted, system events (members added, topic changed), chats created, what apps sent through Graph
//! (to check a sent text arrived as that text), Teams' rate limit on message reads and sends, and a channel's
//! delta tokens expiring.
//!
//! Chats, teams and channels are named as the viewer (`user`) sees them: a chat by its ID, its topic ("Spring
//! launch") or, for a one-on-one chat, the other member's email; a team by its ID or name ("Contoso Team"); a
//! channel by its ID or name ("General").

use serde::Serialize;

use super::{ControlError, SandboxControl};
use crate::graph::teams::channels::add_to_channel;
use crate::graph::teams::chats::{add_to_chat, create_chat};
use crate::graph::teams::data::{self, delete_in_place};
use crate::graph::teams::model::{time_ms, BodyType, ChatType, Event, Mention, Msg, Person, Teams};
use crate::graph::teams::rate::Limits;
use crate::graph::teams::teams;
use crate::state::Inner;

pub use crate::graph::teams::model::Sent as TeamsSent;

/// A message's body, for the levers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TeamsBody {
    /// Stored and shown as text (`contentType: text`).
    Text(String),
    /// Stored as given (`contentType: html`).
    Html(String),
}

/// Where a message is: a chat, or a team's channel (each as the viewer names it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TeamsPlace {
    Chat(String),
    Channel { team: String, channel: String },
}

/// A system event for [`SandboxControl::post_teams_system_event`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TeamsEvent {
    /// `by` adds these users (emails) to the chat: `membersAddedEventMessageDetail`.
    MembersAdded { by: String, members: Vec<String> },
    /// `by` renames the chat: `chatRenamedEventMessageDetail`.
    TopicChanged { by: String, topic: String },
}

/// A message a lever made or changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TeamsMessage {
    pub id: String,
    pub chat_id: Option<String>,
    pub team_id: Option<String>,
    pub channel_id: Option<String>,
    pub reply_to: Option<String>,
    pub created: String,
    pub last_modified: String,
}

fn invalid(message: impl Into<String>) -> ControlError {
    ControlError::Invalid(message.into())
}

fn work_person(inner: &Inner, email: &str) -> Result<Person, ControlError> {
    let user = inner
        .user_by_email(email)
        .ok_or_else(|| ControlError::UnknownUser(email.to_string()))?;
    if user.personal {
        return Err(invalid(format!(
            "{email} is a personal Microsoft account, which has no Teams"
        )));
    }
    Ok(data::person(user))
}

/// A chat of `viewer`'s: by ID, topic, or (one-on-one) the other member's email.
fn chat_id(t: &Teams, viewer: &Person, chat: &str) -> Result<String, ControlError> {
    let chat = chat.trim();
    let mine = t.chats.iter().filter(|c| c.has_member(&viewer.id));
    let found = mine
        .clone()
        .find(|c| c.id.eq_ignore_ascii_case(chat))
        .or_else(|| {
            mine.clone().find(|c| {
                c.topic
                    .as_deref()
                    .is_some_and(|x| x.eq_ignore_ascii_case(chat))
            })
        })
        .or_else(|| {
            mine.clone().find(|c| {
                c.chat_type == ChatType::OneOnOne
                    && c.members.iter().any(|m| {
                        m.person.id != viewer.id && m.person.email.eq_ignore_ascii_case(chat)
                    })
            })
        });
    found
        .map(|c| c.id.clone())
        .ok_or_else(|| invalid(format!("{} has no chat '{chat}'", viewer.email)))
}

/// A team and channel of `viewer`'s, by ID or name: their IDs.
fn channel_ids(
    t: &Teams,
    viewer: &Person,
    team: &str,
    channel: &str,
) -> Result<(String, String), ControlError> {
    let tm = t
        .teams
        .iter()
        .filter(|x| x.members.iter().any(|p| p.id == viewer.id))
        .find(|x| {
            x.id.eq_ignore_ascii_case(team.trim()) || x.name.eq_ignore_ascii_case(team.trim())
        })
        .ok_or_else(|| invalid(format!("{} is in no team '{team}'", viewer.email)))?;
    let ch = tm
        .channels
        .iter()
        .find(|c| {
            c.id.eq_ignore_ascii_case(channel.trim()) || c.name.eq_ignore_ascii_case(channel.trim())
        })
        .ok_or_else(|| invalid(format!("the team '{}' has no channel '{channel}'", tm.name)))?;
    Ok((tm.id.clone(), ch.id.clone()))
}

/// The body as stored, with an @mention of `me` in front when asked.
fn body_of(body: TeamsBody, mention: Option<&Person>) -> (BodyType, String, Vec<Mention>) {
    let (kind, content) = match body {
        TeamsBody::Text(t) => (BodyType::Text, t),
        TeamsBody::Html(h) => (BodyType::Html, h),
    };
    match mention {
        None => (kind, content, Vec::new()),
        Some(me) => {
            let rest = match kind {
                BodyType::Text => crate::util::escape_html(&content),
                BodyType::Html => content,
            };
            (
                BodyType::Html,
                format!(
                    "<p><at id=\"0\">{}</at> {rest}</p>",
                    crate::util::escape_html(&me.name)
                ),
                vec![Mention {
                    id: 0,
                    text: me.name.clone(),
                    user: me.clone(),
                }],
            )
        }
    }
}

fn new_msg(
    t: &mut Teams,
    from: Option<Person>,
    (body_type, content, mentions): (BodyType, String, Vec<Mention>),
    event: Option<Event>,
    reply_to: Option<&str>,
) -> Msg {
    let (id, created) = t.message_id(jiff::Timestamp::now());
    let seq = t.next_seq();
    Msg {
        id,
        created,
        modified: created,
        edited: None,
        deleted: None,
        from,
        event,
        body_type,
        content,
        subject: None,
        importance: "normal",
        mentions,
        hosted: Vec::new(),
        reply_to: reply_to.map(str::to_string),
        seq,
    }
}

fn described(m: &Msg, place: (Option<&str>, Option<&str>, Option<&str>)) -> TeamsMessage {
    TeamsMessage {
        id: m.id.clone(),
        chat_id: place.0.map(str::to_string),
        team_id: place.1.map(str::to_string),
        channel_id: place.2.map(str::to_string),
        reply_to: m.reply_to.clone(),
        created: time_ms(m.created),
        last_modified: time_ms(m.modified),
    }
}

impl SandboxControl {
    /// `from` (a member) posts into `chat` as `viewer` sees it; `mentions_me` @mentions the viewer.
    pub fn post_chat_message(
        &self,
        viewer: &str,
        chat: &str,
        from: &str,
        body: TeamsBody,
        mentions_me: bool,
    ) -> Result<TeamsMessage, ControlError> {
        let mut inner = teams(&self.state);
        let me = work_person(&inner, viewer)?;
        let sender = work_person(&inner, from)?;
        let id = chat_id(&inner.teams, &me, chat)?;
        if !inner
            .teams
            .chat(&id)
            .is_some_and(|c| c.has_member(&sender.id))
        {
            return Err(invalid(format!("{from} is not a member of that chat")));
        }
        let m = new_msg(
            &mut inner.teams,
            Some(sender),
            body_of(body, mentions_me.then_some(&me)),
            None,
            None,
        );
        let m = add_to_chat(&mut inner.teams, &id, m).ok_or_else(|| invalid("lost"))?;
        Ok(described(&m, (Some(&id), None, None)))
    }

    /// `from` (a team member) posts into a channel, or replies to post `reply_to`.
    #[allow(clippy::too_many_arguments)]
    pub fn post_channel_message(
        &self,
        viewer: &str,
        team: &str,
        channel: &str,
        from: &str,
        body: TeamsBody,
        mentions_me: bool,
        reply_to: Option<&str>,
    ) -> Result<TeamsMessage, ControlError> {
        let mut inner = teams(&self.state);
        let me = work_person(&inner, viewer)?;
        let sender = work_person(&inner, from)?;
        let (team_id, channel_id) = channel_ids(&inner.teams, &me, team, channel)?;
        if !inner
            .teams
            .team(&team_id)
            .is_some_and(|t| t.members.iter().any(|p| p.id == sender.id))
        {
            return Err(invalid(format!("{from} is not a member of that team")));
        }
        let m = new_msg(
            &mut inner.teams,
            Some(sender),
            body_of(body, mentions_me.then_some(&me)),
            None,
            reply_to,
        );
        let m = add_to_channel(&mut inner, &team_id, &channel_id, m)
            .ok_or_else(|| invalid("there is no such post to reply to"))?;
        Ok(described(&m, (None, Some(&team_id), Some(&channel_id))))
    }

    fn with_message(
        &self,
        viewer: &str,
        place: &TeamsPlace,
        message: &str,
        change: impl FnOnce(&mut Msg, jiff::Timestamp, u64),
    ) -> Result<TeamsMessage, ControlError> {
        let mut inner = teams(&self.state);
        let me = work_person(&inner, viewer)?;
        let now = jiff::Timestamp::now();
        let seq = inner.teams.next_seq();
        match place {
            TeamsPlace::Chat(chat) => {
                let id = chat_id(&inner.teams, &me, chat)?;
                let c = inner.teams.chat_mut(&id).ok_or_else(|| invalid("lost"))?;
                let m = c
                    .messages
                    .iter_mut()
                    .find(|m| m.id == message)
                    .ok_or_else(|| invalid(format!("the chat has no message '{message}'")))?;
                let when = now.max(m.modified + jiff::SignedDuration::from_millis(1));
                change(m, when, seq);
                let out = described(m, (Some(&id), None, None));
                c.updated = c.updated.max(when);
                Ok(out)
            }
            TeamsPlace::Channel { team, channel } => {
                let (team_id, channel_id) = channel_ids(&inner.teams, &me, team, channel)?;
                let c = inner
                    .teams
                    .team_mut(&team_id)
                    .and_then(|t| t.channels.iter_mut().find(|c| c.id == channel_id))
                    .ok_or_else(|| invalid("lost"))?;
                let m = c
                    .messages
                    .iter_mut()
                    .find(|m| m.id == message)
                    .ok_or_else(|| invalid(format!("the channel has no message '{message}'")))?;
                let when = now.max(m.modified + jiff::SignedDuration::from_millis(1));
                change(m, when, seq);
                let out = described(m, (None, Some(&team_id), Some(&channel_id)));
                if let Some(post) = out.reply_to.clone() {
                    if let Some(p) = c.messages.iter_mut().find(|x| x.id == post) {
                        p.seq = seq;
                    }
                }
                Ok(out)
            }
        }
    }

    /// Edit a message (new body; `lastEditedDateTime` and `lastModifiedDateTime` now).
    pub fn edit_teams_message(
        &self,
        viewer: &str,
        place: &TeamsPlace,
        message: &str,
        body: TeamsBody,
    ) -> Result<TeamsMessage, ControlError> {
        let (kind, content, _) = body_of(body, None);
        self.with_message(viewer, place, message, |m, when, seq| {
            m.body_type = kind;
            m.content = content;
            m.edited = Some(when);
            m.modified = when;
            m.seq = seq;
        })
    }

    /// Delete a message as Teams does: it stays, with `deletedDateTime` and an emptied body.
    pub fn delete_teams_message(
        &self,
        viewer: &str,
        place: &TeamsPlace,
        message: &str,
    ) -> Result<TeamsMessage, ControlError> {
        self.with_message(viewer, place, message, |m, when, seq| {
            delete_in_place(m, when, seq)
        })
    }

    /// A system event in a chat (members added — who become members — or the topic changed).
    pub fn post_teams_system_event(
        &self,
        viewer: &str,
        chat: &str,
        event: TeamsEvent,
    ) -> Result<TeamsMessage, ControlError> {
        let mut inner = teams(&self.state);
        let me = work_person(&inner, viewer)?;
        let id = chat_id(&inner.teams, &me, chat)?;
        let event = match event {
            TeamsEvent::MembersAdded { by, members } => {
                let initiator = work_person(&inner, &by)?;
                let added = members
                    .iter()
                    .map(|e| work_person(&inner, e))
                    .collect::<Result<Vec<_>, _>>()?;
                if added.is_empty() {
                    return Err(invalid("name at least one member to add"));
                }
                let c = inner.teams.chat_mut(&id).ok_or_else(|| invalid("lost"))?;
                if c.chat_type == ChatType::OneOnOne {
                    return Err(invalid("a one-on-one chat takes no more members"));
                }
                for p in &added {
                    if !c.has_member(&p.id) {
                        c.members.push(data::member(&id, p));
                    }
                }
                Event::MembersAdded {
                    initiator,
                    members: added,
                }
            }
            TeamsEvent::TopicChanged { by, topic } => {
                let initiator = work_person(&inner, &by)?;
                let c = inner.teams.chat_mut(&id).ok_or_else(|| invalid("lost"))?;
                if c.chat_type == ChatType::OneOnOne {
                    return Err(invalid("a one-on-one chat has no topic"));
                }
                c.topic = Some(topic.clone());
                Event::ChatRenamed { initiator, topic }
            }
        };
        let m = new_msg(
            &mut inner.teams,
            None,
            (BodyType::Html, "<systemEventMessage/>".into(), Vec::new()),
            Some(event),
            None,
        );
        let m = add_to_chat(&mut inner.teams, &id, m).ok_or_else(|| invalid("lost"))?;
        Ok(described(&m, (Some(&id), None, None)))
    }

    /// `creator` starts a chat with `with` (emails): one-on-one for one other person (the existing one if there
    /// is one), else a group chat (with `topic`). The chat's ID, and whether it is new.
    pub fn create_teams_chat(
        &self,
        creator: &str,
        with: &[String],
        topic: Option<&str>,
    ) -> Result<(String, bool), ControlError> {
        let mut inner = teams(&self.state);
        let me = work_person(&inner, creator)?;
        let mut people = vec![me.clone()];
        for e in with {
            people.push(work_person(&inner, e)?);
        }
        let kind = if people.len() == 2 && topic.is_none() {
            ChatType::OneOnOne
        } else {
            ChatType::Group
        };
        create_chat(&mut inner.teams, &me, kind, topic, people).map_err(|r| {
            invalid(
                r.body["error"]["message"]
                    .as_str()
                    .unwrap_or("the chat could not be made")
                    .to_string(),
            )
        })
    }

    /// A chat's ID as `viewer` names it (ID, topic, or the other member's email).
    pub fn teams_chat_id(&self, viewer: &str, chat: &str) -> Result<String, ControlError> {
        let inner = teams(&self.state);
        let me = work_person(&inner, viewer)?;
        chat_id(&inner.teams, &me, chat)
    }

    /// A team's and a channel's IDs as `viewer` names them.
    pub fn teams_channel_ids(
        &self,
        viewer: &str,
        team: &str,
        channel: &str,
    ) -> Result<(String, String), ControlError> {
        let inner = teams(&self.state);
        let me = work_person(&inner, viewer)?;
        channel_ids(&inner.teams, &me, team, channel)
    }

    /// What `email` sent through Graph (chat and channel messages, in order), bodies exactly as they arrived.
    pub fn teams_sent(&self, email: &str) -> Result<Vec<TeamsSent>, ControlError> {
        let inner = teams(&self.state);
        let user = inner
            .user_by_email(email)
            .ok_or_else(|| ControlError::UnknownUser(email.to_string()))?;
        Ok(inner.teams.sent.get(&user.id).cloned().unwrap_or_default())
    }

    /// Teams' own throttling of message reads (GET of chat and channel messages) and sends (POST), per user and
    /// app: over `reads_per_second` or `sends_per_second` in any second, a request is answered 429 with
    /// `Retry-After`. Off by default (Microsoft's older figures, 3 and 2, are the defaults when turned on).
    pub fn set_teams_rate_limit(
        &self,
        enabled: bool,
        reads_per_second: Option<u32>,
        sends_per_second: Option<u32>,
    ) {
        let defaults = Limits::default();
        self.state.lock().teams.rate.set(Limits {
            enabled,
            reads_per_second: reads_per_second.unwrap_or(defaults.reads_per_second),
            sends_per_second: sends_per_second.unwrap_or(defaults.sends_per_second),
        });
    }

    /// Every delta token of the channel issued so far is answered 410 from now on.
    pub fn expire_channel_delta(
        &self,
        viewer: &str,
        team: &str,
        channel: &str,
    ) -> Result<(), ControlError> {
        let mut inner = teams(&self.state);
        let me = work_person(&inner, viewer)?;
        let (team_id, channel_id) = channel_ids(&inner.teams, &me, team, channel)?;
        let seq = inner.teams.next_seq();
        if let Some(c) = inner
            .teams
            .team_mut(&team_id)
            .and_then(|t| t.channels.iter_mut().find(|c| c.id == channel_id))
        {
            c.floor = seq;
        }
        Ok(())
    }
}
