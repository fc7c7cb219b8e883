//! Uploads, with Graph's rules. A simple upload (`PUT …/root:/path:/content`, up to 250 MB) is spooled to disk
//! as it arrives and placed by `@microsoft.graph.conflictBehavior` (default `replace`). An upload session
//! (`POST …:/createUploadSession`, conflict default `fail`) hands out a pre-authenticated `uploadUrl` on the
//! sandbox's "upload host" (`/_upload/{token}`), which takes the file in fragments: each with `Content-Range`
//! and `Content-Length`, in order (416 otherwise, with what is expected next), at most 60 MiB (413), a multiple
//! of 320 KiB unless it is the last (400), never with an Authorization header (401). Intermediate fragments are
//! answered 202 with `nextExpectedRanges`, the last with the driveItem (201 created, 200 replaced, 409 when the
//! name was taken meanwhile and the behaviour is `fail`). `GET` on the URL tells where a session stands (to
//! resume), `DELETE` cancels it. Fragments go straight to a file in the sandbox's temporary folder.

use std::path::PathBuf;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use http_body_util::BodyExt as _;
use jiff::{SignedDuration, Timestamp};
use serde_json::{json, Value};
use tokio::io::{AsyncSeekExt as _, AsyncWriteExt as _};

use super::content::{injected_failure, refuse_authorization};
use super::data::{folders, who};
use super::hash::Hasher;
use super::items::{check_name, conflict, free_name, item_value, json_body, name_exists, Conflict};
use super::model::{time, Drive, FileBody, Via, Who};
use super::store::{discard, disk_body, mem_body, new_item};
use super::{
    bad, check_item, check_scopes, drive_for, files, item_not_found, not_found, Access, DriveSel,
    ItemAddr,
};
use crate::graph::{Caller, GraphRequest, Reply};
use crate::state::AppState;

/// Graph's limit for a simple upload.
pub const SIMPLE_LIMIT: u64 = 250 * 1024 * 1024;
/// The largest fragment an upload session takes.
pub const FRAGMENT_LIMIT: u64 = 60 * 1024 * 1024;
/// Fragments other than the last are a multiple of this.
pub const FRAGMENT_UNIT: u64 = 320 * 1024;
/// How long a session lives after its last fragment.
const SESSION_LIFETIME: SignedDuration = SignedDuration::from_secs(3600);

/// An upload session under way.
#[derive(Debug, Clone)]
pub struct Session {
    pub drive_id: String,
    /// Where the file goes: `start`, then these folders (made at completion if missing), then `name`.
    pub start: String,
    pub folders: Vec<String>,
    pub name: String,
    /// The file being updated, for a session made on an existing file's ID.
    pub target: Option<String>,
    pub behaviour: Conflict,
    pub who: Who,
    pub via: Via,
    /// The file's size, once a fragment declared it.
    pub total: Option<u64>,
    /// The next byte expected.
    pub next: u64,
    pub path: PathBuf,
    pub expires: Timestamp,
    /// A fragment is being received.
    pub busy: bool,
}

impl Session {
    fn status(&self) -> Value {
        json!({
            "expirationDateTime": time(self.expires),
            "nextExpectedRanges": [format!("{}-", self.next)],
        })
    }
}

/// Put a file into a drive: under `start`/`path` (folders made as needed) as `name`, by `behaviour`. The item's
/// ID and whether it is new (201) rather than replaced (200). Logged for delta.
#[allow(clippy::result_large_err, clippy::too_many_arguments)]
pub fn place(
    drive: &mut Drive,
    start: &str,
    path: &[String],
    name: &str,
    body: FileBody,
    behaviour: Conflict,
    who: &Who,
    when: Timestamp,
) -> Result<(String, bool), Reply> {
    if let Err(r) = check_name(name) {
        discard(&body);
        return Err(r);
    }
    // A file in the way of a folder to make, or a file as the parent: not a folder.
    let mut at = start.to_string();
    for segment in path {
        match drive.child_named(&at, segment) {
            Some(existing) if existing.is_folder() => at = existing.id.clone(),
            Some(_) => {
                discard(&body);
                return Err(bad(&format!("'{segment}' is a file, not a folder.")));
            }
            None => break,
        }
    }
    let refs: Vec<&str> = path.iter().map(String::as_str).collect();
    let (parent, made) = folders(drive, start, &refs, who, when);
    for id in &made {
        drive.record(id);
    }
    let mut name = name.to_string();
    if let Some(existing) = drive.child_named(&parent, &name).cloned() {
        match behaviour {
            Conflict::Fail => {
                discard(&body);
                return Err(name_exists());
            }
            Conflict::Rename => name = free_name(drive, &parent, &name),
            Conflict::Replace if existing.is_folder() => {
                discard(&body);
                return Err(name_exists());
            }
            Conflict::Replace => {
                replace_content(drive, &existing.id, body, who, when);
                return Ok((existing.id, false));
            }
        }
    }
    let mut body = body;
    body.mime = super::formats::mime_type(&name).to_string();
    let item = new_item(drive, &parent, &name, Some(body), who, when);
    let id = item.id.clone();
    drive.items.insert(id.clone(), item);
    drive.record(&id);
    Ok((id, true))
}

