//! Writing items (other than uploads): a new folder, rename and move (`PATCH`), delete, and the removal of an
//! item with everything below it.

use axum::http::StatusCode;
use serde_json::{json, Value};

use super::rules::{
    check_if_match, check_name, conflict, free_name, json_body, name_exists, Conflict,
};
use super::shape::item_value;
use crate::graph::drive::model::{Drive, Item, Via, Who};
use crate::graph::drive::store::{discard, new_item};
use crate::graph::drive::{
    access_denied, bad, check_item, context, data, files, item_not_found, locate, Access, DriveSel,
    ItemAddr,
};
use crate::graph::{Caller, GraphRequest, Reply};
use crate::state::{AppState, Inner};

/// `POST …/children {"name", "folder": {}, "@microsoft.graph.conflictBehavior"}`: a new folder.
pub fn create_folder(
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
    let Some(name) = body["name"].as_str().map(str::to_string) else {
        return bad("The request body must carry the new item's name.");
    };
    if body.get("folder").is_none() && body.get("file").is_none() {
        return bad(
            "A new item needs a folder facet ({\"folder\": {}}); upload files with PUT …/content.",
        );
    }
    if body.get("file").is_some() {
        return bad(
            "Create files by uploading their content (PUT …/content or an upload session).",
        );
    }
    if let Err(r) = check_name(&name) {
        return r;
    }
    let behaviour = match conflict(
        body["@microsoft.graph.conflictBehavior"].as_str(),
        Conflict::Fail,
    ) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let mut inner = files(st);
    let Target {
        item_id: parent_id,
        via,
        key,
        who,
        drive,
    } = match target(&mut inner, caller, sel, addr) {
        Ok(t) => t,
        Err(r) => return r,
    };
    if drive.get(&parent_id).is_some_and(|p| !p.is_folder()) {
        return bad("The parent of a new folder must be a folder.");
    }
    let mut name = name;
    if let Some(existing) = drive.child_named(&parent_id, &name).map(|e| e.id.clone()) {
        match behaviour {
            Conflict::Fail => return name_exists(),
            Conflict::Rename => name = free_name(drive, &parent_id, &name),
            Conflict::Replace => {
                remove(drive, &existing);
            }
        }
    }
    let item = new_item(drive, &parent_id, &name, None, &who, jiff::Timestamp::now());
    let id = item.id.clone();
    drive.items.insert(id.clone(), item);
    drive.record(&id);
    let drive = &*drive;
    let Some(item) = drive.get(&id) else {
        return item_not_found();
    };
    let mut body = item_value(st, &key, drive, item, via);
    body["@odata.context"] = json!(context(st, "driveItem/$entity"));
    Reply {
        status: StatusCode::CREATED,
        ..Reply::ok(body)
    }
}

/// Take an item and everything below it out of the drive, logging each as deleted (children first).
pub fn remove(drive: &mut Drive, id: &str) {
    let parent = drive.get(id).and_then(|i| i.parent.clone());
    let mut gone = drive.descendants(id);
    gone.push(id.to_string());
    let snapshots: Vec<Item> = gone.iter().filter_map(|g| drive.get(g).cloned()).collect();
    for item in snapshots {
        drive.record_deleted_before_removal(&item);
        if let Some(removed) = drive.items.remove(&item.id) {
            if let Some(f) = &removed.file {
                discard(f);
            }
        }
    }
    // The former parent changed (size, child count): log it once more, now that the items are gone.
    if let Some(parent) = parent {
        drive.record_parent(&parent);
    }
}

