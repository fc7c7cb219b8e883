//! `recent_chats`: the person's Teams chats, the latest message first, each with its members and its last message
//! (one request: `$expand=members,lastMessagePreview`). Opening one reads its newest messages
//! ([`crate::preview::Previews::open_chat`]).

use super::{once_each, Ask, Read, Source};
use crate::catalogue::SectionKind;
use crate::graph::teams::{Chat, Member, MAX_PAGE};
use crate::graph::zone::Zone;
use crate::graph::{GraphError, Page, RawResponse, Request};
use crate::preview::convert;
use crate::preview::model::{ChatItem, ChatLine, ChatMember, SectionContent};
use crate::teams::message::{preview_msg, Place};
use crate::teams::people::People;
use crate::teams::Msg;
use jiff::Timestamp;

pub(crate) struct RecentChats;

impl Source for RecentChats {
    fn kind(&self) -> SectionKind {
        SectionKind::Chats
    }

    fn subject(&self) -> &'static str {
        "The list of your chats"
    }

    fn request(&self, ask: &Ask<'_>) -> Request {
        ask.graph.teams().chats(ask.options.top.clamp(1, MAX_PAGE))
    }

    fn read(&self, answer: RawResponse, read: &Read<'_>) -> Result<SectionContent, GraphError> {
        let page: Page<Chat> = answer.json()?;
        Ok(SectionContent::Chats {
            items: once_each(
                page.value
                    .into_iter()
                    .map(|c| chat_item(c, read.me, read.zone))
                    .collect(),
                |c| &c.id,
            ),
            next_link: page.next_link,
        })
    }
}

fn present(text: Option<&str>) -> Option<String> {
    text.map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
}

fn is(member: &Member, me: &str) -> bool {
    !me.is_empty()
        && member
            .user_id
            .as_deref()
            .is_some_and(|id| id.eq_ignore_ascii_case(me))
}

/// A chat as the preview shows it: named as Teams names it, its other members, its last message as text.
pub(crate) fn chat_item(chat: Chat, me: &str, zone: &Zone) -> ChatItem {
    let mut people = People::default();
    people.learn(&chat.members);
    let others: Vec<ChatMember> = chat
        .members
        .iter()
        .filter(|m| !is(m, me))
        .map(|m| ChatMember {
            name: present(m.display_name.as_deref()),
            address: present(m.email.as_deref()),
        })
        .collect();
    let topic = present(chat.topic.as_deref());
    let named = |m: &ChatMember| m.name.clone().or_else(|| m.address.clone());
    let title = topic
        .clone()
        .or_else(|| {
            let names: Vec<String> = others.iter().filter_map(named).collect();
            (!names.is_empty()).then(|| names.join(", "))
        })
        .or_else(|| {
            // A chat with oneself (Teams keeps one): the person's own name.
            chat.members
                .iter()
                .find(|m| is(m, me))
                .and_then(|m| present(m.display_name.as_deref()))
        })
        .unwrap_or_else(|| "Chat".to_string());
    let place = Place {
        me,
        chat_id: Some(&chat.id),
        link: chat.web_url.as_deref(),
    };
    let last_message = chat.last_message_preview.as_ref().and_then(|m| {
        let from = m.from.as_ref().and_then(|f| f.user.as_ref());
        let from_id = from.and_then(|u| u.id.clone());
        preview_msg(m, &place, &people).map(|msg| chat_line(msg, from_id.as_deref(), me, zone))
    });
    ChatItem {
        title,
        topic,
        chat_type: present(chat.chat_type.as_deref()),
        members: others,
        last_message,
        web_url: present(chat.web_url.as_deref()),
        id: chat.id,
    }
}

