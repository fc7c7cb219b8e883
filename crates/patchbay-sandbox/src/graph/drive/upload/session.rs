//! Upload sessions: what one holds, `createUploadSession` (conflict default `fail`) handing out the
//! pre-authenticated `uploadUrl`, and finding a live session by its token.

use std::path::PathBuf;

use axum::http::StatusCode;
use jiff::{SignedDuration, Timestamp};
use serde_json::{json, Value};

use super::simple::target;
use crate::graph::drive::data::who;
use crate::graph::drive::items::{check_name, conflict, json_body, name_exists, Conflict};
use crate::graph::drive::model::{time, Via, Who};
use crate::graph::drive::{bad, files, item_not_found, DriveSel, ItemAddr};
use crate::graph::{Caller, GraphRequest, Reply};
use crate::state::AppState;

/// How long a session lives after its last fragment.
pub(super) const SESSION_LIFETIME: SignedDuration = SignedDuration::from_secs(3600);

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
    pub(super) fn status(&self) -> Value {
        json!({
            "expirationDateTime": time(self.expires),
            "nextExpectedRanges": [format!("{}-", self.next)],
        })
    }
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
    body["@odata.context"] = json!(crate::graph::drive::context(
        st,
        "microsoft.graph.uploadSession"
    ));
    inner.files.sessions.insert(token, session);
    Reply::ok(body)
}

/// The live session of a token (an expired one is dropped, its bytes with it).
pub(super) fn live(st: &AppState, token: &str) -> Option<Session> {
    let mut inner = st.lock();
    let session = inner.files.sessions.get(token)?.clone();
    if session.expires <= Timestamp::now() {
        inner.files.sessions.remove(token);
        let _ = std::fs::remove_file(&session.path);
        return None;
    }
    Some(session)
}

/// The session an `uploadUrl` (or its token) names.
pub fn token_of(upload_url: &str) -> &str {
    upload_url
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or(upload_url)
}
