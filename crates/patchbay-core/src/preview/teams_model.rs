//! Teams chats, their messages, teams and channels as a preview shows them. What people wrote is their data: a
//! message's text is plain text (mentions as names, images and attachments in words, entities decoded), shown as
//! text, never as markup.

use serde::Serialize;
use ts_rs::TS;

/// A chat: its name as Teams shows it, who is in it, and its last message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ChatItem {
    pub id: String,
    /// What Teams calls it: its topic; a one-on-one chat's other person; a group without a topic, its members'
    /// names ("Megan Bowen, Alex Wilber").
    pub title: String,
    /// A group's or meeting's own topic; `None` when it has none.
    pub topic: Option<String>,
    /// `oneOnOne`, `group` or `meeting`, as Teams names them.
    pub chat_type: Option<String>,
    /// Its members other than the signed-in person (Teams lists at most 25 here).
    pub members: Vec<ChatMember>,
    /// The latest message someone wrote; `None` when the latest is a system event, was deleted, or there is none.
    pub last_message: Option<ChatLine>,
    /// Opens the chat in Teams.
    pub web_url: Option<String>,
}

/// A member of a chat.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ChatMember {
    pub name: Option<String>,
    pub address: Option<String>,
}

/// A message of a chat, as plain text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ChatLine {
    pub id: String,
    /// The sender's name (a person's or an app's).
    pub from_name: Option<String>,
    /// The sender's address, when known (from the chat's members).
    pub from_address: Option<String>,
    /// Whether the signed-in person sent it.
    pub from_me: bool,
    /// When it was sent: RFC 3339 with the preview zone's offset.
    pub created: Option<String>,
    /// The body as plain text: never markup.
    pub text: String,
    /// Whether it @mentions the signed-in person (a chat's last message never says: Teams sends no mentions
    /// with it).
    pub mentions_me: bool,
    /// Opens it (or its chat) in Teams.
    pub web_url: Option<String>,
}

/// A chat's messages, newest first, a page at a time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ChatPage {
    pub chat_id: String,
    pub items: Vec<ChatLine>,
    /// Graph's link to the next (older) page ("Load more"), passed back as given.
    pub next_link: Option<String>,
}

/// A team the person is a member of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct TeamItem {
    pub id: String,
    pub name: Option<String>,
    pub description: Option<String>,
}

/// A channel of a team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ChannelItem {
    pub id: String,
    pub name: Option<String>,
    pub description: Option<String>,
    /// Opens the channel in Teams.
    pub web_url: Option<String>,
}
