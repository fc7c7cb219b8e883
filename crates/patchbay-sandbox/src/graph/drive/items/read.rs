//! Reading: a drive and the caller's drives, an item (with `$expand=children`), a folder's children (paged,
//! selected, ordered), the recent files and what others shared.

use serde_json::{json, Value};

use super::paging::{next_link, order, read_skip_token, top, DEFAULT_PAGE};
use super::shape::{item_value, project, remote, selection};
use crate::graph::drive::model::Item;
use crate::graph::drive::{
    access_denied, bad, check_scopes, context, drive_for, files, item_not_found, locate, Access,
    DriveSel, ItemAddr, OTHER_READ,
};
use crate::graph::odata::{percent_encode, Query};
use crate::graph::{Caller, GraphRequest, Reply};
use crate::state::AppState;

pub fn drive(st: &AppState, caller: &Caller, req: &GraphRequest, sel: &DriveSel) -> Reply {
    let inner = files(st);
    let (id, _) = match drive_for(&inner, caller, sel) {
        Ok(d) => d,
        Err(r) => return r,
    };
    let Some(drive) = inner.files.drive(&id) else {
        return item_not_found();
    };
    if let Err(r) = check_scopes(caller, drive, Access::Read) {
        return r;
    }
    if drive.user_id.is_some() && drive.user_id.as_deref() != Some(caller.user.id.as_str()) {
        return access_denied();
    }
    let _ = req;
    let mut body = drive.drive_json();
    body["@odata.context"] = json!(context(st, "drives/$entity"));
    Reply::ok(body)
}

pub fn my_drives(st: &AppState, caller: &Caller, req: &GraphRequest) -> Reply {
    let _ = req;
    let inner = files(st);
    let Some(drive) = inner.files.user_drive(&caller.user.id) else {
        return item_not_found();
    };
    if let Err(r) = check_scopes(caller, drive, Access::Read) {
        return r;
    }
    Reply::ok(json!({
        "@odata.context": context(st, "drives"),
        "value": [drive.drive_json()],
    }))
}

pub fn get_item(
    st: &AppState,
    caller: &Caller,
    req: &GraphRequest,
    sel: &DriveSel,
    addr: &ItemAddr,
) -> Reply {
    let q = Query::parse(req.query);
    let chosen = match selection(&q) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let inner = files(st);
    let (drive_id, item_id, via) = match locate(&inner, caller, sel, addr, Access::Read) {
        Ok(l) => l,
        Err(r) => return r,
    };
    let (Some(drive), key) = (inner.files.drive(&drive_id), &inner.files.key) else {
        return item_not_found();
    };
    let Some(item) = drive.get(&item_id) else {
        return item_not_found();
    };
    let mut v = item_value(st, key, drive, item, via);
    if q.get("$expand").is_some_and(|e| {
        e.split(',')
            .any(|p| p.trim().eq_ignore_ascii_case("children"))
    }) {
        let children: Vec<Value> = drive
            .children(&item.id)
            .into_iter()
            .take(DEFAULT_PAGE)
            .map(|c| item_value(st, key, drive, c, via))
            .collect();
        v["children"] = json!(children);
    }
    let mut body = project(v, chosen.as_deref());
    body["@odata.context"] = json!(context(
        st,
        &format!("drives('{}')/items/$entity", percent_encode(&drive.id))
    ));
    Reply::ok(body)
}

pub fn children(
    st: &AppState,
    caller: &Caller,
    req: &GraphRequest,
    sel: &DriveSel,
    addr: &ItemAddr,
) -> Reply {
    let q = Query::parse(req.query);
    let chosen = match selection(&q) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let size = match top(&q, DEFAULT_PAGE) {
        Ok(n) => n,
        Err(r) => return r,
    };
    let offset = match q.get("$skiptoken") {
        None => 0,
        Some(t) => match read_skip_token(t) {
            Some(n) => n,
            None => return bad("The $skiptoken is not valid."),
        },
    };
    let inner = files(st);
    let (drive_id, item_id, via) = match locate(&inner, caller, sel, addr, Access::Read) {
        Ok(l) => l,
        Err(r) => return r,
    };
    let (Some(drive), key) = (inner.files.drive(&drive_id), &inner.files.key) else {
        return item_not_found();
    };
    let Some(folder) = drive.get(&item_id) else {
        return item_not_found();
    };
    if !folder.is_folder() {
        // A file has no children: Graph answers with an empty collection.
        return Reply::ok(
            json!({"@odata.context": context(st, "Collection(driveItem)"), "value": []}),
        );
    }
    let mut list = drive.children(&item_id);
    if let Err(r) = order(&q, &mut list, drive) {
        return r;
    }
    let total = list.len();
    let value: Vec<Value> = list
        .into_iter()
        .skip(offset)
        .take(size)
        .map(|i| project(item_value(st, key, drive, i, via), chosen.as_deref()))
        .collect();
    let mut body = json!({
        "@odata.context": context(
            st,
            &format!("drives('{}')/items('{}')/children", percent_encode(&drive.id), percent_encode(&item_id))
        ),
    });
    if q.get("$count")
        .is_some_and(|c| c.eq_ignore_ascii_case("true"))
    {
        body["@odata.count"] = json!(total);
    }
    body["value"] = json!(value);
    if offset + size < total {
        body["@odata.nextLink"] = json!(next_link(st, req, &q, offset + size));
    }
    Reply::ok(body)
}

/// The files the user changed most recently (their own drive), newest first.
pub fn recent(st: &AppState, caller: &Caller, req: &GraphRequest) -> Reply {
    let _ = req;
    let inner = files(st);
    let Some(drive) = inner.files.user_drive(&caller.user.id) else {
        return item_not_found();
    };
    if let Err(r) = check_scopes(caller, drive, Access::Read) {
        return r;
    }
    let mut list: Vec<&Item> = drive.items.values().filter(|i| !i.is_folder()).collect();
    list.sort_by(|a, b| b.modified.cmp(&a.modified).then(a.order.cmp(&b.order)));
    let value: Vec<Value> = list
        .into_iter()
        .take(20)
        .map(|i| remote(st, drive, i))
        .collect();
    Reply::ok(json!({"@odata.context": context(st, "Collection(driveItem)"), "value": value}))
}

/// What other users shared with the caller. Reading it needs the `.All` scopes (other users' drives), as
/// Graph documents: `Files.Read.All` at least.
pub fn shared_with_me(st: &AppState, caller: &Caller, req: &GraphRequest) -> Reply {
    let _ = req;
    let inner = files(st);
    if !caller.has_any(OTHER_READ) {
        return access_denied();
    }
    let mut value = Vec::new();
    for drive in &inner.files.drives {
        for item in drive.items.values() {
            if item.shared_with.contains(&caller.user.id) {
                value.push(remote(st, drive, item));
            }
        }
    }
    Reply::ok(json!({"@odata.context": context(st, "Collection(driveItem)"), "value": value}))
}
