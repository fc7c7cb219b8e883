//! Drives and items: `/me/drive` with its quota, `/me/drives`, an item by ID or path, a folder's children
//! (paged by `$top` and `@odata.nextLink`, `$select`, `$orderby`, `$expand=children`), recent files, what
//! others shared, and the writes that are not uploads: folders, sharing links, rename and move, delete.

use axum::http::StatusCode;
use serde_json::{json, Map, Value};

use super::content::download_url;
use super::model::{Drive, Item, Link, Via};
use super::store::{discard, new_item};
use super::{
    access_denied, bad, check_item, check_scopes, context, drive_for, files, item_not_found,
    locate, Access, DriveSel, ItemAddr,
};
use crate::graph::odata::{percent_encode, Query};
use crate::graph::{Caller, GraphRequest, Reply};
use crate::state::AppState;

/// Graph's default page of children.
const DEFAULT_PAGE: usize = 200;
const MAX_PAGE: usize = 1000;

/// The driveItem properties a `$select` may name (from Graph's schema).
const PROPERTIES: &[&str] = &[
    "id",
    "name",
    "size",
    "createdDateTime",
    "lastModifiedDateTime",
    "webUrl",
    "eTag",
    "cTag",
    "description",
    "parentReference",
    "file",
    "folder",
    "fileSystemInfo",
    "createdBy",
    "lastModifiedBy",
    "root",
    "shared",
    "deleted",
    "remoteItem",
    "searchResult",
    "specialFolder",
    "package",
    "image",
    "photo",
    "video",
    "audio",
    "location",
    "malware",
    "bundle",
    "publication",
    "sharepointIds",
    "webDavUrl",
    "pendingOperations",
    "content",
    "children",
    "@microsoft.graph.downloadUrl",
    "content.downloadUrl",
];

/// `$select` on driveItems: the chosen names (`None`: all), or Graph's 400 for one it does not know.
#[allow(clippy::result_large_err)]
pub fn selection(q: &Query) -> Result<Option<Vec<String>>, Reply> {
    let Some(raw) = q.get("$select") else {
        return Ok(None);
    };
    let mut chosen = Vec::new();
    for name in raw.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        if name == "*" {
            return Ok(None);
        }
        let Some(canon) = PROPERTIES.iter().find(|p| p.eq_ignore_ascii_case(name)) else {
            return Err(Reply::bad_request(
                "BadRequest",
                &format!(
                    "Parsing OData Select and Expand failed: Could not find a property named '{name}' on type \
                     'microsoft.graph.driveItem'."
                ),
            ));
        };
        chosen.push(canon.to_string());
    }
    Ok((!chosen.is_empty()).then_some(chosen))
}

/// Keep the selected properties (and OData annotations; the download URL only when asked for).
pub fn project(value: Value, chosen: Option<&[String]>) -> Value {
    let (Some(chosen), Value::Object(map)) = (chosen, &value) else {
        return value;
    };
    let wants_download = chosen
        .iter()
        .any(|c| c == "@microsoft.graph.downloadUrl" || c == "content.downloadUrl");
    let kept: Map<String, Value> = map
        .iter()
        .filter(|(k, _)| {
            chosen.iter().any(|c| c == *k)
                || (k.starts_with("@odata."))
                || (k.as_str() == "@microsoft.graph.downloadUrl" && wants_download)
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    Value::Object(kept)
}

/// The item as a GET or listing shows it, with its download URL when it is a file.
pub fn item_value(st: &AppState, key: &str, drive: &Drive, item: &Item, via: Via) -> Value {
    let mut v = drive.item_json(item, via);
    if item.file.is_some() {
        v["@microsoft.graph.downloadUrl"] = json!(download_url(st, key, &drive.id, &item.id));
    }
    v
}

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

/// `$orderby` on children: by name (the default), lastModifiedDateTime or size, `asc` or `desc`.
#[allow(clippy::result_large_err)]
fn order(q: &Query, list: &mut [&Item], drive: &Drive) -> Result<(), Reply> {
    let Some(raw) = q.get("$orderby") else {
        return Ok(());
    };
    let mut parts = raw.split_whitespace();
    let field = parts.next().unwrap_or("").to_ascii_lowercase();
    let desc = match parts.next().map(str::to_ascii_lowercase).as_deref() {
        None | Some("asc") => false,
        Some("desc") => true,
        Some(other) => {
            return Err(Reply::bad_request(
                "BadRequest",
                &format!("Syntax error: '{other}' is not asc or desc in $orderby."),
            ))
        }
    };
    match field.as_str() {
        "name" => list.sort_by_key(|a| a.name.to_lowercase()),
        "lastmodifieddatetime" => list.sort_by_key(|i| i.modified),
        "size" => list.sort_by_key(|i| drive.size_of(&i.id)),
        "createddatetime" => list.sort_by_key(|i| i.created),
        _ => {
            return Err(Reply::bad_request(
                "invalidRequest",
                &format!("Sorting by '{raw}' is not supported; use name, lastModifiedDateTime, size or createdDateTime."),
            ))
        }
    }
    if desc {
        list.reverse();
    }
    Ok(())
}

/// `$skiptoken` of a children page: OneDrive's opaque `Paged=TRUE&p_Index=N`, base64.
pub(super) fn skip_token(index: usize) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("Paged=TRUE&p_Index={index}"))
}