pub fn delete(
    st: &AppState,
    caller: &Caller,
    req: &GraphRequest,
    sel: &DriveSel,
    addr: &ItemAddr,
) -> Reply {
    let mut inner = files(st);
    let (drive_id, item_id, _) = match locate(&inner, caller, sel, addr, Access::Write) {
        Ok(l) => l,
        Err(r) => return r,
    };
    let Some(drive) = inner.files.drive_mut(&drive_id) else {
        return item_not_found();
    };
    if item_id == drive.root {
        return access_denied();
    }
    if let Some(item) = drive.get(&item_id) {
        if let Err(r) = check_if_match(req, drive, item) {
            return r;
        }
    }
    remove(drive, &item_id);
    Reply {
        status: StatusCode::NO_CONTENT,
        headers: Vec::new(),
        body: Value::Null,
        raw: None,
    }
}

/// `PATCH` an item: rename (`name`) and move (`parentReference.id` or `.path`).
pub fn update(
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
    let mut inner = files(st);
    let Target {
        item_id,
        via,
        key,
        who,
        drive,
    } = match target(&mut inner, caller, sel, addr) {
        Ok(t) => t,
        Err(r) => return r,
    };
    if item_id == drive.root {
        return bad("The root cannot be renamed or moved.");
    }
    let Some(current) = drive.get(&item_id).cloned() else {
        return item_not_found();
    };
    if let Err(r) = check_if_match(req, drive, &current) {
        return r;
    }
    let name = body["name"].as_str().unwrap_or(&current.name).to_string();
    if let Err(r) = check_name(&name) {
        return r;
    }
    let parent = match &body["parentReference"] {
        Value::Object(p) => {
            if let Some(id) = p.get("id").and_then(Value::as_str) {
                match drive.get(id) {
                    Some(target) if target.is_folder() => target.id.clone(),
                    _ => return item_not_found(),
                }
            } else if let Some(path) = p.get("path").and_then(Value::as_str) {
                let rest = path.split_once("root:").map(|(_, r)| r).unwrap_or(path);
                let segments: Vec<String> = rest
                    .split('/')
                    .filter(|s| !s.is_empty())
                    .map(String::from)
                    .collect();
                match drive.walk(&drive.root.clone(), &segments) {
                    Some(target) if target.is_folder() => target.id.clone(),
                    _ => return item_not_found(),
                }
            } else {
                current.parent.clone().unwrap_or_default()
            }
        }
        _ => current.parent.clone().unwrap_or_default(),
    };
    if drive.is_within(&parent, &item_id) {
        return bad("A folder cannot be moved into itself.");
    }
    if drive
        .child_named(&parent, &name)
        .is_some_and(|other| other.id != item_id)
    {
        return name_exists();
    }
    let moved = Some(&parent) != current.parent.as_ref();
    let old_parent = current.parent.clone();
    if let Some(item) = drive.items.get_mut(&item_id) {
        item.name = name;
        item.parent = Some(parent);
        item.etag += 1;
        item.modified = jiff::Timestamp::now();
        item.modified_by = who;
    }
    if moved {
        if let Some(old) = old_parent {
            drive.record_parent(&old);
        }
    }
    drive.record(&item_id);
    let drive = &*drive;
    let Some(item) = drive.get(&item_id) else {
        return item_not_found();
    };
    let _ = check_item;
    let mut body = item_value(st, &key, drive, item, via);
    body["@odata.context"] = json!(context(st, "driveItem/$entity"));
    Reply::ok(body)
}

/// What a write starts from: the item (or new folder's parent) located for writing, the drive to change, the
/// content key and who writes.
struct Target<'a> {
    item_id: String,
    via: Via,
    key: String,
    who: Who,
    drive: &'a mut Drive,
}

#[allow(clippy::result_large_err)]
fn target<'a>(
    inner: &'a mut Inner,
    caller: &Caller,
    sel: &DriveSel,
    addr: &ItemAddr,
) -> Result<Target<'a>, Reply> {
    let (drive_id, item_id, via) = locate(inner, caller, sel, addr, Access::Write)?;
    let key = inner.files.key.clone();
    let who = data::who(&caller.user);
    let Some(drive) = inner.files.drive_mut(&drive_id) else {
        return Err(item_not_found());
    };
    Ok(Target {
        item_id,
        via,
        key,
        who,
        drive,
    })
}
