//! The simple upload: `PUT …/content` (up to 250 MB), placed by `@microsoft.graph.conflictBehavior` (default
//! `replace`), and the upload address both kinds of upload start from.

use axum::http::StatusCode;
use jiff::Timestamp;
use serde_json::json;

use super::place::{place, replace_content};
use crate::graph::drive::data::who;
use crate::graph::drive::items::{conflict, item_value, Conflict};
use crate::graph::drive::model::Via;
use crate::graph::drive::store::{discard, mem_body};
use crate::graph::drive::{
    bad, check_item, check_scopes, drive_for, files, item_not_found, Access, DriveSel, ItemAddr,
};
use crate::graph::{Caller, GraphRequest, Reply};
use crate::state::AppState;

/// Graph's limit for a simple upload.
pub const SIMPLE_LIMIT: u64 = 250 * 1024 * 1024;

/// The drive, start item and path of an upload address, with write access checked.
#[allow(clippy::result_large_err)]
pub(super) fn target(
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
    value["@odata.context"] = json!(crate::graph::drive::context(st, "driveItem/$entity"));
    Reply {
        status: if created {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        },
        ..Reply::ok(value)
    }
}
