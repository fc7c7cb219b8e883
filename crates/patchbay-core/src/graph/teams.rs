//! Microsoft Teams: the signed-in person's chats (with their members and last message), a chat's messages, the
//! teams they joined, a team's channels, a channel's posts with their replies and its delta, and sending — a
//! chat message, a new one-on-one chat, a channel post or reply — built as requests
//! (`graph.teams().chat_messages(id).top(50).request()`) and sent through a connection like every other.
//!
//! Teams takes fewer query options than the rest of Graph, and its own rules for them:
//!
//! - no `$select` (Microsoft documents `$top`, `$filter`, `$orderby` and `$expand` only), so none is sent;
//! - `$top` at most 50 on chats, chat messages, channel messages and replies; more comes by `@odata.nextLink`;
//! - a chat's messages are ordered by `createdDateTime desc` or `lastModifiedDateTime desc` only, and `$filter`
//!   applies only to the property they are ordered by (`createdDateTime` with `lt`; `lastModifiedDateTime` with
//!   `gt` and `lt`): a filter on the other one is ignored, never refused, so a request that filters always
//!   orders by the same property ([`ChatMessagesRequest`] builds only those);
//! - chats are ordered by `lastMessagePreview/createdDateTime desc` only.
//!
//! Sending: a body is always `contentType: text`, so what a person typed arrives as that text (`<b>` shows as
//! `<b>`), never as markup. Graph returns an existing one-on-one chat when asked to create it again, so that
//! request may be repeated; a message post may not (see [`Request::is_idempotent`]).

use super::request::{segment, Request};
use super::Graph;
use serde::Deserialize;
use url::Url;

/// The largest page Teams serves (`$top`).
pub const MAX_PAGE: u32 = 50;
/// What Teams takes in one message: about 28 KB of body (Microsoft's limits page).
pub const MESSAGE_LIMIT: usize = 28 * 1024;

/// The requests of one Graph's Teams.
pub struct TeamsRequests {
    /// Graph's root, for `user@odata.bind` (`{root}/v1.0/users('…')`).
    root: Url,
}

impl Graph {
    /// Teams: chats, teams, channels.
    pub fn teams(&self) -> TeamsRequests {
        TeamsRequests {
            root: self.base().clone(),
        }
    }
}

impl TeamsRequests {
    /// The requests that name no person by Graph's address (all but creating a chat), without a client at hand:
    /// what an automation's round builds before it sends.
    pub fn unbound() -> Self {
        TeamsRequests {
            root: Url::parse("https://graph.invalid/").expect("static URL"),
        }
    }
}

fn page(top: u32) -> String {
    top.clamp(1, MAX_PAGE).to_string()
}

/// A text body: what the person typed, never read as markup.
fn text_body(text: &str) -> serde_json::Value {
    serde_json::json!({"body": {"contentType": "text", "content": text}})
}

/// A value inside an OData key (`users('…')`): a quote doubled.
fn odata_key(value: &str) -> String {
    value.replace('\'', "''")
}

impl TeamsRequests {
    /// The person's chats, latest message first, each with its members and its last message (`top` a page, at
    /// most 50; Graph expands at most 25 members of a chat).
    pub fn chats(&self, top: u32) -> Request {
        Request::get("me/chats")
            .query("$expand", "members,lastMessagePreview")
            .query("$orderby", "lastMessagePreview/createdDateTime desc")
            .query("$top", page(top))
    }

    /// The person's one-on-one chats, with their members (to find the one with a person).
    pub fn one_on_one_chats(&self, top: u32) -> Request {
        Request::get("me/chats")
            .query("$filter", "chatType eq 'oneOnOne'")
            .query("$expand", "members")
            .query("$top", page(top))
    }

    /// One chat with its members.
    pub fn chat(&self, chat_id: &str) -> Request {
        Request::get(format!("chats/{}", segment(chat_id))).query("$expand", "members")
    }

