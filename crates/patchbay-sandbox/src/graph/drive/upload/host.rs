//! The upload host (`/_upload/{token}`), outside the Graph root and without a bearer token: `PUT` a fragment
//! (`Content-Range`, `Content-Length`, in order, at most 60 MiB, a multiple of 320 KiB unless last), `GET`
//! where the session stands, `DELETE` to cancel; the last fragment completes the upload.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use serde_json::json;

use super::place::{place, replace_content};
use super::session::{live, Session, SESSION_LIFETIME};
use super::spool::write_body;
use crate::graph::drive::content::{injected_failure, refuse_authorization};
use crate::graph::drive::items::{item_value, Conflict};
use crate::graph::drive::store::disk_body;
use crate::graph::drive::{bad, not_found};
use crate::graph::Reply;
use crate::state::AppState;

/// The largest fragment an upload session takes.
pub const FRAGMENT_LIMIT: u64 = 60 * 1024 * 1024;
/// Fragments other than the last are a multiple of this.
pub const FRAGMENT_UNIT: u64 = 320 * 1024;

fn host_reply(reply: Reply) -> Response {
    reply.into_response()
}

fn session_gone() -> Response {
    host_reply(not_found(
        "The upload session was not found: it expired, was cancelled or completed.",
    ))
}

/// `GET uploadUrl`: where the session stands.
pub async fn status(
    State(st): State<Arc<AppState>>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Some(r) = refuse_authorization(&headers) {
        return r;
    }
    if let Some(r) = injected_failure(&st) {
        return r;
    }
    match live(&st, &token) {
        Some(s) => host_reply(Reply::ok(s.status())),
        None => session_gone(),
    }
}

/// `DELETE uploadUrl`: cancel (204).
pub async fn cancel(
    State(st): State<Arc<AppState>>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Some(r) = refuse_authorization(&headers) {
        return r;
    }
    if let Some(r) = injected_failure(&st) {
        return r;
    }
    if live(&st, &token).is_none() {
        return session_gone();
    }
    let removed = st.lock().files.sessions.remove(&token);
    if let Some(s) = removed {
        let _ = std::fs::remove_file(&s.path);
    }
    StatusCode::NO_CONTENT.into_response()
}

/// `bytes a-b/total`.
fn content_range(headers: &HeaderMap) -> Option<(u64, u64, u64)> {
    let raw = headers.get(header::CONTENT_RANGE)?.to_str().ok()?;
    let spec = raw.trim().strip_prefix("bytes")?.trim_start();
    let (span, total) = spec.split_once('/')?;
    let (a, b) = span.split_once('-')?;
    let (a, b, total) = (
        a.trim().parse().ok()?,
        b.trim().parse().ok()?,
        total.trim().parse().ok()?,
    );
    (a <= b && b < total).then_some((a, b, total))
}

fn invalid_range(status: StatusCode, message: &str, session: &Session) -> Response {
    let mut reply = Reply::error(status, "invalidRange", message);
    reply.body["nextExpectedRanges"] = json!([format!("{}-", session.next)]);
    host_reply(reply)
}

