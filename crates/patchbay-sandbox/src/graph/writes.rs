//! What a client writes: drafts (`POST /me/messages`, `POST /me/messages/{id}/createReply`), mail sent
//! (`POST /me/sendMail`, `POST /me/messages/{id}/forward`) and events (`POST /me/events`). Each is kept per user in the sandbox's memory, so a test
//! can see what an app wrote (`Control::mailbox_writes`, `GET /_sandbox/mailbox-writes`); like the demo mailbox
//! itself they are never written to the tenant file. The checks are Graph's: the permission each needs, a JSON
//! body, recipients that are addresses, and an event's start before its end.

use axum::http::StatusCode;
use serde::Serialize;
use serde_json::{json, Value};

use super::messages::{recipient, web_link};
use super::odata::percent_encode;
use super::zones::utc;
use super::{access_denied, ids, Caller, Reply};
use crate::state::AppState;

/// Creating a draft or a reply needs one of these.
const WRITE_MAIL: &[&str] = &["Mail.ReadWrite"];
const SEND_MAIL: &[&str] = &["Mail.Send"];
const WRITE_CALENDAR: &[&str] = &["Calendars.ReadWrite"];

/// What one user's mailbox was given, oldest first.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Writes {
    /// Drafts as created: `{id, subject, to, cc, body, reply_to}`.
    pub drafts: Vec<Value>,
    /// Mail sent: `{subject, to, cc, body, saved_to_sent_items, attachments, forward_of, sent_at}` — `attachments`
    /// how many it carried, `forward_of` the ID of the message forwarded (`null` for `sendMail`), `sent_at` when
    /// (UTC, `2026-12-07T04:50:00Z`).
    pub sent: Vec<Value>,
    /// Events created: `{id, subject, start, end, time_zone, location, attendees, body}`.
    pub events: Vec<Value>,
}

fn bad(message: &str) -> Reply {
    Reply::bad_request("ErrorInvalidRequest", message)
}

#[allow(clippy::result_large_err)] // the error is the finished reply, returned once
pub(super) fn json_body(body: &[u8]) -> Result<Value, Reply> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(bad("Empty Payload. JSON content expected."));
    }
    serde_json::from_slice::<Value>(body)
        .ok()
        .filter(Value::is_object)
        .ok_or_else(|| {
            Reply::bad_request(
                "RequestBodyRead",
                "Invalid JSON. A JSON object was expected in the request body.",
            )
        })
}

/// `[{"emailAddress": {"address": "…"}}]` → the addresses, each checked.
#[allow(clippy::result_large_err)] // the error is the finished reply, returned once
fn addresses(v: Option<&Value>, field: &str) -> Result<Vec<String>, Reply> {
    let Some(v) = v else {
        return Ok(Vec::new());
    };
    let Some(list) = v.as_array() else {
        return Err(bad(&format!("'{field}' must be a list of recipients.")));
    };
    list.iter()
        .map(|r| {
            let address = r["emailAddress"]["address"].as_str().unwrap_or("").trim();
            let ok = address.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty() && domain.contains('.') && !address.contains(char::is_whitespace)
            });
            if ok {
                Ok(address.to_string())
            } else {
                Err(Reply::bad_request(
                    "ErrorInvalidRecipients",
                    &format!("At least one recipient in '{field}' is not valid: '{address}'."),
                ))
            }
        })
        .collect()
}

fn text_of(v: &Value) -> String {
    v["body"]["content"].as_str().unwrap_or("").to_string()
}

fn created(body: Value) -> Reply {
    Reply {
        status: StatusCode::CREATED,
        headers: Vec::new(),
        body,
        raw: None,
    }
}