    /// A chat's members (Graph takes no query options here).
    pub fn members(&self, chat_id: &str) -> Request {
        Request::get(format!("chats/{}/members", segment(chat_id)))
    }

    /// A chat's messages, newest first.
    pub fn chat_messages(&self, chat_id: &str) -> ChatMessagesRequest {
        ChatMessagesRequest {
            path: format!("chats/{}/messages", segment(chat_id)),
            top: 20,
            order: Order::Created,
            filter: None,
        }
    }

    /// One message of a chat.
    pub fn chat_message(&self, chat_id: &str, message_id: &str) -> Request {
        Request::get(format!(
            "chats/{}/messages/{}",
            segment(chat_id),
            segment(message_id)
        ))
    }

    /// The teams the person is a member of.
    pub fn joined_teams(&self) -> Request {
        Request::get("me/joinedTeams")
    }

    /// A team's channels (those the person can see; Graph takes no `$top` here).
    pub fn channels(&self, team_id: &str) -> Request {
        Request::get(format!("teams/{}/channels", segment(team_id)))
    }

    fn channel_path(team_id: &str, channel_id: &str) -> String {
        format!(
            "teams/{}/channels/{}/messages",
            segment(team_id),
            segment(channel_id)
        )
    }

    /// A channel's posts, latest activity first, each with its replies (`top` a page, at most 50). Needs
    /// ChannelMessage.Read.All, which an administrator must approve.
    pub fn channel_messages(&self, team_id: &str, channel_id: &str, top: u32) -> Request {
        Request::get(Self::channel_path(team_id, channel_id))
            .query("$top", page(top))
            .query("$expand", "replies")
    }

    /// A post's replies, newest first (`top` a page, at most 50).
    pub fn replies(&self, team_id: &str, channel_id: &str, post_id: &str, top: u32) -> Request {
        Request::get(format!(
            "{}/{}/replies",
            Self::channel_path(team_id, channel_id),
            segment(post_id)
        ))
        .query("$top", page(top))
    }

    /// A channel's posts added or changed: the first round of a delta (a post counts as changed when a reply
    /// is added); follow `@odata.nextLink`, then keep `@odata.deltaLink` for the next round.
    pub fn channel_delta(&self, team_id: &str, channel_id: &str) -> Request {
        Request::get(format!("{}/delta", Self::channel_path(team_id, channel_id)))
    }

    /// Send `text` to a chat, as text.
    pub fn send_chat_message(&self, chat_id: &str, text: &str) -> Request {
        Request::post(
            format!("chats/{}/messages", segment(chat_id)),
            text_body(text),
        )
        .not_idempotent()
    }

    /// Start a one-on-one chat between the signed-in person (`me`, their user id) and `address` (their sign-in
    /// name). Graph returns the existing one when there is one, so this may be sent again.
    pub fn create_one_on_one(&self, me: &str, address: &str) -> Request {
        let bind = |who: &str| {
            serde_json::json!({
                "@odata.type": "#microsoft.graph.aadUserConversationMember",
                "roles": ["owner"],
                "user@odata.bind": format!(
                    "{}/v1.0/users('{}')",
                    self.root.as_str().trim_end_matches('/'),
                    odata_key(who)
                ),
            })
        };
        Request::post(
            "chats",
            serde_json::json!({"chatType": "oneOnOne", "members": [bind(me), bind(address)]}),
        )
        .idempotent()
    }

    /// Post `text` in a channel, as text.
    pub fn post_channel_message(&self, team_id: &str, channel_id: &str, text: &str) -> Request {
        Request::post(Self::channel_path(team_id, channel_id), text_body(text)).not_idempotent()
    }

    /// Reply `text` to a channel post, as text.
    pub fn reply_channel_message(
        &self,
        team_id: &str,
        channel_id: &str,
        post_id: &str,
        text: &str,
    ) -> Request {
        Request::post(
            format!(
                "{}/{}/replies",
                Self::channel_path(team_id, channel_id),
                segment(post_id)
            ),
            text_body(text),
        )
        .not_idempotent()
    }

