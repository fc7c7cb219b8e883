//! A Graph chat or channel message as a [`Msg`]: its text as a person reads it, who sent it (their address from
//! [`super::people`]), whether it mentions the signed-in person, and a link. Only what people wrote becomes a
//! `Msg`: system events (members added, a chat renamed) and deleted messages (Graph keeps them, emptied) do not.

use super::model::Msg;
use super::people::People;
use super::text::message_text;
use super::Teams;
use crate::graph::teams::{ChatMessage, MessageInfo, Sender};

/// Where messages are read, for what they do not say themselves.
#[derive(Debug, Clone, Copy, Default)]
pub struct Place<'p> {
    /// The signed-in person's user id (for `mentions_me`).
    pub me: &'p str,
    /// The chat (none for a channel).
    pub chat_id: Option<&'p str>,
    /// A link to the chat, for a message Graph gives none (chat messages have no `webUrl`).
    pub link: Option<&'p str>,
}

/// Whether a person wrote it and it is still there.
pub fn is_shown(m: &ChatMessage) -> bool {
    !m.is_system_event() && !m.is_deleted()
}

fn sender_id(from: Option<&Sender>) -> Option<&str> {
    from?.user.as_ref()?.id.as_deref()
}

/// The sender's name (a person's or an app's) and address.
fn sender(from: Option<&Sender>, people: &People) -> (Option<String>, Option<String>) {
    let Some(from) = from else {
        return (None, None);
    };
    if let Some(user) = &from.user {
        let known = user.id.as_deref().and_then(|id| people.get(id));
        let name = user
            .display_name
            .clone()
            .filter(|n| !n.trim().is_empty())
            .or_else(|| known.and_then(|p| p.name.clone()));
        return (name, known.and_then(|p| p.address.clone()));
    }
    let app = from
        .application
        .as_ref()
        .and_then(|a| a.display_name.clone());
    (app, None)
}

/// `m` as a [`Msg`] (whatever it is: see [`is_shown`]).
pub fn to_msg(m: &ChatMessage, place: &Place<'_>, people: &People) -> Msg {
    let (from_name, from_address) = sender(m.from.as_ref(), people);
    let mentions_me = !place.me.is_empty()
        && m.mentions.iter().any(|x| {
            x.mentioned
                .as_ref()
                .and_then(|w| w.user.as_ref())
                .and_then(|u| u.id.as_deref())
                .is_some_and(|id| id.eq_ignore_ascii_case(place.me))
        });
    Msg {
        id: m.id.clone(),
        chat_id: m
            .chat_id
            .clone()
            .or_else(|| place.chat_id.map(str::to_string)),
        from_name,
        from_address,
        created: m.created_date_time.clone().unwrap_or_default(),
        text: message_text(m.body.as_ref(), &m.mentions, &m.attachments),
        web_url: m.web_url.clone().or_else(|| place.link.map(str::to_string)),
        mentions_me,
    }
}

/// A chat's last message as the chats list gives it, when a person wrote it and it is still there. The list
/// carries no mentions: `mentions_me` is false and a mention reads as its own text.
pub fn preview_msg(m: &MessageInfo, place: &Place<'_>, people: &People) -> Option<Msg> {
    if m.is_system_event() || m.is_deleted == Some(true) {
        return None;
    }
    let (from_name, from_address) = sender(m.from.as_ref(), people);
    Some(Msg {
        id: m.id.clone(),
        chat_id: place.chat_id.map(str::to_string),
        from_name,
        from_address,
        created: m.created_date_time.clone().unwrap_or_default(),
        text: message_text(m.body.as_ref(), &[], &[]),
        web_url: place.link.map(str::to_string),
        mentions_me: false,
    })
}

