//! The files' endpoints: `/_sandbox/files` (POST puts a file, GET reads what is there: size and SHA-256),
//! `/_sandbox/files/touch`, `/move`, `/delete`, `/expire-delta`, and `/_sandbox/upload-sessions` (forget what a
//! session received, or expire it).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse as _, Response};
use base64::Engine as _;
use serde::Deserialize;
use serde_json::json;

use super::{bad_request, control, control_error, ok, parse};
use crate::control::{FileContent, FileInfo, UploadLever};
use crate::state::AppState;

fn answer(result: Result<FileInfo, crate::ControlError>) -> Response {
    match result {
        Ok(info) => ok(json!({ "file": info })),
        Err(e) => control_error(e),
    }
}

#[derive(Deserialize)]
struct PutFileBody {
    user: String,
    path: String,
    #[serde(default)]
    drive: Option<String>,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    base64: Option<String>,
    #[serde(default)]
    size: Option<u64>,
}

/// `POST /_sandbox/files {user, path, text | base64 | size, drive?}`: add or change a file.
pub(super) async fn put_file(State(st): State<Arc<AppState>>, b: Bytes) -> Response {
    let req = body!(PutFileBody, b);
    let content = match (req.text, req.base64, req.size) {
        (Some(t), None, None) => FileContent::Text(t),
        (None, Some(b64), None) => {
            match base64::engine::general_purpose::STANDARD.decode(b64.trim()) {
                Ok(bytes) => FileContent::Bytes(bytes),
                Err(e) => return bad_request(&format!("base64 is not valid base64: {e}")),
            }
        }
        (None, None, Some(size)) => FileContent::Size(size),
        _ => return bad_request("give exactly one of text, base64 or size"),
    };
    let c = control(&st);
    // Writing a large generated file takes a while: off the async workers.
    let result = tokio::task::spawn_blocking(move || {
        c.put_file(&req.user, req.drive.as_deref(), &req.path, content)
    })
    .await;
    match result {
        Ok(r) => answer(r),
        Err(e) => bad_request(&format!("the file could not be written: {e}")),
    }
}

/// `GET /_sandbox/files?user=…&path=…&drive=…`: the file as the sandbox holds it.
pub(super) async fn file_info(State(st): State<Arc<AppState>>, RawQuery(q): RawQuery) -> Response {
    let p = crate::util::parse_pairs(q.unwrap_or_default().as_bytes());
    let (Some(user), Some(path)) = (p.get("user"), p.get("path")) else {
        return bad_request("give user and path");
    };
    answer(control(&st).file_info(user, p.get("drive").map(String::as_str), path))
}

/// `GET /_sandbox/files/content?user=…&path=…&drive=…`: a file's bytes, as the sandbox holds them.
pub(super) async fn file_content(
    State(st): State<Arc<AppState>>,
    RawQuery(q): RawQuery,
) -> Response {
    let p = crate::util::parse_pairs(q.unwrap_or_default().as_bytes());
    let (Some(user), Some(path)) = (p.get("user").cloned(), p.get("path").cloned()) else {
        return bad_request("give user and path");
    };
    let drive = p.get("drive").cloned();
    let c = control(&st);
    // A file on disk is read whole: off the async workers.
    match tokio::task::spawn_blocking(move || c.file_bytes(&user, drive.as_deref(), &path)).await {
        Ok(Ok(bytes)) => (
            [(axum::http::header::CONTENT_TYPE, "application/octet-stream")],
            bytes,
        )
            .into_response(),
        Ok(Err(e)) => control_error(e),
        Err(e) => bad_request(&format!("the file could not be read: {e}")),
    }
}

#[derive(Deserialize)]
struct PathBody {
    user: String,
    path: String,
    #[serde(default)]
    drive: Option<String>,
}

/// `POST /_sandbox/files/touch {user, path, drive?}`: a metadata-only change.
pub(super) async fn touch(State(st): State<Arc<AppState>>, b: Bytes) -> Response {
    let req = body!(PathBody, b);
    answer(control(&st).touch_file(&req.user, req.drive.as_deref(), &req.path))
}

/// `POST /_sandbox/files/delete {user, path, drive?}`.
pub(super) async fn delete(State(st): State<Arc<AppState>>, b: Bytes) -> Response {
    let req = body!(PathBody, b);
    match control(&st).delete_file(&req.user, req.drive.as_deref(), &req.path) {
        Ok(()) => ok(json!({})),
        Err(e) => control_error(e),
    }
}

#[derive(Deserialize)]
struct MoveBody {
    user: String,
    from: String,
    to: String,
    #[serde(default)]
    drive: Option<String>,
}

/// `POST /_sandbox/files/move {user, from, to, drive?}`: move and/or rename.
pub(super) async fn move_file(State(st): State<Arc<AppState>>, b: Bytes) -> Response {
    let req = body!(MoveBody, b);
    answer(control(&st).move_file(&req.user, req.drive.as_deref(), &req.from, &req.to))
}

#[derive(Deserialize)]
struct DriveBody {
    user: String,
    #[serde(default)]
    drive: Option<String>,
}

/// `POST /_sandbox/files/expire-delta {user, drive?}`: the drive's delta tokens answer 410 from now on.
pub(super) async fn expire_delta(State(st): State<Arc<AppState>>, b: Bytes) -> Response {
    let req = body!(DriveBody, b);
    match control(&st).expire_drive_delta(&req.user, req.drive.as_deref()) {
        Ok(()) => ok(json!({})),
        Err(e) => control_error(e),
    }
}

#[derive(Deserialize)]
struct SessionBody {
    upload_url: String,
    #[serde(default)]
    forget: bool,
    #[serde(default)]
    expire: bool,
}

/// `POST /_sandbox/upload-sessions {upload_url, forget?, expire?}`.
pub(super) async fn upload_session(State(st): State<Arc<AppState>>, b: Bytes) -> Response {
    let req = body!(SessionBody, b);
    let lever = match (req.forget, req.expire) {
        (true, false) => UploadLever::Forget,
        (false, true) => UploadLever::Expire,
        _ => return bad_request("give exactly one of forget: true or expire: true"),
    };
    match control(&st).upload_session(&req.upload_url, lever) {
        Ok(()) => ok(json!({})),
        Err(e) => control_error(e),
    }
}
