//! [`FileEntry`]: a drive item as the CLI, the assistant's tools and the automations show it, and the paths of
//! items Graph sends without one (search results; delta on business drives) resolved from their parents.

use super::failure;
use super::Files;
use crate::error::ErrorInfo;
use crate::graph::drive::{parent_path, DriveItem};
use crate::graph::{batch::MAX_ITEMS, Batch, Request};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// A file or folder: `{id, name, path, is_folder, size, modified, web_url}` (the fixed interface's `file`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct FileEntry {
    pub id: String,
    pub name: String,
    /// From the drive's root: `/Documents/a.pdf` (`/` for the root).
    pub path: String,
    pub is_folder: bool,
    /// Bytes (a folder's: everything in it, as Graph counts it).
    pub size: Option<u64>,
    /// RFC 3339, UTC.
    pub modified: Option<String>,
    pub web_url: Option<String>,
}

impl FileEntry {
    /// The entry for `item` at `path`.
    pub fn with_path(item: &DriveItem, path: String) -> Self {
        let name = item
            .name
            .clone()
            .or_else(|| path.rsplit('/').next().map(str::to_string))
            .unwrap_or_default();
        Self {
            id: item.id.clone(),
            name,
            path,
            is_folder: item.is_folder(),
            size: item.size,
            modified: item.last_modified_date_time.clone(),
            web_url: item.web_url.clone(),
        }
    }

    /// The entry for `item`, when it carries its path (`parentReference.path`, or it is the root).
    pub fn from_item(item: &DriveItem) -> Option<Self> {
        item.path().map(|p| Self::with_path(item, p))
    }
}

/// Fields asked of a parent whose path is wanted: with `root`, so the root says it is one.
const PARENT_FIELDS: &str = "id,name,parentReference,root";

impl Files<'_> {
    /// Entries for `items`, in order: each with its path, resolved from its parent's when Graph left it out (a
    /// GET of each distinct parent, twenty to a `$batch`). An item whose path cannot be had fails the whole
    /// (a list with a made-up or missing path would pass for a right one).
    pub async fn entries(&self, items: Vec<DriveItem>) -> Result<Vec<FileEntry>, ErrorInfo> {
        let mut wanted: Vec<String> = Vec::new();
        for item in &items {
            if item.path().is_some() {
                continue;
            }
            let parent = item.parent_reference.as_ref().and_then(|p| p.id.clone());
            let key = parent.unwrap_or_else(|| item.id.clone());
            if !wanted.contains(&key) {
                wanted.push(key);
            }
        }
        let known = self.paths_of(&wanted).await?;
        items
            .iter()
            .map(|item| {
                if let Some(entry) = FileEntry::from_item(item) {
                    return Ok(entry);
                }
                let parent = item.parent_reference.as_ref().and_then(|p| p.id.as_deref());
                let path = match parent {
                    Some(parent) => known.get(parent).map(|folder| {
                        let name = item.name.as_deref().unwrap_or_default();
                        join(folder, name)
                    }),
                    None => known.get(&item.id).cloned(),
                };
                path.map(|p| FileEntry::with_path(item, p))
                    .ok_or_else(|| failure::no_path(item))
            })
            .collect()
    }

    /// The paths of the items with these ids (GETs by id, batched).
    async fn paths_of(&self, ids: &[String]) -> Result<HashMap<String, String>, ErrorInfo> {
        let mut found = HashMap::new();
        for group in ids.chunks(MAX_ITEMS) {
            let mut batch = Batch::new();
            for (i, id) in group.iter().enumerate() {
                batch = batch.add(i.to_string(), by_id(self, id));
            }
            let mut answers = self
                .graph
                .batch(&batch)
                .await
                .map_err(|e| e.to_error_info())?;
            for (i, id) in group.iter().enumerate() {
                let response = answers
                    .take(&i.to_string())
                    .map_err(|e| crate::graph::session::graph_error_info(&e))?;
                let item: DriveItem = response
                    .json()
                    .map_err(|e| crate::graph::session::graph_error_info(&e))?;
                if let Some(path) = own_path(&item) {
                    found.insert(id.clone(), path);
                }
            }
        }
        Ok(found)
    }
}

/// `GET …/items/{id}` with what tells its path.
fn by_id(files: &Files<'_>, id: &str) -> Request {
    let mut request = files.graph.graph().drive(&files.drive).item_by_id(id);
    request.query.retain(|(k, _)| k != "$select");
    request.query("$select", PARENT_FIELDS)
}

/// An item's own path: the root's is `/`; an item whose parent has no path is in the root when the parent is
/// the root itself (no `parentReference` at all).
fn own_path(item: &DriveItem) -> Option<String> {
    if item.root.is_some() || item.parent_reference.is_none() {
        return Some("/".into());
    }
    let parent = item.parent_reference.as_ref()?.path.as_deref()?;
    Some(join(&parent_path(parent)?, item.name.as_deref()?))
}

/// `folder` + `/` + `name`, the root's children without a doubled slash.
pub fn join(folder: &str, name: &str) -> String {
    if folder == "/" || folder.is_empty() {
        format!("/{name}")
    } else {
        format!("{}/{name}", folder.trim_end_matches('/'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(v: serde_json::Value) -> DriveItem {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn entries_keep_the_contract_keys_and_paths_from_the_parent() {
        let i = item(serde_json::json!({
            "id": "1", "name": "a.pdf", "size": 12, "lastModifiedDateTime": "2026-01-02T03:04:05Z",
            "webUrl": "https://x/a.pdf", "file": {},
            "parentReference": {"path": "/drive/root:/Documents/Invoices"}
        }));
        let e = FileEntry::from_item(&i).unwrap();
        assert_eq!(e.path, "/Documents/Invoices/a.pdf");
        assert!(!e.is_folder);
        let keys: Vec<String> = serde_json::to_value(&e)
            .unwrap()
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        let mut want = [
            "id",
            "name",
            "path",
            "is_folder",
            "size",
            "modified",
            "web_url",
        ];
        want.sort();
        let mut keys = keys;
        keys.sort();
        assert_eq!(keys, want);
        assert!(FileEntry::from_item(&item(serde_json::json!({"id": "2", "name": "b"}))).is_none());
        let root = item(serde_json::json!({"id": "r", "name": "root", "root": {}, "folder": {}}));
        assert_eq!(FileEntry::from_item(&root).unwrap().path, "/");
        assert_eq!(
            own_path(&item(serde_json::json!({"id": "r", "name": "root"}))).as_deref(),
            Some("/")
        );
        assert_eq!(join("/", "a"), "/a");
        assert_eq!(join("/x/", "a"), "/x/a");
    }
}
