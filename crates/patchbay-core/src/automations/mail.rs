//! Mail automations: what a round asks of the folder, and which message of it is new (see
//! [`super::queue::State::is_new`]).

use super::queue::{Pending, State};
use super::Automation;
use crate::graph::zone;
use crate::graph::Request;
use jiff::Timestamp;
use serde_json::{json, Value};

/// What a delta round asks for of each message: what the filters and the command's item need.
const FIELDS: &str = "id,subject,from,receivedDateTime,isRead,hasAttachments,bodyPreview,webLink";

fn messages_of(folder: &str) -> String {
    let segment: String = url::form_urlencoded::byte_serialize(folder.as_bytes()).collect();
    format!("me/mailFolders/{segment}/messages")
}

/// The first request of a round over `folder` from no cursor.
pub fn delta_request(folder: &str, prefer: &str) -> Request {
    Request::get(format!("{}/delta", messages_of(folder)))
        .query("$select", FIELDS)
        .header("Prefer", prefer)
}

/// The folder's 25 newest messages (Test with the newest item).
pub fn newest_request(folder: &str) -> Request {
    Request::get(messages_of(folder))
        .query("$select", FIELDS)
        .query("$orderby", "receivedDateTime desc")
        .query("$top", "25")
}

/// The order a page's messages are taken in: as they arrived.
pub fn order_key(v: &Value) -> i64 {
    received(v).unwrap_or(i64::MAX)
}

/// The command's JSON for a message: the preview's keys, times in UTC.
pub fn payload(a: &Automation, message: &Value) -> Value {
    let m: crate::graph::mail::Message =
        serde_json::from_value(message.clone()).unwrap_or_default();
    let utc = zone::resolve("UTC").unwrap_or_else(zone::local);
    let m = crate::preview::convert::message(m, &utc);
    json!({
        "automation_id": a.id,
        "connection_id": a.connection_id,
        "trigger": a.trigger.code(),
        "item": {
            "id": m.id,
            "subject": m.subject,
            "from_name": m.from_name,
            "from_address": m.from_address,
            "received": m.received,
            "is_read": m.is_read,
            "has_attachments": m.has_attachments,
            "preview": m.preview,
            "web_link": m.web_link,
        },
    })
}

/// What a message of a round means: a delivery when it is new and matches (see [`State::is_new`]).
pub fn take(a: &Automation, state: &mut State, item: &Value) -> Option<Pending> {
    let id = item["id"].as_str()?;
    if item.get("@removed").is_some() {
        // Gone from the folder: never fires.
        return None;
    }
    let at = received(item);
    let new = state.baselined && state.is_new(id, at);
    state.remember(id);
    if let Some(at) = at {
        state.mark = state.mark.max(at);
    }
    (new && a.trigger.matches(item)).then(|| Pending {
        item_id: id.to_string(),
        key: String::new(),
        subject: item["subject"].as_str().map(str::to_string),
        payload: payload(a, item),
        attempts: 0,
        next_at: 0,
        failed: false,
    })
}

fn received(v: &Value) -> Option<i64> {
    v["receivedDateTime"]
        .as_str()
        .and_then(|t| t.parse::<Timestamp>().ok())
        .map(|t| t.as_second())
}
