//! The Teams world as the sandbox keeps it: the tenant's teams with their channels, the chats with their
//! members, and every message (a channel's replies beside its posts), each stamped with the sequence number of its
//! last change so a channel's delta can say what changed since a token.

use jiff::Timestamp;

/// Who a message, a mention or an event names: a user of the tenant, by object ID and display name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub id: String,
    pub name: String,
    pub email: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyType {
    Text,
    Html,
}

impl BodyType {
    pub fn as_str(self) -> &'static str {
        match self {
            BodyType::Text => "text",
            BodyType::Html => "html",
        }
    }
}

/// `<at id="0">Adele Vance</at>` in an HTML body, and the user it stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mention {
    pub id: i32,
    pub text: String,
    pub user: Person,
}

/// An image stored with a message (`hostedContents/{id}/$value`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hosted {
    pub id: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// What a system event message records (its `eventDetail`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    MembersAdded {
        initiator: Person,
        members: Vec<Person>,
    },
    ChatRenamed {
        initiator: Person,
        topic: String,
    },
    ChannelAdded {
        initiator: Person,
        channel_id: String,
        channel_name: String,
    },
}

/// A chat message or a channel message (a post or a reply).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Msg {
    /// Milliseconds since the Unix epoch at creation, as Teams writes message IDs.
    pub id: String,
    pub created: Timestamp,
    pub modified: Timestamp,
    pub edited: Option<Timestamp>,
    pub deleted: Option<Timestamp>,
    /// `None` for a system event.
    pub from: Option<Person>,
    pub event: Option<Event>,
    pub body_type: BodyType,
    pub content: String,
    pub subject: Option<String>,
    pub importance: &'static str,
    pub mentions: Vec<Mention>,
    pub hosted: Vec<Hosted>,
    /// A channel reply's post.
    pub reply_to: Option<String>,
    /// The sequence number of its last change (creation, edit, deletion, or for a post, a reply's).
    pub seq: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChatType {
    OneOnOne,
    Group,
    Meeting,
}

impl ChatType {
    pub fn as_str(self) -> &'static str {
        match self {
            ChatType::OneOnOne => "oneOnOne",
            ChatType::Group => "group",
            ChatType::Meeting => "meeting",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub person: Person,
    /// Opaque, as Graph's are.
    pub id: String,
    pub roles: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Meeting {
    pub calendar_event_id: String,
    pub join_url: String,
    pub organizer: Person,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chat {
    pub id: String,
    pub chat_type: ChatType,
    pub topic: Option<String>,
    pub created: Timestamp,
    pub updated: Timestamp,
    pub members: Vec<Member>,
    pub meeting: Option<Meeting>,
    pub messages: Vec<Msg>,
}

impl Chat {
    pub fn has_member(&self, user_id: &str) -> bool {
        self.members.iter().any(|m| m.person.id == user_id)
    }

    /// The last message (by creation), deleted or not: the chat's `lastMessagePreview`.
    pub fn last_message(&self) -> Option<&Msg> {
        self.messages
            .iter()
            .max_by_key(|m| (m.created, m.id.clone()))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Channel {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub created: Timestamp,
    pub email: String,
    /// Posts and replies.
    pub messages: Vec<Msg>,
    /// Delta tokens of this channel issued before this sequence number are answered 410.
    pub floor: u64,
}

impl Channel {
    pub fn posts(&self) -> impl Iterator<Item = &Msg> {
        self.messages.iter().filter(|m| m.reply_to.is_none())
    }

    pub fn replies<'a>(&'a self, post: &'a str) -> impl Iterator<Item = &'a Msg> + 'a {
        self.messages
            .iter()
            .filter(move |m| m.reply_to.as_deref() == Some(post))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Team {
    /// The team's group ID (a GUID).
    pub id: String,
    pub name: String,
    pub description: String,
    pub created: Timestamp,
    pub visibility: &'static str,
    /// The General channel's thread ID, which Graph calls the team's `internalId`.
    pub internal_id: String,
    pub members: Vec<Person>,
    pub channels: Vec<Channel>,
}

/// A message an app sent through Graph (what tests read back to check it arrived as sent).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Sent {
    /// `chat` or `channel`.
    pub kind: &'static str,
    pub chat_id: Option<String>,
    pub team_id: Option<String>,
    pub channel_id: Option<String>,
    pub reply_to: Option<String>,
    pub message_id: String,
    /// `text` or `html`, as sent.
    pub content_type: &'static str,
    /// The body's content exactly as it arrived.
    pub content: String,
    pub created: String,
}

#[derive(Default)]
pub struct Teams {
    built: bool,
    pub teams: Vec<Team>,
    pub chats: Vec<Chat>,
    /// The last sequence number given out.
    pub seq: u64,
    /// Every message ID given out (so two messages made in the same millisecond still differ).
    pub used_ms: std::collections::HashSet<i64>,
    /// What each user (by ID) sent through Graph.
    pub sent: std::collections::HashMap<String, Vec<Sent>>,
    pub rate: super::rate::RateLimits,
}

impl Teams {
    /// Lay out the demo teams and chats, once.
    pub fn ensure(&mut self, users: &[crate::state::DemoUser], anchor: Timestamp) {
        if self.built {
            return;
        }
        self.built = true;
        super::data::build(self, users, anchor);
    }

    pub fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    /// A message ID for `at`: its Unix milliseconds, moved on a millisecond at a time if already given out.
    pub fn message_id(&mut self, at: Timestamp) -> (String, Timestamp) {
        let mut ms = at.as_millisecond();
        while !self.used_ms.insert(ms) {
            ms += 1;
        }
        let when = Timestamp::from_millisecond(ms).unwrap_or(at);
        (ms.to_string(), when)
    }

    pub fn chat(&self, id: &str) -> Option<&Chat> {
        self.chats.iter().find(|c| c.id.eq_ignore_ascii_case(id))
    }

    pub fn chat_mut(&mut self, id: &str) -> Option<&mut Chat> {
        self.chats
            .iter_mut()
            .find(|c| c.id.eq_ignore_ascii_case(id))
    }

    pub fn team(&self, id: &str) -> Option<&Team> {
        self.teams.iter().find(|t| t.id.eq_ignore_ascii_case(id))
    }

    pub fn team_mut(&mut self, id: &str) -> Option<&mut Team> {
        self.teams
            .iter_mut()
            .find(|t| t.id.eq_ignore_ascii_case(id))
    }
}

/// Graph's timestamps for Teams: UTC with milliseconds (`2021-03-28T20:48:29.832Z`).
pub fn time_ms(t: Timestamp) -> String {
    let ms = t.as_millisecond().rem_euclid(1000);
    format!("{}.{ms:03}Z", t.strftime("%Y-%m-%dT%H:%M:%S"))
}
