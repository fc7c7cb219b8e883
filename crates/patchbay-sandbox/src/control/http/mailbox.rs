//! The mailbox's endpoints: mail (with attachments) and events by hand (`/_sandbox/deliver-mail`,
//! `/_sandbox/events`, `/_sandbox/events/change`), what apps wrote (`/_sandbox/mailbox-writes/{email}`), a
//! message's or a folder's state (`/_sandbox/messages`), attachments' reads (`/_sandbox/attachment-reads`) and the
//! mailbox's zone.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use base64::Engine as _;
use serde::Deserialize;
use serde_json::json;

use super::{bad_request, control, control_error, ok, parse, refuse};
use crate::control::{ControlError, MailState, NewAttachment, NewMail};
use crate::state::AppState;

#[derive(Deserialize)]
struct MailboxTimeZoneBody {
    /// The user, like `user` elsewhere.
    #[serde(alias = "user")]
    email: String,
    time_zone: String,
}

pub(super) async fn mailbox_time_zone(State(st): State<Arc<AppState>>, b: Bytes) -> Response {
    let req = body!(MailboxTimeZoneBody, b);
    match control(&st).set_mailbox_time_zone(&req.email, &req.time_zone) {
        Ok(()) => ok(json!({"time_zone": req.time_zone.trim()})),
        Err(e) => control_error(e),
    }
}

#[derive(Deserialize)]
struct DeliverMailBody {
    /// The user, like `user` elsewhere.
    #[serde(alias = "user")]
    email: String,
    #[serde(default)]
    from_name: String,
    from_address: String,
    subject: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    has_attachments: bool,
    /// Attachments of any kind (then `has_attachments` is not looked at).
    #[serde(default)]
    attachments: Option<Vec<AttachmentBody>>,
}

/// One attachment of `/_sandbox/deliver-mail`: `kind` `file` (`name`, `content_type`, one of `text`, `base64`
/// or `size`, `inline`, `content_id`), `item` (an attached mail: `subject`, `from_name`, `from_address`, `body`)
/// or `reference` (`name`, `content_type`).
#[derive(Deserialize)]
struct AttachmentBody {
    kind: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    content_type: Option<String>,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    base64: Option<String>,
    /// This many bytes, byte `i` being `i % 251` (how to attach 25 MiB without sending them).
    #[serde(default)]
    size: Option<u64>,
    #[serde(default)]
    inline: bool,
    #[serde(default)]
    content_id: Option<String>,
    #[serde(default)]
    subject: String,
    #[serde(default)]
    from_name: String,
    #[serde(default)]
    from_address: String,
    #[serde(default)]
    body: String,
}

/// The largest `size` attachment the endpoint makes (Graph's own limit for a message is 150 MB).
const MAX_SIZE: u64 = 150 * 1024 * 1024;

fn new_attachment(a: AttachmentBody) -> Result<NewAttachment, String> {
    let content_type = a
        .content_type
        .unwrap_or_else(|| "application/octet-stream".into());
    match a.kind.as_str() {
        "file" => {
            let bytes = match (a.text, a.base64, a.size) {
                (Some(t), None, None) => t.into_bytes(),
                (None, Some(b), None) => base64::engine::general_purpose::STANDARD
                    .decode(b.trim())
                    .map_err(|e| format!("base64 is not valid base64: {e}"))?,
                (None, None, Some(n)) if n <= MAX_SIZE => crate::attachment_pattern(n as usize),
                (None, None, Some(n)) => {
                    return Err(format!(
                        "size {n} is over 150 MiB, the most a message carries"
                    ))
                }
                _ => {
                    return Err("give a file attachment exactly one of text, base64 or size".into())
                }
            };
            Ok(NewAttachment::File {
                name: a.name,
                content_type,
                bytes,
                inline: a.inline,
                content_id: a.content_id,
            })
        }
        "item" => Ok(NewAttachment::Mail {
            subject: a.subject,
            from: (a.from_name, a.from_address),
            body: a.body,
        }),
        "reference" => Ok(NewAttachment::Reference {
            name: a.name,
            content_type,
        }),
        other => Err(format!(
            "kind \"{other}\" is not an attachment kind: use file, item or reference"
        )),
    }
}

/// `POST /_sandbox/deliver-mail {user (or email), from_name?, from_address, subject, body?, has_attachments?,
/// attachments?}`: a new message in a user's inbox, now (for trying automations offline): `{id}`, and with
/// `attachments` their IDs too, in order: `{id, attachment_ids}`. Each attachment is one of
/// `{kind: "file", name, content_type? (application/octet-stream), text | base64 | size, inline?, content_id?}`
/// (`size`: that many bytes of `patchbay_sandbox::attachment_pattern`, byte `i` being `i % 251`),
/// `{kind: "item", subject, from_name, from_address, body}` (an attached mail) or
/// `{kind: "reference", name, content_type?}` (a link). Names are kept exactly as given, however hostile.
pub(super) async fn deliver_mail(State(st): State<Arc<AppState>>, b: Bytes) -> Response {
    let req = body!(DeliverMailBody, b);
    let Some(list) = req.attachments else {
        return match control(&st).deliver_mail(
            &req.email,
            (&req.from_name, &req.from_address),
            &req.subject,
            &req.body,
            req.has_attachments,
        ) {
            Ok(id) => ok(json!({ "id": id })),
            Err(e) => control_error(e),
        };
    };
    let attachments = match list.into_iter().map(new_attachment).collect() {
        Ok(a) => a,
        Err(message) => return bad_request(&message),
    };
    let mail = NewMail {
        from: (req.from_name, req.from_address),
        subject: req.subject,
        body: req.body,
        attachments,
    };
    let c = control(&st);
    let email = req.email;
    // Making a large attachment takes a moment: off the async workers.
    match tokio::task::spawn_blocking(move || c.deliver_mail_with(&email, mail)).await {
        Ok(Ok(d)) => ok(json!({ "id": d.id, "attachment_ids": d.attachment_ids })),
        Ok(Err(e)) => control_error(e),
        Err(e) => bad_request(&format!("the message could not be delivered: {e}")),
    }
}