    /// A person of the organisation by id (or sign-in name): their name and address (User.ReadBasic.All).
    pub fn user(&self, id: &str) -> Request {
        Request::get(format!("users/{}", segment(id)))
            .query("$select", "id,displayName,mail,userPrincipalName")
    }
}

/// Which property a chat's messages are ordered by (always newest first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Order {
    Created,
    Modified,
}

/// A chat's messages, newest first: by creation, or (to read what changed since a time) by last change, a
/// filter always on the property they are ordered by.
#[derive(Debug, Clone)]
pub struct ChatMessagesRequest {
    path: String,
    top: u32,
    order: Order,
    filter: Option<String>,
}

impl ChatMessagesRequest {
    /// At most `n` a page (1 to 50).
    pub fn top(mut self, n: u32) -> Self {
        self.top = n.clamp(1, MAX_PAGE);
        self
    }

    /// Only messages created before `before` (RFC 3339), newest first by creation.
    pub fn created_before(mut self, before: &str) -> Self {
        self.order = Order::Created;
        self.filter = Some(format!("createdDateTime lt {before}"));
        self
    }

    /// Only messages sent, edited or deleted after `since` (RFC 3339), the latest change first: Graph filters on
    /// `lastModifiedDateTime` only when it also orders by it.
    pub fn changed_since(mut self, since: &str) -> Self {
        self.order = Order::Modified;
        self.filter = Some(format!("lastModifiedDateTime gt {since}"));
        self
    }

    pub fn request(&self) -> Request {
        let order = match self.order {
            Order::Created => "createdDateTime desc",
            Order::Modified => "lastModifiedDateTime desc",
        };
        let mut r = Request::get(self.path.clone())
            .query("$top", self.top.to_string())
            .query("$orderby", order);
        if let Some(f) = &self.filter {
            r = r.query("$filter", f.clone());
        }
        r
    }
}

// ---- what Graph answers --------------------------------------------------------------------------------------

/// A chat, with what was expanded.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Chat {
    pub id: String,
    #[serde(default)]
    pub topic: Option<String>,
    /// `oneOnOne`, `group` or `meeting`.
    #[serde(default)]
    pub chat_type: Option<String>,
    #[serde(default)]
    pub web_url: Option<String>,
    #[serde(default)]
    pub last_updated_date_time: Option<String>,
    #[serde(default)]
    pub members: Vec<Member>,
    #[serde(default)]
    pub last_message_preview: Option<MessageInfo>,
}

/// A chat's or team's member (`aadUserConversationMember`).
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Member {
    #[serde(default)]
    pub display_name: Option<String>,
    /// Their user id.
    #[serde(default)]
    pub user_id: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
}

/// A chat's last message, as the list shows it (`chatMessageInfo`: no mentions, no attachments).
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct MessageInfo {
    pub id: String,
    #[serde(default)]
    pub created_date_time: Option<String>,
    #[serde(default)]
    pub is_deleted: Option<bool>,
    #[serde(default)]
    pub message_type: Option<String>,
    #[serde(default)]
    pub event_detail: Option<serde_json::Value>,
    #[serde(default)]
    pub body: Option<ItemBody>,
    #[serde(default)]
    pub from: Option<Sender>,
}