fn draft_json(
    st: &AppState,
    caller: &Caller,
    id: &str,
    subject: &str,
    to: &[String],
    cc: &[String],
    body: &str,
) -> Value {
    let now = utc(jiff::Timestamp::now());
    let recipients =
        |list: &[String]| -> Vec<Value> { list.iter().map(|a| recipient(("", a))).collect() };
    json!({
        "@odata.context": format!("{}/graph/v1.0/$metadata#users('{}')/messages/$entity", st.base, caller.user.id),
        "id": id,
        "createdDateTime": now,
        "lastModifiedDateTime": now,
        "subject": subject,
        "parentFolderId": super::mail_folders::folder_id(&caller.user, "drafts"),
        "isDraft": true,
        "body": {"contentType": "text", "content": body},
        "toRecipients": recipients(to),
        "ccRecipients": recipients(cc),
        "from": recipient((&caller.user.display_name, &caller.user.email)),
        "webLink": web_link(id),
    })
}

/// `POST /me/messages`: a draft in the Drafts folder.
pub fn create_draft(st: &AppState, caller: &Caller, body: &[u8]) -> Reply {
    if !caller.has_any(WRITE_MAIL) {
        return access_denied();
    }
    let v = match json_body(body) {
        Ok(v) => v,
        Err(reply) => return reply,
    };
    let (to, cc) = match (
        addresses(v.get("toRecipients"), "toRecipients"),
        addresses(v.get("ccRecipients"), "ccRecipients"),
    ) {
        (Ok(to), Ok(cc)) => (to, cc),
        (Err(reply), _) | (_, Err(reply)) => return reply,
    };
    let subject = v["subject"].as_str().unwrap_or("").to_string();
    let mut inner = st.lock();
    let writes = inner
        .mailbox_writes
        .entry(caller.user.id.clone())
        .or_default();
    let id = ids::item_id(&[&caller.user.id, "draft", &writes.drafts.len().to_string()]);
    let text = text_of(&v);
    writes.drafts.push(json!({
        "id": id, "subject": subject, "to": to, "cc": cc, "body": text, "reply_to": null,
    }));
    drop(inner);
    created(draft_json(st, caller, &id, &subject, &to, &cc, &text))
}

/// `POST /me/messages/{id}/createReply`: a draft replying to an inbox message, `RE: ` and its sender filled in
/// unless the body's `message` says otherwise.
pub fn create_reply(st: &AppState, caller: &Caller, id: &str, body: &[u8]) -> Reply {
    if !caller.has_any(WRITE_MAIL) {
        return access_denied();
    }
    let v = if body.iter().all(u8::is_ascii_whitespace) {
        json!({})
    } else {
        match json_body(body) {
            Ok(v) => v,
            Err(reply) => return reply,
        }
    };
    let Some(original) = super::mailstore::find(st, &caller.user, id) else {
        return Reply::error(
            StatusCode::NOT_FOUND,
            "ErrorItemNotFound",
            "The specified object was not found in the store.",
        );
    };
    let message = v.get("message").cloned().unwrap_or(json!({}));
    if v.get("comment").is_some() && message.get("body").is_some() {
        return bad("Cannot specify both 'comment' and 'message.body'.");
    }
    let (to, cc) = match (
        addresses(message.get("toRecipients"), "toRecipients"),
        addresses(message.get("ccRecipients"), "ccRecipients"),
    ) {
        (Ok(to), Ok(cc)) => (to, cc),
        (Err(reply), _) | (_, Err(reply)) => return reply,
    };
    let to = if to.is_empty() {
        vec![original.tpl.from.1.to_string()]
    } else {
        to
    };
    let subject = message["subject"]
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| format!("RE: {}", original.subject()));
    let text = match v["comment"].as_str() {
        Some(comment) => comment.to_string(),
        None => text_of(&message),
    };
    let mut inner = st.lock();
    let writes = inner
        .mailbox_writes
        .entry(caller.user.id.clone())
        .or_default();
    let draft_id = ids::item_id(&[&caller.user.id, "draft", &writes.drafts.len().to_string()]);
    writes.drafts.push(json!({
        "id": draft_id, "subject": subject, "to": to, "cc": cc, "body": text, "reply_to": id,
    }));
    drop(inner);
    created(draft_json(st, caller, &draft_id, &subject, &to, &cc, &text))
}