/// New bytes for an existing file: new eTag and cTag, hashes and size; the old bytes are dropped.
pub fn replace_content(
    drive: &mut Drive,
    id: &str,
    mut body: FileBody,
    who: &Who,
    when: Timestamp,
) {
    if let Some(item) = drive.items.get_mut(id) {
        body.mime = super::formats::mime_type(&item.name).to_string();
        if let Some(old) = item.file.replace(body) {
            discard(&old);
        }
        item.etag += 1;
        item.ctag += 1;
        item.modified = when;
        item.content_modified = when;
        item.modified_by = who.clone();
    }
    drive.record(id);
}

/// The drive, start item and path of an upload address, with write access checked.
#[allow(clippy::result_large_err)]
fn target(
    inner: &crate::state::Inner,
    caller: &Caller,
    sel: &DriveSel,
    addr: &ItemAddr,
) -> Result<(String, String, Via), Reply> {
    let (drive_id, via) = drive_for(inner, caller, sel)?;
    let drive = inner.files.drive(&drive_id).ok_or_else(item_not_found)?;
    check_scopes(caller, drive, Access::Write)?;
    let start = if addr.root {
        drive.root.clone()
    } else {
        drive
            .get(&addr.id)
            .map(|i| i.id.clone())
            .ok_or_else(item_not_found)?
    };
    check_item(drive, caller, &start, Access::Write)?;
    Ok((drive_id, start, via))
}

/// `PUT …/content`: the body (spooled to disk over HTTP, or a `$batch` item's) becomes the file.
pub fn simple_upload(
    st: &AppState,
    caller: &Caller,
    req: &GraphRequest,
    sel: &DriveSel,
    addr: &ItemAddr,
) -> Reply {
    let q = crate::graph::odata::Query::parse(req.query);
    let behaviour = match conflict(
        q.get("@microsoft.graph.conflictBehavior"),
        Conflict::Replace,
    ) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let body = match req.upload {
        Some(spooled) => spooled.clone(),
        None => mem_body("", req.body.to_vec()),
    };
    let mut inner = files(st);
    let (drive_id, start, via) = match target(&inner, caller, sel, addr) {
        Ok(t) => t,
        Err(r) => {
            discard(&body);
            return r;
        }
    };
    let key = inner.files.key.clone();
    let me = who(&caller.user);
    let Some(drive) = inner.files.drive_mut(&drive_id) else {
        return item_not_found();
    };
    let now = Timestamp::now();
    let placed = match addr.path.split_last() {
        // `items/{id}/content`: new bytes for that file.
        None => match drive.get(&start) {
            Some(item) if !item.is_folder() => {
                replace_content(drive, &start, body, &me, now);
                Ok((start.clone(), false))
            }
            _ => {
                discard(&body);
                Err(bad("Content can only be uploaded to a file, or to a new name in a folder (…:/name:/content)."))
            }
        },
        Some((name, folders)) => place(drive, &start, folders, name, body, behaviour, &me, now),
    };
    let (id, created) = match placed {
        Ok(p) => p,
        Err(r) => return r,
    };
    let drive = &*drive;
    let Some(item) = drive.get(&id) else {
        return item_not_found();
    };
    let mut value = item_value(st, &key, drive, item, via);
    value["@odata.context"] = json!(super::context(st, "driveItem/$entity"));
    Reply {
        status: if created {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        },
        ..Reply::ok(value)
    }
}

/// Spool a request body to a file in the sandbox's folder, hashing it on the way; at most `limit` bytes.
pub async fn spool(
    st: &AppState,
    body: Body,
    limit: u64,
    personal: bool,
) -> Result<FileBody, Reply> {
    let path = {
        let mut inner = st.lock();
        inner.files.blob_path()
    }
    .map_err(|e| {
        Reply::error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "generalException",
            &e.to_string(),
        )
    })?;
    let result = write_body(&path, body, 0, limit, Some(Hasher::for_drive(personal))).await;
    match result {
        Ok(hashes) => Ok(FileBody {
            blob: super::model::Blob::Disk(path),
            size: hashes.1,
            hashes: hashes.0,
            mime: String::new(),
        }),
        Err(e) => {
            let _ = std::fs::remove_file(&path);
            Err(match e {
                WriteError::TooLarge => Reply::error(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "requestTooLarge",
                    "A simple upload takes at most 250 MB; use an upload session for larger files.",
                ),
                WriteError::Io(e) => Reply::error(
                    StatusCode::BAD_REQUEST,
                    "invalidRequest",
                    &format!("The request body could not be read: {e}"),
                ),
            })
        }
    }
}