/// A chat or channel message.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ChatMessage {
    pub id: String,
    /// A channel reply's post.
    #[serde(default)]
    pub reply_to_id: Option<String>,
    /// `message`; a system event is `systemEventMessage` (or `unknownFutureValue`, which Graph says without
    /// `Prefer: include-unknown-enum-members`).
    #[serde(default)]
    pub message_type: Option<String>,
    #[serde(default)]
    pub created_date_time: Option<String>,
    #[serde(default)]
    pub last_modified_date_time: Option<String>,
    #[serde(default)]
    pub last_edited_date_time: Option<String>,
    #[serde(default)]
    pub deleted_date_time: Option<String>,
    #[serde(default)]
    pub chat_id: Option<String>,
    #[serde(default)]
    pub web_url: Option<String>,
    #[serde(default)]
    pub channel_identity: Option<ChannelIdentity>,
    /// Set on system events (members added, chat renamed).
    #[serde(default)]
    pub event_detail: Option<serde_json::Value>,
    #[serde(default)]
    pub from: Option<Sender>,
    #[serde(default)]
    pub body: Option<ItemBody>,
    #[serde(default)]
    pub mentions: Vec<Mention>,
    #[serde(default)]
    pub attachments: Vec<Attachment>,
    /// A channel post's replies (with `$expand=replies`).
    #[serde(default)]
    pub replies: Vec<ChatMessage>,
}

impl ChatMessage {
    /// A system event (members added, the chat renamed…), not something a person wrote.
    pub fn is_system_event(&self) -> bool {
        is_system(self.message_type.as_deref(), self.event_detail.as_ref())
    }

    pub fn is_deleted(&self) -> bool {
        self.deleted_date_time.is_some()
    }
}

impl MessageInfo {
    pub fn is_system_event(&self) -> bool {
        is_system(self.message_type.as_deref(), self.event_detail.as_ref())
    }
}

