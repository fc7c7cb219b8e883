//! The mailbox's endpoints: mail and events by hand (`/_sandbox/deliver-mail`, `/_sandbox/events`,
//! `/_sandbox/events/change`), what apps wrote (`/_sandbox/mailbox-writes/{email}`) and the mailbox's zone.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;

use super::{control, control_error, ok, parse, refuse};
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
    email: String,
    #[serde(default)]
    from_name: String,
    from_address: String,
    subject: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    has_attachments: bool,
}

/// A new message in a user's inbox (for trying automations offline): `{id}`.
pub(super) async fn deliver_mail(State(st): State<Arc<AppState>>, b: Bytes) -> Response {
    let req = body!(DeliverMailBody, b);
    match control(&st).deliver_mail(
        &req.email,
        (&req.from_name, &req.from_address),
        &req.subject,
        &req.body,
        req.has_attachments,
    ) {
        Ok(id) => ok(json!({ "id": id })),
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

/// What apps wrote into a user's mailbox: `{drafts, sent, events}`.
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