enum WriteError {
    TooLarge,
    Io(String),
}

/// Write `body` into `path` at `offset` (the file cut there first), at most `limit` bytes: the hashes of what
/// was written (with a hasher) and how many bytes.
async fn write_body(
    path: &PathBuf,
    body: Body,
    offset: u64,
    limit: u64,
    hasher: Option<Hasher>,
) -> Result<(super::hash::Hashes, u64), WriteError> {
    let io = |e: std::io::Error| WriteError::Io(e.to_string());
    let mut file = tokio::fs::OpenOptions::new()
        .create(true)
        .write(true)
        .truncate(false)
        .open(path)
        .await
        .map_err(io)?;
    file.set_len(offset).await.map_err(io)?;
    file.seek(std::io::SeekFrom::Start(offset))
        .await
        .map_err(io)?;
    let mut hasher = hasher;
    let mut body = body;
    let mut written = 0u64;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| WriteError::Io(e.to_string()))?;
        if let Ok(data) = frame.into_data() {
            written += data.len() as u64;
            if written > limit {
                return Err(WriteError::TooLarge);
            }
            if let Some(h) = &mut hasher {
                h.update(&data);
            }
            file.write_all(&data).await.map_err(io)?;
        }
    }
    file.flush().await.map_err(io)?;
    Ok((hasher.map(Hasher::finish).unwrap_or_default(), written))
}

/// `POST …:/createUploadSession` (or `…/items/{id}/createUploadSession` for an existing file).
pub fn create_session(
    st: &AppState,
    caller: &Caller,
    req: &GraphRequest,
    sel: &DriveSel,
    addr: &ItemAddr,
) -> Reply {
    let body = match json_body(req.body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let item = &body["item"];
    let behaviour = match conflict(
        item["@microsoft.graph.conflictBehavior"].as_str(),
        Conflict::Fail,
    ) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let mut inner = files(st);
    let (drive_id, start, via) = match target(&inner, caller, sel, addr) {
        Ok(t) => t,
        Err(r) => return r,
    };
    let Some(drive) = inner.files.drive(&drive_id) else {
        return item_not_found();
    };
    let (folders, name, target_id) = match addr.path.split_last() {
        Some((name, folders)) => {
            if let Some(given) = item["name"].as_str() {
                if given != name {
                    return bad("The name in the request body must be the name in the path.");
                }
            }
            (folders.to_vec(), name.clone(), None)
        }
        None => match drive.get(&start) {
            Some(existing) if !existing.is_folder() => {
                (Vec::new(), existing.name.clone(), Some(existing.id.clone()))
            }
            _ => return bad(
                "Name a new file in the path (…/items/{parent-id}:/{name}:/createUploadSession).",
            ),
        },
    };
    if let Err(r) = check_name(&name) {
        return r;
    }
    // With `fail`, a name already taken is refused now (and again at completion, if it is taken meanwhile).
    if target_id.is_none() && behaviour == Conflict::Fail {
        let existing = drive
            .walk(&start, &folders)
            .and_then(|parent| drive.child_named(&parent.id, &name));
        if existing.is_some() {
            return name_exists();
        }
    }
    let path = match inner.files.blob_path() {
        Ok(p) => p,
        Err(e) => {
            return Reply::error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "generalException",
                &e.to_string(),
            )
        }
    };
    if let Err(e) = std::fs::File::create(&path) {
        return Reply::error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "generalException",
            &e.to_string(),
        );
    }
    let token = crate::util::random_b64(3);
    let session = Session {
        drive_id,
        start,
        folders,
        name,
        target: target_id,
        behaviour,
        who: who(&caller.user),
        via,
        total: None,
        next: 0,
        path,
        expires: Timestamp::now() + SESSION_LIFETIME,
        busy: false,
    };
    let mut body = session.status();
    body["uploadUrl"] = json!(format!("{}/_upload/{token}", st.base));
    body["@odata.context"] = json!(super::context(st, "microsoft.graph.uploadSession"));
    inner.files.sessions.insert(token, session);
    Reply::ok(body)
}

fn host_reply(reply: Reply) -> Response {
    reply.into_response()
}

fn session_gone() -> Response {
    host_reply(not_found(
        "The upload session was not found: it expired, was cancelled or completed.",
    ))
}

/// The live session of a token (an expired one is dropped, its bytes with it).
fn live(st: &AppState, token: &str) -> Option<Session> {
    let mut inner = st.lock();
    let session = inner.files.sessions.get(token)?.clone();
    if session.expires <= Timestamp::now() {
        inner.files.sessions.remove(token);
        let _ = std::fs::remove_file(&session.path);
        return None;
    }
    Some(session)
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
        Some(_) => Err(super::item_not_found()),
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

/// The session an `uploadUrl` (or its token) names.
pub fn token_of(upload_url: &str) -> &str {
    upload_url
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or(upload_url)
}
