//! What every write checks: the request's JSON body, a name OneDrive allows, the conflict behaviour and the
//! name a conflict renames to, and `If-Match` against the item's eTag or cTag.

use axum::http::StatusCode;
use serde_json::{json, Value};

use crate::graph::drive::bad;
use crate::graph::drive::model::{Drive, Item};
use crate::graph::{GraphRequest, Reply};

/// `@microsoft.graph.conflictBehavior`: `fail`, `replace` or `rename`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conflict {
    Fail,
    Replace,
    Rename,
}

#[allow(clippy::result_large_err)]
pub fn conflict(raw: Option<&str>, default: Conflict) -> Result<Conflict, Reply> {
    match raw.map(|r| r.trim().to_ascii_lowercase()).as_deref() {
        None | Some("") => Ok(default),
        Some("fail") => Ok(Conflict::Fail),
        Some("replace") => Ok(Conflict::Replace),
        Some("rename") => Ok(Conflict::Rename),
        Some(other) => Err(bad(&format!(
            "Invalid value '{other}' for @microsoft.graph.conflictBehavior: use fail, replace or rename."
        ))),
    }
}

pub fn name_exists() -> Reply {
    Reply::error(
        StatusCode::CONFLICT,
        "nameAlreadyExists",
        "The specified item name already exists.",
    )
}

/// OneDrive's rename on conflict: `name 1.ext`, `name 2.ext`, …
pub fn free_name(drive: &Drive, parent: &str, name: &str) -> String {
    let (stem, ext) = match name.rfind('.') {
        Some(dot) if dot > 0 => (&name[..dot], &name[dot..]),
        _ => (name, ""),
    };
    (1..)
        .map(|n| format!("{stem} {n}{ext}"))
        .find(|candidate| drive.child_named(parent, candidate).is_none())
        .unwrap_or_else(|| name.to_string())
}

/// OneDrive's rules for a name: not empty, no `" * : < > ? / \ |`, no leading or trailing space.
#[allow(clippy::result_large_err)]
pub fn check_name(name: &str) -> Result<(), Reply> {
    if name.is_empty()
        || name.trim() != name
        || name.contains(['"', '*', ':', '<', '>', '?', '/', '\\', '|'])
        || name == "."
        || name == ".."
    {
        return Err(bad(&format!(
            "The name '{name}' contains characters that are not allowed in a file or folder name."
        )));
    }
    Ok(())
}

/// A JSON request body (`{}` when empty).
#[allow(clippy::result_large_err)]
pub fn json_body(body: &[u8]) -> Result<Value, Reply> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(json!({}));
    }
    serde_json::from_slice(body).map_err(|e| {
        Reply::bad_request(
            "BadRequest",
            &format!("Unable to read JSON request payload: {e}"),
        )
    })
}

pub fn precondition_failed() -> Reply {
    Reply::error(
        StatusCode::PRECONDITION_FAILED,
        "resourceModified",
        "ETag does not match current item's value",
    )
}

/// `If-Match` on a write: absent or `*` passes, as does the item's current eTag or cTag; anything else is
/// Graph's 412.
#[allow(clippy::result_large_err)]
pub fn check_if_match(req: &GraphRequest, drive: &Drive, item: &Item) -> Result<(), Reply> {
    if let Some(want) = req.headers.get("if-match").and_then(|v| v.to_str().ok()) {
        if want.trim() != "*" && want.trim() != drive.etag(item) && want.trim() != drive.ctag(item)
        {
            return Err(precondition_failed());
        }
    }
    Ok(())
}
