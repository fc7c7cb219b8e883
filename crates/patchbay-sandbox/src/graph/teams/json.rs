//! The Teams resources as Graph v1.0 writes them: chat, aadUserConversationMember, chatMessage (with its
//! mentions, event details and hosted content), chatMessageInfo, team, channel.

use serde_json::{json, Value};

use super::data::BASE;
use super::model::{time_ms, Channel, Chat, Event, Member, Msg, Person, Team};
use crate::graph::odata::percent_encode;
use crate::DEMO_TENANT_ID;

/// Where a message lives.
#[derive(Debug, Clone, Copy)]
pub enum Place<'a> {
    Chat(&'a str),
    Channel { team: &'a str, channel: &'a str },
}

/// A user as Teams names one (`teamworkUserIdentity`).
pub fn user_identity(p: &Person) -> Value {
    json!({
        "@odata.type": "#microsoft.graph.teamworkUserIdentity",
        "id": p.id,
        "displayName": p.name,
        "userIdentityType": "aadUser",
        "tenantId": DEMO_TENANT_ID,
    })
}

/// An event's initiator or members: Graph leaves their display names out.
fn event_user(p: &Person) -> Value {
    json!({
        "id": p.id,
        "displayName": null,
        "userIdentityType": "aadUser",
        "tenantId": DEMO_TENANT_ID,
    })
}

fn initiator(p: &Person) -> Value {
    json!({"application": null, "device": null, "user": event_user(p)})
}

fn from(m: &Msg) -> Value {
    match &m.from {
        Some(p) => json!({"application": null, "device": null, "user": user_identity(p)}),
        None => Value::Null,
    }
}

fn event_detail(event: &Event) -> Value {
    match event {
        Event::MembersAdded {
            initiator: by,
            members,
        } => json!({
            "@odata.type": "#microsoft.graph.membersAddedEventMessageDetail",
            "visibleHistoryStartDateTime": "0001-01-01T00:00:00Z",
            "members": members.iter().map(event_user).collect::<Vec<_>>(),
            "initiator": initiator(by),
        }),
        Event::ChatRenamed {
            initiator: by,
            topic,
        } => json!({
            "@odata.type": "#microsoft.graph.chatRenamedEventMessageDetail",
            "chatDisplayName": topic,
            "initiator": initiator(by),
        }),
        Event::ChannelAdded {
            initiator: by,
            channel_id,
            channel_name,
        } => json!({
            "@odata.type": "#microsoft.graph.channelAddedEventMessageDetail",
            "channelId": channel_id,
            "channelDisplayName": channel_name,
            "initiator": initiator(by),
        }),
    }
}

/// `message`, or for a system event `systemEventMessage` — which Graph shows as `unknownFutureValue` unless the
/// request says `Prefer: include-unknown-enum-members` (it was added to the enum after that member).
fn message_type(m: &Msg, include_unknown: bool) -> &'static str {
    match (&m.event, include_unknown) {
        (None, _) => "message",
        (Some(_), true) => "systemEventMessage",
        (Some(_), false) => "unknownFutureValue",
    }
}

/// The body, with stored hosted content URLs pointed at this sandbox.
pub fn content(base: &str, m: &Msg) -> String {
    m.content.replace(BASE, base)
}

pub fn message(base: &str, m: &Msg, place: Place, include_unknown: bool) -> Value {
    let (chat_id, channel_identity, web_url) = match place {
        Place::Chat(chat) => (json!(chat), Value::Null, Value::Null),
        Place::Channel { team, channel } => (
            Value::Null,
            json!({"teamId": team, "channelId": channel}),
            json!(format!(
                "https://teams.microsoft.com/l/message/{}/{}?groupId={team}&tenantId={DEMO_TENANT_ID}&createdTime={}&parentMessageId={}",
                percent_encode(channel),
                m.id,
                m.id,
                m.reply_to.as_deref().unwrap_or(&m.id)
            )),
        ),
    };
    let mentions: Vec<Value> = m
        .mentions
        .iter()
        .map(|x| {
            json!({
                "id": x.id,
                "mentionText": x.text,
                "mentioned": {
                    "application": null,
                    "device": null,
                    "conversation": null,
                    "user": user_identity(&x.user),
                },
            })
        })
        .collect();
    json!({
        "id": m.id,
        "replyToId": m.reply_to,
        "etag": m.modified.as_millisecond().to_string(),
        "messageType": message_type(m, include_unknown),
        "createdDateTime": time_ms(m.created),
        "lastModifiedDateTime": time_ms(m.modified),
        "lastEditedDateTime": m.edited.map(time_ms),
        "deletedDateTime": m.deleted.map(time_ms),
        "subject": m.subject,
        "summary": null,
        "chatId": chat_id,
        "importance": m.importance,
        "locale": "en-us",
        "webUrl": web_url,
        "channelIdentity": channel_identity,
        "policyViolation": null,
        "eventDetail": m.event.as_ref().map(event_detail),
        "from": from(m),
        "body": {"contentType": m.body_type.as_str(), "content": content(base, m)},
        "attachments": [],
        "mentions": mentions,
        "reactions": [],
        "messageHistory": [],
    })
}