pub(super) fn read_skip_token(token: &str) -> Option<usize> {
    use base64::Engine as _;
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token.trim())
        .ok()?;
    String::from_utf8(raw)
        .ok()?
        .strip_prefix("Paged=TRUE&p_Index=")?
        .parse()
        .ok()
}

/// `$top`: 1 to 1000 (default 200).
#[allow(clippy::result_large_err)]
pub fn top(q: &Query, default: usize) -> Result<usize, Reply> {
    match q.get("$top") {
        None => Ok(default),
        Some(v) => match v.trim().parse::<usize>() {
            Ok(n) if (1..=MAX_PAGE).contains(&n) => Ok(n),
            _ => Err(Reply::bad_request(
                "invalidRequest",
                &format!(
                    "Invalid $top value '{v}': it must be a whole number from 1 to {MAX_PAGE}."
                ),
            )),
        },
    }
}

/// The same request with `$skiptoken` set (absolute, as Graph's nextLinks are).
pub(super) fn next_link(st: &AppState, req: &GraphRequest, q: &Query, index: usize) -> String {
    let mut pairs: Vec<String> = url::form_urlencoded::parse(req.query.as_bytes())
        .filter(|(k, _)| !k.eq_ignore_ascii_case("$skiptoken"))
        .map(|(k, v)| format!("{}={}", percent_encode(&k), percent_encode(&v)))
        .collect();
    let _ = q;
    pairs.push(format!("%24skiptoken={}", skip_token(index)));
    format!("{}/graph/v1.0{}?{}", st.base, req.path, pairs.join("&"))
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

/// An item of another drive as `recent` and `sharedWithMe` show it: a `remoteItem` facet pointing at it.
fn remote(st: &AppState, drive: &Drive, item: &Item) -> Value {
    let full = drive.item_json(item, Via::Id);
    let mut remote = json!({
        "id": item.id,
        "name": item.name,
        "size": full["size"],
        "webUrl": full["webUrl"],
        "createdBy": full["createdBy"],
        "lastModifiedBy": full["lastModifiedBy"],
        "createdDateTime": full["createdDateTime"],
        "lastModifiedDateTime": full["lastModifiedDateTime"],
        "fileSystemInfo": full["fileSystemInfo"],
        "parentReference": {"driveId": drive.id, "driveType": drive.kind.drive_type(), "id": item.parent},
        "shared": {"owner": drive.owner.user_set()},
    });
    for facet in ["file", "folder"] {
        if !full[facet].is_null() {
            remote[facet] = full[facet].clone();
        }
    }
    let _ = st;
    json!({
        "id": item.id,
        "name": item.name,
        "size": full["size"],
        "webUrl": full["webUrl"],
        "createdDateTime": full["createdDateTime"],
        "lastModifiedDateTime": full["lastModifiedDateTime"],
        "createdBy": full["createdBy"],
        "lastModifiedBy": full["lastModifiedBy"],
        "file": full["file"],
        "folder": full["folder"],
        "parentReference": {"driveId": drive.id, "driveType": drive.kind.drive_type()},
        "remoteItem": remote,
    })
    .as_object()
    .map(|m| {
        Value::Object(
            m.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        )
    })
    .unwrap_or(Value::Null)
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
    if !caller.has_any(super::OTHER_READ) {
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

pub fn permissions(
    st: &AppState,
    caller: &Caller,
    req: &GraphRequest,
    sel: &DriveSel,
    addr: &ItemAddr,
) -> Reply {
    let _ = req;
    let inner = files(st);
    let (drive_id, item_id, _) = match locate(&inner, caller, sel, addr, Access::Read) {
        Ok(l) => l,
        Err(r) => return r,
    };
    let Some(item) = inner.files.drive(&drive_id).and_then(|d| d.get(&item_id)) else {
        return item_not_found();
    };
    let value: Vec<Value> = item.links.iter().map(Link::permission).collect();
    Reply::ok(json!({"@odata.context": context(st, "Collection(permission)"), "value": value}))
}

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
    let (drive_id, parent_id, via) = match locate(&inner, caller, sel, addr, Access::Write) {
        Ok(l) => l,
        Err(r) => return r,
    };
    let key = inner.files.key.clone();
    let who = super::data::who(&caller.user);
    let Some(drive) = inner.files.drive_mut(&drive_id) else {
        return item_not_found();
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
    if let (Some(want), Some(item)) = (
        req.headers.get("if-match").and_then(|v| v.to_str().ok()),
        drive.get(&item_id),
    ) {
        if want.trim() != "*" && want.trim() != drive.etag(item) && want.trim() != drive.ctag(item)
        {
            return precondition_failed();
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

pub fn precondition_failed() -> Reply {
    Reply::error(
        StatusCode::PRECONDITION_FAILED,
        "resourceModified",
        "ETag does not match current item's value",
    )
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
    let (drive_id, item_id, via) = match locate(&inner, caller, sel, addr, Access::Write) {
        Ok(l) => l,
        Err(r) => return r,
    };
    let key = inner.files.key.clone();
    let who = super::data::who(&caller.user);
    let Some(drive) = inner.files.drive_mut(&drive_id) else {
        return item_not_found();
    };
    if item_id == drive.root {
        return bad("The root cannot be renamed or moved.");
    }
    let Some(current) = drive.get(&item_id).cloned() else {
        return item_not_found();
    };
    if let (Some(want), true) = (
        req.headers.get("if-match").and_then(|v| v.to_str().ok()),
        true,
    ) {
        if want.trim() != "*"
            && want.trim() != drive.etag(&current)
            && want.trim() != drive.ctag(&current)
        {
            return precondition_failed();
        }
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

/// `POST …/createLink {"type", "scope"}`: a sharing link (201), or the same one again (200).
pub fn create_link(
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
    let kind = body["type"].as_str().unwrap_or("").to_ascii_lowercase();
    if !matches!(kind.as_str(), "view" | "edit" | "embed") {
        return bad("The link type must be view, edit or embed.");
    }
    let mut inner = files(st);
    let (drive_id, item_id, _) = match locate(&inner, caller, sel, addr, Access::Write) {
        Ok(l) => l,
        Err(r) => return r,
    };
    let Some(drive) = inner.files.drive_mut(&drive_id) else {
        return item_not_found();
    };
    let personal = drive.personal();
    let scope = body["scope"]
        .as_str()
        .map(str::to_ascii_lowercase)
        .unwrap_or_else(|| {
            if personal {
                "anonymous".into()
            } else {
                "organization".into()
            }
        });
    match (scope.as_str(), personal) {
        ("anonymous" | "users", _) | ("organization", false) => {}
        ("organization", true) => {
            return bad("Links scoped to an organization are only available in OneDrive for Business and SharePoint.")
        }
        _ => return bad("The link scope must be anonymous, organization or users."),
    }
    if kind == "embed" && !personal {
        return Reply::error(
            StatusCode::NOT_IMPLEMENTED,
            "notSupported",
            "Embed links are only available in OneDrive personal.",
        );
    }
    let existing = drive.get(&item_id).and_then(|i| {
        i.links
            .iter()
            .find(|l| l.kind == kind && l.scope == scope)
            .cloned()
    });
    if let Some(link) = existing {
        return Reply::ok(link.permission());
    }
    let token = crate::graph::ids::hex(&[&drive.id, &item_id, &kind, &scope], 11);
    let url = if personal {
        format!("https://1drv.ms/u/s!{token}")
    } else {
        let letter = match kind.as_str() {
            "edit" => "w",
            _ => "u",
        };
        format!(
            "https://contoso-my.sharepoint.com/:{letter}:/g/personal/{}/E{token}",
            drive
                .owner
                .email
                .as_deref()
                .unwrap_or("team")
                .replace(['@', '.'], "_")
        )
    };
    let link = Link {
        id: crate::graph::ids::guid(&[&drive.id, &item_id, &kind, &scope]),
        kind,
        scope,
        url,
    };
    if let Some(item) = drive.items.get_mut(&item_id) {
        item.links.push(link.clone());
        item.etag += 1;
    }
    drive.record(&item_id);
    Reply {
        status: StatusCode::CREATED,
        ..Reply::ok(link.permission())
    }
}