impl Teams<'_> {
    /// `messages` that people wrote, as [`Msg`]s in their order: senders whose address is not known yet are
    /// looked up first (see [`super::people`]).
    pub async fn to_msgs(&self, messages: &[ChatMessage], place: &Place<'_>) -> Vec<Msg> {
        let shown: Vec<&ChatMessage> = messages.iter().filter(|m| is_shown(m)).collect();
        let senders: Vec<&str> = shown
            .iter()
            .filter_map(|m| sender_id(m.from.as_ref()))
            .collect();
        self.look_up(&senders).await;
        let people = self.people();
        shown.iter().map(|m| to_msg(m, place, &people)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::teams::Member;
    use serde_json::json;

    fn message(v: serde_json::Value) -> ChatMessage {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn a_message_says_who_sent_it_whether_it_mentions_me_and_where_it_opens() {
        let mut people = People::default();
        people.learn(&[Member {
            display_name: Some("Megan Bowen".into()),
            user_id: Some("U-MEGAN".into()),
            email: Some("megan@contoso.example".into()),
        }]);
        let m = message(json!({
            "id": "1", "messageType": "message", "createdDateTime": "2026-11-02T10:00:00.123Z",
            "chatId": null, "webUrl": null,
            "from": {"user": {"id": "u-megan", "displayName": "Megan Bowen"}},
            "body": {"contentType": "html", "content": "<p><at id=\"0\">Adele</at> look</p>"},
            "mentions": [{"id": 0, "mentionText": "Adele Vance", "mentioned": {"user": {"id": "U-ADELE"}}}]
        }));
        let place = Place {
            me: "u-adele",
            chat_id: Some("19:c"),
            link: Some("https://teams/chat"),
        };
        assert!(is_shown(&m));
        let msg = to_msg(&m, &place, &people);
        assert_eq!(msg.chat_id.as_deref(), Some("19:c"));
        assert_eq!(msg.from_name.as_deref(), Some("Megan Bowen"));
        assert_eq!(msg.from_address.as_deref(), Some("megan@contoso.example"));
        assert_eq!(msg.created, "2026-11-02T10:00:00.123Z");
        assert_eq!(msg.text, "Adele Vance look");
        assert_eq!(msg.web_url.as_deref(), Some("https://teams/chat"));
        assert!(msg.mentions_me);
        // The JSON keys of the fixed interface.
        let v = serde_json::to_value(&msg).unwrap();
        let mut keys: Vec<&String> = v.as_object().unwrap().keys().collect();
        keys.sort();
        assert_eq!(
            keys,
            [
                "chat_id",
                "created",
                "from_address",
                "from_name",
                "id",
                "mentions_me",
                "text",
                "web_url"
            ]
        );
        // An app, someone unknown, a channel message (no chat_id key).
        let bot = message(
            json!({"id": "2", "from": {"application": {"displayName": "Polly"}},
                                  "webUrl": "https://teams/m/2"}),
        );
        let msg = to_msg(&bot, &Place::default(), &people);
        assert_eq!(
            (msg.from_name.as_deref(), msg.from_address.as_deref()),
            (Some("Polly"), None)
        );
        assert!(!serde_json::to_value(&msg)
            .unwrap()
            .as_object()
            .unwrap()
            .contains_key("chat_id"));
        assert_eq!(msg.web_url.as_deref(), Some("https://teams/m/2"));
        assert!(!msg.mentions_me);
    }

    #[test]
    fn system_events_and_deleted_messages_are_not_shown() {
        let event = message(json!({"id": "1", "messageType": "systemEventMessage",
            "eventDetail": {"@odata.type": "#microsoft.graph.chatRenamedEventMessageDetail"}}));
        let deleted = message(json!({"id": "2", "messageType": "message",
            "deletedDateTime": "2026-11-02T10:00:00Z", "body": {"contentType": "html", "content": ""}}));
        assert!(!is_shown(&event) && !is_shown(&deleted));
        let info: MessageInfo =
            serde_json::from_value(json!({"id": "3", "isDeleted": true})).unwrap();
        assert!(preview_msg(&info, &Place::default(), &People::default()).is_none());
    }
}