fn is_system(message_type: Option<&str>, event: Option<&serde_json::Value>) -> bool {
    let typed = message_type.is_some_and(|t| !t.eq_ignore_ascii_case("message"));
    typed || event.is_some_and(|e| !e.is_null())
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ChannelIdentity {
    #[serde(default)]
    pub team_id: Option<String>,
    #[serde(default)]
    pub channel_id: Option<String>,
}

/// Who sent a message: a user, or an app (a bot, a connector).
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
pub struct Sender {
    #[serde(default)]
    pub user: Option<Identity>,
    #[serde(default)]
    pub application: Option<Identity>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Identity {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub display_name: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ItemBody {
    /// `text` or `html`.
    #[serde(default)]
    pub content_type: Option<String>,
    #[serde(default)]
    pub content: Option<String>,
}

/// An @mention: `<at id="{id}">…</at>` in the body names it.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Mention {
    #[serde(default)]
    pub id: Option<serde_json::Value>,
    #[serde(default)]
    pub mention_text: Option<String>,
    #[serde(default)]
    pub mentioned: Option<Mentioned>,
}

impl Mention {
    /// Its id as the body's `<at id="…">` writes it.
    pub fn key(&self) -> Option<String> {
        match self.id.as_ref()? {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
pub struct Mentioned {
    #[serde(default)]
    pub user: Option<Identity>,
    #[serde(default)]
    pub application: Option<Identity>,
    #[serde(default)]
    pub conversation: Option<Identity>,
}

/// A file, card or quoted message attached: `<attachment id="{id}">` in the body names it.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Attachment {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub content_type: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
}

/// A team the person is a member of.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Team {
    pub id: String,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Channel {
    pub id: String,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub web_url: Option<String>,
}

/// A person of the organisation, as [`TeamsRequests::user`] asks.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct DirectoryUser {
    pub id: String,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub mail: Option<String>,
    #[serde(default)]
    pub user_principal_name: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn teams() -> TeamsRequests {
        Graph::new(
            Url::parse("https://graph.microsoft.com/").unwrap(),
            reqwest::Client::new(),
        )
        .teams()
    }

    fn query(r: &Request) -> HashMap<String, String> {
        r.query.iter().cloned().collect()
    }

    #[test]
    fn chats_come_latest_first_with_members_and_last_message_and_pages_of_fifty_at_most() {
        let r = teams().chats(500);
        assert_eq!(r.path, "me/chats");
        let q = query(&r);
        assert_eq!(q["$top"], "50");
        assert_eq!(q["$expand"], "members,lastMessagePreview");
        assert_eq!(q["$orderby"], "lastMessagePreview/createdDateTime desc");
        assert!(!q.contains_key("$select"), "Teams takes no $select");
        let r = teams().chat("19:a/b@thread.v2");
        assert_eq!(r.path, "chats/19%3Aa%2Fb%40thread.v2");
    }

    #[test]
    fn a_filter_on_messages_is_always_on_the_property_they_are_ordered_by() {
        let t = teams();
        let r = t.chat_messages("c").top(0).request();
        let q = query(&r);
        assert_eq!(q["$top"], "1");
        assert_eq!(q["$orderby"], "createdDateTime desc");
        assert!(!q.contains_key("$filter"));
        let r = t
            .chat_messages("c")
            .top(80)
            .changed_since("2026-11-01T00:00:00Z")
            .request();
        let q = query(&r);
        assert_eq!(q["$top"], "50");
        assert_eq!(q["$orderby"], "lastModifiedDateTime desc");
        assert_eq!(q["$filter"], "lastModifiedDateTime gt 2026-11-01T00:00:00Z");
        let r = t
            .chat_messages("c")
            .changed_since("2026-11-01T00:00:00Z")
            .created_before("2026-11-02T00:00:00Z")
            .request();
        let q = query(&r);
        assert_eq!(q["$orderby"], "createdDateTime desc");
        assert_eq!(q["$filter"], "createdDateTime lt 2026-11-02T00:00:00Z");
    }

    #[test]
    fn sends_are_text_and_never_repeated_but_a_one_on_one_chat_may_be() {
        let t = teams();
        let r = t.send_chat_message("c", "The <b>spring</b> banner");
        assert_eq!(
            r.body.as_ref().unwrap()["body"],
            serde_json::json!({"contentType": "text", "content": "The <b>spring</b> banner"})
        );
        assert!(!r.is_idempotent());
        for r in [
            t.post_channel_message("t", "c", "x"),
            t.reply_channel_message("t", "c", "p", "x"),
        ] {
            assert!(!r.is_idempotent());
            assert_eq!(r.body.as_ref().unwrap()["body"]["contentType"], "text");
        }
        let r = t.create_one_on_one("me-id", "o'brien@contoso.example");
        assert!(r.is_idempotent());
        let body = r.body.unwrap();
        assert_eq!(body["chatType"], "oneOnOne");
        assert_eq!(
            body["members"][1]["user@odata.bind"],
            "https://graph.microsoft.com/v1.0/users('o''brien@contoso.example')"
        );
        // A root with a path of its own and no final slash (the sandbox's, a stand-in's).
        let local = Graph::new(
            Url::parse("http://127.0.0.1:9/graph").unwrap(),
            reqwest::Client::new(),
        )
        .teams()
        .create_one_on_one("me-id", "a@b.example");
        assert_eq!(
            local.body.unwrap()["members"][0]["user@odata.bind"],
            "http://127.0.0.1:9/graph/v1.0/users('me-id')"
        );
        assert_eq!(
            t.reply_channel_message("t", "19:x@thread.tacv2", "1", "x")
                .path,
            "teams/t/channels/19%3Ax%40thread.tacv2/messages/1/replies"
        );
    }

    #[test]
    fn system_events_and_mentions_read_as_graph_writes_them() {
        let m: ChatMessage = serde_json::from_value(serde_json::json!({
            "id": "1", "messageType": "unknownFutureValue",
            "eventDetail": {"@odata.type": "#microsoft.graph.membersAddedEventMessageDetail"},
            "from": null, "body": {"contentType": "html", "content": "<systemEventMessage/>"},
            "mentions": [{"id": 0, "mentionText": "Adele", "mentioned": {"user": {"id": "u1"}}}]
        }))
        .unwrap();
        assert!(m.is_system_event());
        assert_eq!(m.mentions[0].key().as_deref(), Some("0"));
        let m: ChatMessage =
            serde_json::from_value(serde_json::json!({"id": "2", "messageType": "message"}))
                .unwrap();
        assert!(!m.is_system_event() && !m.is_deleted());
    }
}