/// `PUT uploadUrl`: one fragment.
pub async fn fragment(
    State(st): State<Arc<AppState>>,
    Path(token): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    if let Some(r) = refuse_authorization(&headers) {
        return r;
    }
    if let Some(r) = injected_failure(&st) {
        return r;
    }
    let Some(session) = live(&st, &token) else {
        return session_gone();
    };
    if session.busy {
        return host_reply(Reply::error(
            StatusCode::CONFLICT,
            "uploadSessionFailed",
            "Another fragment of this upload session is being received; send fragments one at a time.",
        ));
    }
    let Some(length) = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
    else {
        return host_reply(Reply::error(
            StatusCode::LENGTH_REQUIRED,
            "invalidRequest",
            "A fragment needs a Content-Length header.",
        ));
    };
    if length > FRAGMENT_LIMIT {
        return host_reply(Reply::error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "requestTooLarge",
            "A fragment may be at most 60 MiB (62,914,560 bytes).",
        ));
    }
    let Some((first, last, total)) = content_range(&headers) else {
        return host_reply(bad(
            "The Content-Range header is missing or malformed: send bytes {first}-{last}/{total}.",
        ));
    };
    if last - first + 1 != length {
        return host_reply(bad(
            "The Content-Range header and the Content-Length header do not agree.",
        ));
    }
    if session.total.is_some_and(|t| t != total) {
        return host_reply(bad(
            "The fragment declares a different file size than the session's earlier fragments.",
        ));
    }
    if first != session.next {
        let message = if first < session.next {
            "The uploaded fragment overlaps with data that has already been received."
        } else {
            "The uploaded fragment does not start at the next expected byte."
        };
        return invalid_range(StatusCode::RANGE_NOT_SATISFIABLE, message, &session);
    }
    let is_last = last + 1 == total;
    if !is_last && length % FRAGMENT_UNIT != 0 {
        return invalid_range(
            StatusCode::BAD_REQUEST,
            "The fragment size must be a multiple of 320 KiB (327,680 bytes) unless it is the last fragment.",
            &session,
        );
    }
    {
        let mut inner = st.lock();
        match inner.files.sessions.get_mut(&token) {
            Some(s) if !s.busy && s.next == first => s.busy = true,
            _ => return session_gone(),
        }
    }
    // A client that goes away mid-fragment drops this handler at the await below: the session must not stay
    // busy (409) for the rest of its life, so whatever ends the handler frees it.
    let _free = Busy {
        st: &st,
        token: &token,
    };
    let written = write_body(&session.path, body, first, length, None).await;
    let ok = matches!(&written, Ok((_, n)) if *n == length);
    {
        let mut inner = st.lock();
        let Some(s) = inner.files.sessions.get_mut(&token) else {
            return session_gone();
        };
        s.busy = false;
        if ok {
            s.next = last + 1;
            s.total = Some(total);
            s.expires = Timestamp::now() + SESSION_LIFETIME;
        }
    }
    if !ok {
        // What arrived of this fragment is ignored: the file is cut back where it started.
        if let Ok(f) = std::fs::OpenOptions::new().write(true).open(&session.path) {
            let _ = f.set_len(first);
        }
        return host_reply(bad(
            "The fragment's body does not match its Content-Length; it was not kept.",
        ));
    }
    if !is_last {
        let Some(s) = live(&st, &token) else {
            return session_gone();
        };
        return (
            StatusCode::ACCEPTED,
            [(header::CONTENT_TYPE, crate::graph::reply::ODATA_JSON)],
            s.status().to_string(),
        )
            .into_response();
    }
    complete(&st, &token, &session).await
}

/// A session marked busy while a fragment is written; freed when the handler ends, however it ends.
struct Busy<'a> {
    st: &'a AppState,
    token: &'a str,
}

impl Drop for Busy<'_> {
    fn drop(&mut self) {
        if let Some(s) = self.st.lock().files.sessions.get_mut(self.token) {
            s.busy = false;
        }
    }
}

/// The last fragment arrived: hash the file and put it in place.
async fn complete(st: &AppState, token: &str, session: &Session) -> Response {
    let personal = st
        .lock()
        .files
        .drive(&session.drive_id)
        .is_some_and(|d| d.personal());
    let body = match disk_body(&session.name, session.path.clone(), personal).await {
        Ok(b) => b,
        Err(e) => {
            return host_reply(Reply::error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "generalException",
                &e.to_string(),
            ))
        }
    };
    let mut inner = st.lock();
    let key = inner.files.key.clone();
    let Some(drive) = inner.files.drive_mut(&session.drive_id) else {
        return session_gone();
    };
    let now = Timestamp::now();
    let placed = match &session.target {
        Some(id) if drive.get(id).is_some() => {
            replace_content(drive, id, body, &session.who, now);
            Ok((id.clone(), false))
        }
        Some(_) => Err(crate::graph::drive::item_not_found()),
        None => {
            // A conflict keeps the session (and its bytes) until it expires, as Graph does.
            if session.behaviour == Conflict::Fail {
                let taken = drive
                    .walk(&session.start, &session.folders)
                    .and_then(|p| drive.child_named(&p.id, &session.name))
                    .is_some();
                if taken {
                    return host_reply(Reply::error(
                        StatusCode::CONFLICT,
                        "nameAlreadyExists",
                        "Another file exists with the same name as the uploaded session. You can redirect the \
                         upload session to use a new filename by calling PUT with the new metadata and \
                         @microsoft.graph.sourceUrl attribute.",
                    ));
                }
            }
            place(
                drive,
                &session.start,
                &session.folders,
                &session.name,
                body,
                session.behaviour,
                &session.who,
                now,
            )
        }
    };
    let (id, created) = match placed {
        Ok(p) => p,
        Err(r) => return host_reply(r),
    };
    let value = {
        let drive = &*drive;
        match drive.get(&id) {
            Some(item) => item_value(st, &key, drive, item, session.via),
            None => return session_gone(),
        }
    };
    // The bytes now belong to the item.
    inner.files.sessions.remove(token);
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    (
        status,
        [(header::CONTENT_TYPE, crate::graph::reply::ODATA_JSON)],
        value.to_string(),
    )
        .into_response()
}