/// `POST /me/sendMail`: `202 Accepted`, no body.
pub fn send_mail(st: &AppState, caller: &Caller, body: &[u8]) -> Reply {
    if !caller.has_any(SEND_MAIL) {
        return access_denied();
    }
    let v = match json_body(body) {
        Ok(v) => v,
        Err(reply) => return reply,
    };
    let Some(message) = v.get("message").filter(|m| m.is_object()) else {
        return bad("The 'message' parameter is missing.");
    };
    let (to, cc) = match (
        addresses(message.get("toRecipients"), "toRecipients"),
        addresses(message.get("ccRecipients"), "ccRecipients"),
    ) {
        (Ok(to), Ok(cc)) => (to, cc),
        (Err(reply), _) | (_, Err(reply)) => return reply,
    };
    if to.is_empty() && cc.is_empty() {
        return Reply::bad_request(
            "ErrorInvalidRecipients",
            "At least one recipient is not valid., Recipient is missing.",
        );
    }
    let mut inner = st.lock();
    let writes = inner
        .mailbox_writes
        .entry(caller.user.id.clone())
        .or_default();
    writes.sent.push(json!({
        "subject": message["subject"].as_str().unwrap_or(""),
        "to": to,
        "cc": cc,
        "body": text_of(message),
        "saved_to_sent_items": v["saveToSentItems"].as_bool().unwrap_or(true),
        "attachments": message["attachments"].as_array().map_or(0, Vec::len),
        "forward_of": null,
        "sent_at": utc(jiff::Timestamp::now()),
    }));
    accepted()
}

fn accepted() -> Reply {
    Reply {
        status: StatusCode::ACCEPTED,
        headers: Vec::new(),
        body: Value::Null,
        raw: None,
    }
}

/// `POST /me/messages/{id}/forward` `{comment?, toRecipients}` (or the recipients and body in `message`): `202
/// Accepted`, no body. The forward is kept with the mail sent: `FW: ` and the subject, the recipients, the
/// comment, and how many attachments it carried (the original's).
pub fn forward(
    st: &AppState,
    caller: &Caller,
    folder: Option<&str>,
    id: &str,
    body: &[u8],
) -> Reply {
    if !caller.has_any(SEND_MAIL) {
        return access_denied();
    }
    let v = match json_body(body) {
        Ok(v) => v,
        Err(reply) => return reply,
    };
    let message = v.get("message").cloned().unwrap_or(json!({}));
    if v.get("comment").is_some() && message.get("body").is_some() {
        return bad("Cannot specify both 'comment' and 'message.body'.");
    }
    let (to, in_message) = (v.get("toRecipients"), message.get("toRecipients"));
    if to.is_some() && in_message.is_some() {
        return bad("Cannot specify both 'toRecipients' and 'message.toRecipients'.");
    }
    let (to, cc) = match (
        addresses(to.or(in_message), "toRecipients"),
        addresses(message.get("ccRecipients"), "ccRecipients"),
    ) {
        (Ok(to), Ok(cc)) => (to, cc),
        (Err(reply), _) | (_, Err(reply)) => return reply,
    };
    if to.is_empty() && cc.is_empty() {
        return Reply::bad_request(
            "ErrorInvalidRecipients",
            "At least one recipient is not valid., Recipient is missing.",
        );
    }
    let folder_ok = folder.is_none_or(|f| super::mail_folders::resolve(&caller.user, f).is_some());
    let original = super::mailstore::find(st, &caller.user, id).filter(|_| folder_ok);
    let Some(original) = original else {
        return Reply::error(
            StatusCode::NOT_FOUND,
            "ErrorItemNotFound",
            "The specified object was not found in the store.",
        );
    };
    let text = match v["comment"].as_str() {
        Some(comment) => comment.to_string(),
        None => text_of(&message),
    };
    let subject = format!("FW: {}", original.subject());
    let mut inner = st.lock();
    let writes = inner
        .mailbox_writes
        .entry(caller.user.id.clone())
        .or_default();
    writes.sent.push(json!({
        "subject": subject,
        "to": to,
        "cc": cc,
        "body": text,
        "saved_to_sent_items": true,
        "attachments": original.attachments.len(),
        "forward_of": id,
        "sent_at": utc(jiff::Timestamp::now()),
    }));
    if inner.forwards_unconfirmed > 0 {
        inner.forwards_unconfirmed -= 1;
        return Reply::error(
            StatusCode::GATEWAY_TIMEOUT,
            "UnknownError",
            "The gateway did not receive a timely response from the upstream server.",
        );
    }
    accepted()
}

