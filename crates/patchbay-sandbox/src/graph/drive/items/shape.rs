//! How items read as JSON: `$select` (the driveItem properties Graph knows) and its projection, an item with
//! its download URL, and the `remoteItem` form `recent` and `sharedWithMe` show.

use serde_json::{json, Map, Value};

use crate::graph::drive::content::download_url;
use crate::graph::drive::model::{Drive, Item, Via};
use crate::graph::odata::Query;
use crate::graph::Reply;
use crate::state::AppState;

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

/// An item of another drive as `recent` and `sharedWithMe` show it: a `remoteItem` facet pointing at it.
pub(super) fn remote(st: &AppState, drive: &Drive, item: &Item) -> Value {
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