/// A chat's `lastMessagePreview` (a `chatMessageInfo`).
pub fn preview(base: &str, m: &Msg, include_unknown: bool) -> Value {
    json!({
        "id": m.id,
        "createdDateTime": time_ms(m.created),
        "isDeleted": m.deleted.is_some(),
        "messageType": message_type(m, include_unknown),
        "eventDetail": m.event.as_ref().map(event_detail),
        "body": {"contentType": m.body_type.as_str(), "content": content(base, m)},
        "from": from(m),
    })
}

pub fn member(m: &Member) -> Value {
    json!({
        "@odata.type": "#microsoft.graph.aadUserConversationMember",
        "id": m.id,
        "roles": m.roles,
        "displayName": m.person.name,
        "visibleHistoryStartDateTime": "0001-01-01T00:00:00Z",
        "userId": m.person.id,
        "email": m.person.email,
        "tenantId": DEMO_TENANT_ID,
    })
}

pub fn chat(c: &Chat, viewer: &str) -> Value {
    // What the viewer last read: their own last message, else when the chat began.
    let read = c
        .messages
        .iter()
        .filter(|m| m.from.as_ref().is_some_and(|p| p.id == viewer))
        .map(|m| m.created)
        .max()
        .unwrap_or(c.created);
    let meeting = c.meeting.as_ref().map(|m| {
        json!({
            "calendarEventId": m.calendar_event_id,
            "joinWebUrl": m.join_url,
            "organizer": {
                "id": m.organizer.id,
                "displayName": null,
                "userIdentityType": "aadUser",
                "tenantId": DEMO_TENANT_ID,
            },
        })
    });
    json!({
        "id": c.id,
        "topic": c.topic,
        "createdDateTime": time_ms(c.created),
        "lastUpdatedDateTime": time_ms(c.updated),
        "chatType": c.chat_type.as_str(),
        "webUrl": format!("https://teams.microsoft.com/l/chat/{}/0?tenantId={DEMO_TENANT_ID}", percent_encode(&c.id)),
        "tenantId": DEMO_TENANT_ID,
        "isHiddenForAllMembers": false,
        "onlineMeetingInfo": meeting,
        "viewpoint": {"isHidden": false, "lastMessageReadDateTime": time_ms(read)},
    })
}

fn team_url(t: &Team) -> String {
    format!(
        "https://teams.microsoft.com/l/team/{}/conversations?groupId={}&tenantId={DEMO_TENANT_ID}",
        percent_encode(&t.internal_id),
        t.id
    )
}

/// A team as `/me/joinedTeams` lists it.
pub fn team_brief(t: &Team) -> Value {
    json!({
        "id": t.id,
        "createdDateTime": null,
        "displayName": t.name,
        "description": t.description,
        "internalId": null,
        "classification": null,
        "specialization": null,
        "visibility": null,
        "webUrl": null,
        "isArchived": false,
        "tenantId": DEMO_TENANT_ID,
        "memberSettings": null,
        "guestSettings": null,
        "messagingSettings": null,
        "funSettings": null,
        "summary": null,
    })
}

/// A team as `GET /teams/{id}` answers.
pub fn team(t: &Team) -> Value {
    json!({
        "id": t.id,
        "createdDateTime": time_ms(t.created),
        "displayName": t.name,
        "description": t.description,
        "internalId": t.internal_id,
        "classification": null,
        "specialization": "none",
        "visibility": t.visibility,
        "webUrl": team_url(t),
        "isArchived": false,
        "tenantId": DEMO_TENANT_ID,
        "memberSettings": {
            "allowCreateUpdateChannels": true,
            "allowDeleteChannels": true,
            "allowAddRemoveApps": true,
            "allowCreateUpdateRemoveTabs": true,
            "allowCreateUpdateRemoveConnectors": true,
            "allowCreatePrivateChannels": true,
        },
        "guestSettings": {"allowCreateUpdateChannels": false, "allowDeleteChannels": false},
        "messagingSettings": {
            "allowUserEditMessages": true,
            "allowUserDeleteMessages": true,
            "allowOwnerDeleteMessages": true,
            "allowTeamMentions": true,
            "allowChannelMentions": true,
        },
        "funSettings": {
            "allowGiphy": true,
            "giphyContentRating": "moderate",
            "allowStickersAndMemes": true,
            "allowCustomMemes": true,
        },
        "summary": {
            "ownersCount": 1,
            "membersCount": t.members.len(),
            "guestsCount": 0,
        },
    })
}

pub fn channel(t: &Team, c: &Channel) -> Value {
    json!({
        "id": c.id,
        "createdDateTime": time_ms(c.created),
        "displayName": c.name,
        "description": c.description,
        "isFavoriteByDefault": null,
        "email": c.email,
        "tenantId": DEMO_TENANT_ID,
        "webUrl": format!(
            "https://teams.microsoft.com/l/channel/{}/{}?groupId={}&tenantId={DEMO_TENANT_ID}",
            percent_encode(&c.id),
            percent_encode(&c.name),
            t.id
        ),
        "membershipType": "standard",
        "isArchived": false,
    })
}