/// `POST /me/events`: an event in the default calendar.
pub fn create_event(st: &AppState, caller: &Caller, body: &[u8]) -> Reply {
    if !caller.has_any(WRITE_CALENDAR) {
        return access_denied();
    }
    let v = match json_body(body) {
        Ok(v) => v,
        Err(reply) => return reply,
    };
    let when = |field: &str| -> Result<(String, String, jiff::Timestamp), Reply> {
        let date_time = v[field]["dateTime"].as_str().unwrap_or("").to_string();
        let zone = v[field]["timeZone"].as_str().unwrap_or("").to_string();
        let Some(tz) = super::zones::resolve(&zone) else {
            return Err(Reply::bad_request(
                "TimeZoneNotSupportedException",
                &format!("A valid TimeZone value must be specified. The following TimeZone value is not supported: '{zone}'."),
            ));
        };
        let instant = date_time
            .parse::<jiff::civil::DateTime>()
            .ok()
            .and_then(|dt| tz.to_ambiguous_zoned_datetime(dt).compatible().ok())
            .map(|z| z.timestamp());
        match instant {
            Some(t) => Ok((date_time, zone, t)),
            None => Err(bad(&format!(
                "'{field}.dateTime' must be a date and time without an offset, like 2026-12-05T10:00:00, not '{date_time}'."
            ))),
        }
    };
    let (start, end) = match (when("start"), when("end")) {
        (Ok(s), Ok(e)) => (s, e),
        (Err(reply), _) | (_, Err(reply)) => return reply,
    };
    if end.2 < start.2 {
        return bad("The end of the event is before its start.");
    }
    let attendees: Vec<String> = v["attendees"]
        .as_array()
        .map(|list| {
            list.iter()
                .filter_map(|a| a["emailAddress"]["address"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let subject = v["subject"].as_str().unwrap_or("").to_string();
    let location = v["location"]["displayName"].as_str().map(str::to_string);
    let mut inner = st.lock();
    let writes = inner
        .mailbox_writes
        .entry(caller.user.id.clone())
        .or_default();
    let id = ids::item_id(&[
        &caller.user.id,
        "created-event",
        &writes.events.len().to_string(),
    ]);
    writes.events.push(json!({
        "id": id,
        "subject": subject,
        "start": start.0,
        "end": end.0,
        "time_zone": start.1,
        "location": location,
        "attendees": attendees,
        "body": text_of(&v),
    }));
    drop(inner);
    created(json!({
        "@odata.context": format!("{}/graph/v1.0/$metadata#users('{}')/events/$entity", st.base, caller.user.id),
        "id": id,
        "subject": subject,
        "start": {"dateTime": format!("{}.0000000", start.0), "timeZone": start.1},
        "end": {"dateTime": format!("{}.0000000", end.0), "timeZone": end.1},
        "webLink": format!("https://outlook.office365.com/owa/?itemid={}&exvsurl=1&path=/calendar/item", percent_encode(&id)),
    }))
}