/// A message as the preview shows it: sent by `from_id`, its time in `zone`.
pub(crate) fn chat_line(msg: Msg, from_id: Option<&str>, me: &str, zone: &Zone) -> ChatLine {
    let created = msg
        .created
        .parse::<Timestamp>()
        .ok()
        .map(|t| convert::rfc3339(&t.to_zoned_datetime(zone.tz.clone())));
    ChatLine {
        from_me: !me.is_empty() && from_id.is_some_and(|id| id.eq_ignore_ascii_case(me)),
        id: msg.id,
        from_name: present(msg.from_name.as_deref()),
        from_address: present(msg.from_address.as_deref()),
        created,
        text: msg.text,
        mentions_me: msg.mentions_me,
        web_url: present(msg.web_url.as_deref()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::zone;
    use serde_json::json;

    fn chat(v: serde_json::Value) -> Chat {
        serde_json::from_value(v).unwrap()
    }

    fn member(id: &str, name: &str, email: &str) -> serde_json::Value {
        json!({"userId": id, "displayName": name, "email": email})
    }

    #[test]
    fn a_one_on_one_chat_is_named_after_the_other_person_and_its_last_message_is_text() {
        let berlin = zone::resolve("Europe/Berlin").unwrap();
        let c = chat(json!({
            "id": "19:a_b@unq.gbl.spaces", "topic": null, "chatType": "oneOnOne",
            "webUrl": "https://teams.microsoft.com/l/chat/19%3Aa_b/0",
            "members": [member("U-ADELE", "Adele Vance", "adele@contoso.example"),
                        member("u-megan", "Megan Bowen", "megan@contoso.example")],
            "lastMessagePreview": {
                "id": "7", "createdDateTime": "2026-11-02T10:00:00.123Z", "isDeleted": false,
                "messageType": "message",
                "body": {"contentType": "html",
                         "content": "<p>The <b>spring</b> &lt;banner&gt; &amp; <script>x</script><img src=\"a\"></p>"},
                "from": {"user": {"id": "u-megan", "displayName": "Megan Bowen"}}
            }
        }));
        let item = chat_item(c, "u-adele", &berlin);
        assert_eq!(item.title, "Megan Bowen");
        assert_eq!(item.topic, None);
        assert_eq!(item.chat_type.as_deref(), Some("oneOnOne"));
        assert_eq!(
            item.members,
            [ChatMember {
                name: Some("Megan Bowen".into()),
                address: Some("megan@contoso.example".into())
            }]
        );
        let last = item.last_message.unwrap();
        // Markup never reaches the text: tags go, entities are decoded as characters, an image is said in words.
        assert_eq!(last.text, "The spring <banner> & [image]");
        assert_eq!(last.from_name.as_deref(), Some("Megan Bowen"));
        assert_eq!(last.from_address.as_deref(), Some("megan@contoso.example"));
        assert!(!last.from_me && !last.mentions_me);
        assert_eq!(last.created.as_deref(), Some("2026-11-02T11:00:00+01:00"));
        assert_eq!(
            last.web_url.as_deref(),
            Some("https://teams.microsoft.com/l/chat/19%3Aa_b/0")
        );
    }

    #[test]
    fn a_group_is_its_topic_or_its_members_and_a_system_event_is_no_last_message() {
        let utc = zone::resolve("UTC").unwrap();
        let members = json!([
            member("u-adele", "Adele Vance", "adele@contoso.example"),
            member("u-megan", "Megan Bowen", "megan@contoso.example"),
            member("u-alex", "", "alex@contoso.example"),
        ]);
        let named = chat(json!({
            "id": "g1", "topic": "Spring <launch>", "chatType": "group", "members": members,
            "lastMessagePreview": {"id": "1", "messageType": "systemEventMessage",
                                   "eventDetail": {"@odata.type": "#microsoft.graph.chatRenamedEventMessageDetail"}}
        }));
        let item = chat_item(named, "u-adele", &utc);
        assert_eq!(item.title, "Spring <launch>");
        assert_eq!(item.members.len(), 2);
        assert!(item.last_message.is_none());

        let unnamed = chat(json!({
            "id": "g2", "topic": "  ", "chatType": "group", "members": members,
            "lastMessagePreview": {"id": "2", "messageType": "message", "createdDateTime": "2026-11-02T10:00:00Z",
                "body": {"contentType": "text", "content": "<b>mine</b>"},
                "from": {"user": {"id": "U-ADELE", "displayName": "Adele Vance"}}}
        }));
        let item = chat_item(unnamed, "u-adele", &utc);
        // No name: the address stands in.
        assert_eq!(item.title, "Megan Bowen, alex@contoso.example");
        let last = item.last_message.unwrap();
        assert!(last.from_me);
        assert_eq!(last.text, "<b>mine</b>");

        let alone = chat(json!({"id": "s", "chatType": "oneOnOne",
                                "members": [member("u-adele", "Adele Vance", "adele@contoso.example")]}));
        assert_eq!(chat_item(alone, "u-adele", &utc).title, "Adele Vance");
    }
}