/// `GET /_sandbox/messages?user=…&id=…`: one message as it is now (`{message}`; 404 when it is gone, as a moved
/// message's old ID is); `…&original_id=…`: the message that arrived with that ID, wherever it was moved
/// (`{message}`, 404 when removed); `…&folder=…`: a folder's messages (`{messages}`, newest first).
pub(super) async fn messages(State(st): State<Arc<AppState>>, RawQuery(q): RawQuery) -> Response {
    let p = crate::util::parse_pairs(q.unwrap_or_default().as_bytes());
    let Some(user) = p.get("user") else {
        return bad_request("give user, and id, original_id or folder");
    };
    let one = |found: Result<Option<MailState>, ControlError>, id: &str| match found {
        Ok(Some(m)) => ok(json!({ "message": m })),
        Ok(None) => refuse(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("there is no message '{id}' in {user}'s mailbox"),
        ),
        Err(e) => control_error(e),
    };
    match (p.get("id"), p.get("original_id"), p.get("folder")) {
        (Some(id), None, None) => one(control(&st).mail_message(user, id), id),
        (None, Some(id), None) => one(control(&st).mail_message_by_original(user, id), id),
        (None, None, Some(folder)) => match control(&st).mail_folder_messages(user, folder) {
            Ok(list) => ok(json!({ "messages": list })),
            Err(e) => control_error(e),
        },
        _ => bad_request("give user, and one of id, original_id or folder"),
    }
}

/// `GET /_sandbox/attachment-reads?user=…`: how many times each attachment's bytes were served, by attachment ID
/// (`{reads: {"<attachment id>": 1}}`; attachments never read are not listed).
pub(super) async fn attachment_reads(
    State(st): State<Arc<AppState>>,
    RawQuery(q): RawQuery,
) -> Response {
    let p = crate::util::parse_pairs(q.unwrap_or_default().as_bytes());
    let Some(user) = p.get("user") else {
        return bad_request("give user");
    };
    match control(&st).attachment_reads(user) {
        Ok(reads) => ok(json!({ "reads": reads })),
        Err(e) => control_error(e),
    }
}

#[derive(Deserialize)]
struct AddEventBody {
    email: String,
    subject: String,
    /// RFC 3339.
    start: String,
    end: String,
}

fn instant(field: &str, text: &str) -> Result<jiff::Timestamp, Response> {
    text.parse().map_err(|e| {
        refuse(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            format!("{field} \"{text}\" is not an RFC 3339 time ({e}), e.g. 2026-12-04T09:00:00Z."),
        )
    })
}

/// A new event in a user's calendar (for trying calendar automations offline): `{id}`.
pub(super) async fn add_event(State(st): State<Arc<AppState>>, b: Bytes) -> Response {
    let req = body!(AddEventBody, b);
    let (start, end) = match (instant("start", &req.start), instant("end", &req.end)) {
        (Ok(s), Ok(e)) => (s, e),
        (Err(r), _) | (_, Err(r)) => return r,
    };
    match control(&st).add_event(&req.email, &req.subject, start, end) {
        Ok(id) => ok(json!({ "id": id })),
        Err(e) => control_error(e),
    }
}

#[derive(Deserialize)]
struct ChangeEventBody {
    email: String,
    id: String,
    #[serde(default)]
    subject: Option<String>,
    #[serde(default)]
    start: Option<String>,
    #[serde(default)]
    end: Option<String>,
    #[serde(default)]
    cancel: bool,
    #[serde(default)]
    delete: bool,
}

/// Change an event (`subject`, `start` and `end`), cancel it (`cancel`) or delete it (`delete`).
pub(super) async fn change_event(State(st): State<Arc<AppState>>, b: Bytes) -> Response {
    let req = body!(ChangeEventBody, b);
    let parse =
        |field: &str, v: &Option<String>| v.as_deref().map(|t| instant(field, t)).transpose();
    let (start, end) = match (parse("start", &req.start), parse("end", &req.end)) {
        (Ok(s), Ok(e)) => (s, e),
        (Err(r), _) | (_, Err(r)) => return r,
    };
    let change = crate::graph::calendar_delta::EventChange {
        subject: req.subject,
        start,
        end,
        cancel: req.cancel,
        delete: req.delete,
    };
    match control(&st).change_event(&req.email, &req.id, change) {
        Ok(()) => ok(json!({})),
        Err(e) => control_error(e),
    }
}

/// `GET /_sandbox/mailbox-writes/{email}`: what apps wrote into a user's mailbox: `{drafts, sent, events}`; a
/// forward is in `sent` with `forward_of` the message's ID (see `graph::writes::Writes`).
pub(super) async fn mailbox_writes(
    State(st): State<Arc<AppState>>,
    Path(email): Path<String>,
) -> Response {
    match control(&st).mailbox_writes(&email) {
        Ok(writes) => {
            ok(json!({"drafts": writes.drafts, "sent": writes.sent, "events": writes.events}))
        }
        Err(e) => control_error(e),
    }
}
