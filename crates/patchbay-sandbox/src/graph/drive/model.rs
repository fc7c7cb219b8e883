//! The files world: drives (each user's OneDrive, the team sites' libraries), their items, and each drive's
//! change log, which delta rounds are cut from.
//!
//! A drive keeps its items by ID with their parent's ID, as OneDrive does: a path is only ever worked out from
//! the parents, so a rename or a move is one change to one item. Every change appends the changed item to the
//! drive's log as delta shows it at that moment (and, before it, its ancestors, whose child count and size
//! changed with it) — a round is then a slice of the log, the same on every page however the drive changes
//! while a client pages.

use std::collections::HashMap;
use std::path::PathBuf;

use axum::body::Bytes;
use jiff::Timestamp;
use serde_json::{json, Map, Value};

use super::hash::Hashes;
use crate::graph::odata::percent_encode;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DriveKind {
    /// A work user's OneDrive.
    Business,
    /// A personal Microsoft account's OneDrive.
    Personal,
    /// A team site's document library.
    Library,
}

impl DriveKind {
    pub fn drive_type(self) -> &'static str {
        match self {
            DriveKind::Business => "business",
            DriveKind::Personal => "personal",
            DriveKind::Library => "documentLibrary",
        }
    }

    pub fn personal(self) -> bool {
        self == DriveKind::Personal
    }
}

/// Who made or changed something: a user (or, owning a library, a group).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Who {
    pub id: String,
    pub name: String,
    /// Business identities carry the address; personal ones do not.
    pub email: Option<String>,
}

impl Who {
    /// The `identity` (an open type: `email` is one of the extra properties Graph sends for work users).
    pub fn identity(&self) -> Value {
        let mut v = json!({"displayName": self.name, "id": self.id});
        if let Some(e) = &self.email {
            v["email"] = json!(e);
        }
        v
    }

    pub fn user_set(&self) -> Value {
        json!({ "user": self.identity() })
    }
}

/// Where a file's bytes are: small generated content in memory, anything uploaded or large on disk in the
/// sandbox's own temporary folder.
#[derive(Debug, Clone)]
pub enum Blob {
    Mem(Bytes),
    Disk(PathBuf),
}

#[derive(Debug, Clone)]
pub struct FileBody {
    pub blob: Blob,
    pub size: u64,
    pub hashes: Hashes,
    pub mime: String,
}

/// A sharing link made by `createLink`.
#[derive(Debug, Clone)]
pub struct Link {
    pub id: String,
    pub kind: String,
    pub scope: String,
    pub url: String,
}

impl Link {
    /// The `permission` Graph answers `createLink` with.
    pub fn permission(&self) -> Value {
        json!({
            "id": self.id,
            "roles": [if self.kind == "edit" { "write" } else { "read" }],
            "hasPassword": false,
            "link": {
                "type": self.kind,
                "scope": self.scope,
                "webUrl": self.url,
                "preventsDownload": false,
            },
        })
    }
}

#[derive(Debug, Clone)]
pub struct Item {
    pub id: String,
    /// `None` for the root.
    pub parent: Option<String>,
    pub name: String,
    /// `None`: a folder.
    pub file: Option<FileBody>,
    pub created: Timestamp,
    pub modified: Timestamp,
    /// When its content last changed (what a client that uploaded it stamps as `fileSystemInfo`'s
    /// `lastModifiedDateTime`); a rename, move or touch leaves it.
    pub content_modified: Timestamp,
    pub created_by: Who,
    pub modified_by: Who,
    /// Bumped by every change (the eTag's version).
    pub etag: u32,
    /// Bumped by content changes only (the cTag's version).
    pub ctag: u32,
    pub links: Vec<Link>,
    /// Users (by ID) this item was shared with: it is in their `sharedWithMe`, and they may read it.
    pub shared_with: Vec<String>,
    /// When it was made, in the drive's sequence: children are listed in this order when names tie, and a first
    /// delta round walks folders in it.
    pub order: u64,
}

impl Item {
    pub fn is_folder(&self) -> bool {
        self.file.is_none()
    }
}

/// One change, as delta reports it: the item's state right after the change.
#[derive(Debug, Clone)]
pub struct LogEntry {
    pub seq: u64,
    pub id: String,
    pub snapshot: Value,
    /// Logged because something below it changed (left out with `deltaExcludeParent`).
    pub parent: bool,
}

/// How a request reached a drive: through `/me/drive` (paths `/drive/root:`) or by ID (`/drives/{id}/root:`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    Me,
    Id,
}

pub struct Drive {
    pub id: String,
    pub kind: DriveKind,
    /// The owning user or group.
    pub owner: Who,
    pub owner_is_group: bool,
    /// The owning user's ID, for users' drives.
    pub user_id: Option<String>,
    /// The site's ID, for libraries.
    pub site_id: Option<String>,
    /// "OneDrive" for users' drives, the library's name for libraries.
    pub name: String,
    pub description: String,
    /// The root's web address (no trailing slash).
    pub web_url: String,
    pub created: Timestamp,
    pub root: String,
    pub items: HashMap<String, Item>,
    /// The last sequence number given out (to items made and to log entries).
    pub seq: u64,
    pub log: Vec<LogEntry>,
    /// Delta tokens below this sequence number are answered 410 (see `expire_delta`).
    pub floor: u64,
    pub quota_total: u64,
}

/// Graph's `yyyy-MM-ddTHH:mm:ssZ`.
pub fn time(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

impl Drive {
    pub fn personal(&self) -> bool {
        self.kind.personal()
    }

    pub fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    /// A new item ID: OneDrive for Business's 34-character `01…` form, or personal OneDrive's `CID!n`.
    pub fn new_item_id(&mut self) -> String {
        let n = self.next_seq();
        item_id(&self.id, self.kind, n)
    }

    pub fn get(&self, id: &str) -> Option<&Item> {
        self.items.get(id)
    }

    /// A folder's children, by name (case-insensitive), then by when they were made.
    pub fn children(&self, id: &str) -> Vec<&Item> {
        let mut list: Vec<&Item> = self
            .items
            .values()
            .filter(|i| i.parent.as_deref() == Some(id))
            .collect();
        list.sort_by(|a, b| {
            a.name
                .to_lowercase()
                .cmp(&b.name.to_lowercase())
                .then(a.order.cmp(&b.order))
        });
        list
    }

    /// The child of `parent` with this name (names are unique per folder, case-insensitively).
    pub fn child_named(&self, parent: &str, name: &str) -> Option<&Item> {
        let lower = name.to_lowercase();
        self.items
            .values()
            .find(|i| i.parent.as_deref() == Some(parent) && i.name.to_lowercase() == lower)
    }

    /// Follow `segments` down from `from`.
    pub fn walk(&self, from: &str, segments: &[String]) -> Option<&Item> {
        let mut at = self.items.get(from)?;
        for s in segments {
            at = self.child_named(&at.id, s)?;
        }
        Some(at)
    }

    /// The names from the root down to `id` (empty for the root).
    pub fn names_to(&self, id: &str) -> Vec<String> {
        let mut names = Vec::new();
        let mut at = self.items.get(id);
        while let Some(item) = at {
            let Some(parent) = &item.parent else { break };
            names.push(item.name.clone());
            at = self.items.get(parent);
        }
        names.reverse();
        names
    }

    /// The ancestors of `id`, root first (not `id` itself).
    pub fn ancestors(&self, id: &str) -> Vec<String> {
        let mut list = Vec::new();
        let mut at = self.items.get(id).and_then(|i| i.parent.clone());
        while let Some(p) = at {
            at = self.items.get(&p).and_then(|i| i.parent.clone());
            list.push(p);
        }
        list.reverse();
        list
    }

    /// Whether `id` is `ancestor` or below it.
    pub fn is_within(&self, id: &str, ancestor: &str) -> bool {
        id == ancestor || self.ancestors(id).iter().any(|a| a == ancestor)
    }

    /// Every item below `id` (not `id`), deepest first.
    pub fn descendants(&self, id: &str) -> Vec<String> {
        let mut out = Vec::new();
        for child in self.children(id) {
            out.extend(self.descendants(&child.id));
            out.push(child.id.clone());
        }
        out
    }

    /// A folder's size: the sizes of every file below it.
    pub fn size_of(&self, id: &str) -> u64 {
        match self.items.get(id) {
            Some(Item { file: Some(f), .. }) => f.size,
            Some(_) => self
                .items
                .values()
                .filter_map(|i| i.file.as_ref().map(|f| (i, f.size)))
                .filter(|(i, _)| self.has_ancestor(i, id))
                .map(|(_, size)| size)
                .sum(),
            None => 0,
        }
    }

    /// Whether `ancestor` is above `item`.
    fn has_ancestor(&self, item: &Item, ancestor: &str) -> bool {
        let mut at = item.parent.as_deref();
        while let Some(p) = at {
            if p == ancestor {
                return true;
            }
            at = self.items.get(p).and_then(|i| i.parent.as_deref());
        }
        false
    }

    pub fn used(&self) -> u64 {
        self.size_of(&self.root)
    }

    /// `web_url` + the item's path, each name percent-encoded.
    pub fn web_url_of(&self, id: &str) -> String {
        if self.kind == DriveKind::Personal {
            return format!(
                "https://onedrive.live.com/redir?resid={}",
                percent_encode(id)
            );
        }
        let mut url = self.web_url.clone();
        for name in self.names_to(id) {
            url.push('/');
            url.push_str(&percent_encode(&name));
        }
        url
    }

    fn guid(&self, id: &str) -> String {
        crate::graph::ids::guid(&[&self.id, id]).to_uppercase()
    }

    pub fn etag(&self, item: &Item) -> String {
        format!("\"{{{}}},{}\"", self.guid(&item.id), item.etag)
    }

    pub fn ctag(&self, item: &Item) -> String {
        format!("\"c:{{{}}},{}\"", self.guid(&item.id), item.ctag)
    }

    /// The `parentReference.path` of items in `id`: `/drive/root:` + the folder's path.
    pub fn path_of(&self, id: &str, via: Via) -> String {
        let mut path = match via {
            Via::Me => "/drive/root:".to_string(),
            Via::Id => format!("/drives/{}/root:", self.id),
        };
        for name in self.names_to(id) {
            path.push('/');
            path.push_str(&name);
        }
        path
    }

    fn parent_reference(&self, item: &Item, path: Option<Via>) -> Value {
        let mut r = json!({"driveType": self.kind.drive_type(), "driveId": self.id});
        if let Some(parent) = &item.parent {
            r["id"] = json!(parent);
            if let Some(p) = self.items.get(parent) {
                if p.parent.is_some() {
                    r["name"] = json!(p.name);
                }
            }
            if let Some(via) = path {
                r["path"] = json!(self.path_of(parent, via));
            }
        }
        if let Some(site) = &self.site_id {
            r["siteId"] = json!(site);
        }
        r
    }

    /// The properties every form shares.
    fn common(&self, item: &Item) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("createdBy".into(), item.created_by.user_set());
        m.insert("createdDateTime".into(), json!(time(item.created)));
        m.insert("eTag".into(), json!(self.etag(item)));
        m.insert("id".into(), json!(item.id));
        m.insert("lastModifiedBy".into(), item.modified_by.user_set());
        m.insert("lastModifiedDateTime".into(), json!(time(item.modified)));
        m.insert("name".into(), json!(item.name));
        m.insert("webUrl".into(), json!(self.web_url_of(&item.id)));
        m.insert(
            "fileSystemInfo".into(),
            json!({"createdDateTime": time(item.created), "lastModifiedDateTime": time(item.content_modified)}),
        );
        m.insert("size".into(), json!(self.size_of(&item.id)));
        match &item.file {
            Some(f) => {
                m.insert(
                    "file".into(),
                    json!({"mimeType": f.mime, "hashes": f.hashes.to_json(self.personal())}),
                );
            }
            None => {
                m.insert(
                    "folder".into(),
                    json!({"childCount": self.children(&item.id).len()}),
                );
                if item.parent.is_none() {
                    m.insert("root".into(), json!({}));
                }
            }
        }
        if let Some(link) = item.links.last() {
            m.insert("shared".into(), json!({"scope": link.scope}));
        }
        m
    }

    /// The item as a GET or a listing shows it (without `@microsoft.graph.downloadUrl`, which the caller adds).
    pub fn item_json(&self, item: &Item, via: Via) -> Value {
        let mut m = self.common(item);
        m.insert(
            "parentReference".into(),
            self.parent_reference(item, Some(via)),
        );
        if item.file.is_some() {
            m.insert("cTag".into(), json!(self.ctag(item)));
        }
        Value::Object(m)
    }

    /// The item as search results show it: business drives give the parent's drive and ID, no path.
    pub fn search_json(&self, item: &Item, via: Via) -> Value {
        let mut v = self.item_json(item, via);
        if !self.personal() {
            v["parentReference"] = json!({"driveId": self.id, "id": item.parent});
        }
        v
    }

    /// The item as delta shows it: no `parentReference.path` (a folder's rename does not list what is under
    /// it); business drives leave `cTag` out.
    pub fn delta_json(&self, item: &Item) -> Value {
        let mut m = self.common(item);
        m.insert("parentReference".into(), self.parent_reference(item, None));
        if item.file.is_some() && self.personal() {
            m.insert("cTag".into(), json!(self.ctag(item)));
        }
        Value::Object(m)
    }

    /// A deleted item in delta: its ID, parent and `deleted` facet; business drives leave out the name and
    /// cTag, personal ones the cTag and size.
    pub fn deleted_json(&self, item: &Item) -> Value {
        let mut v = json!({
            "id": item.id,
            "deleted": {"state": "deleted"},
            "parentReference": self.parent_reference(item, None),
            "lastModifiedDateTime": time(item.modified),
        });
        if item.is_folder() {
            v["folder"] = json!({"childCount": 0});
        } else {
            v["file"] = json!({});
        }
        if self.personal() {
            v["name"] = json!(item.name);
        }
        v
    }

    /// Log the item's current state, after its ancestors' (whose size and child count changed with it): what the
    /// next delta round reports.
    pub fn record(&mut self, id: &str) {
        for a in self.ancestors(id) {
            self.push_log(&a, None, true);
        }
        self.push_log(id, None, false);
    }

    /// Log a folder whose contents changed (and its ancestors): a parent in delta's sense.
    pub fn record_parent(&mut self, id: &str) {
        for a in self.ancestors(id) {
            self.push_log(&a, None, true);
        }
        self.push_log(id, None, true);
    }

    /// Log `item` as deleted (just before it leaves `items`).
    pub fn record_deleted_before_removal(&mut self, item: &Item) {
        let snapshot = self.deleted_json(item);
        self.push_log(&item.id.clone(), Some(snapshot), false);
    }

    fn push_log(&mut self, id: &str, snapshot: Option<Value>, parent: bool) {
        let snapshot = match snapshot {
            Some(s) => s,
            None => match self.items.get(id) {
                Some(item) => self.delta_json(item),
                None => return,
            },
        };
        let seq = self.next_seq();
        self.log.push(LogEntry {
            seq,
            id: id.to_string(),
            snapshot,
            parent,
        });
    }

    pub fn drive_json(&self) -> Value {
        let used = self.used();
        let owner = if self.owner_is_group {
            // As Graph sends a group-connected site's library: `owner.group`, without an `@odata.type`. Only the
            // derived sharePointIdentitySet declares `group`; identitySet is open, and this is what SharePoint
            // answers (microsoft-graph-docs issue #18207: "createdBy, lastModifiedBy and owner properties seem
            // to be of type sharePointIdentitySet and not identitySet").
            json!({"group": self.owner.identity()})
        } else {
            self.owner.user_set()
        };
        let mut v = json!({
            "id": self.id,
            "driveType": self.kind.drive_type(),
            "name": self.name,
            "description": self.description,
            "createdDateTime": time(self.created),
            "lastModifiedDateTime": time(self.items.get(&self.root).map_or(self.created, |r| r.modified)),
            "webUrl": self.web_url,
            "owner": owner,
            "quota": {
                "deleted": 0,
                "remaining": self.quota_total.saturating_sub(used),
                "state": "normal",
                "total": self.quota_total,
                "used": used,
            },
        });
        if !self.personal() {
            v["createdBy"] = json!({"user": {"displayName": "System Account"}});
        }
        v
    }
}

/// A deterministic item ID for the `n`th item of a drive.
pub fn item_id(drive_id: &str, kind: DriveKind, n: u64) -> String {
    if kind == DriveKind::Personal {
        return format!("{}!{}", drive_id.to_uppercase(), 100 + n);
    }
    // Base32 (RFC 4648 alphabet) of a digest, after OneDrive for Business's `01` lead.
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let digest = crate::graph::ids::digest(&[drive_id, &n.to_string()]);
    let mut id = String::from("01");
    for i in 0..32 {
        id.push(ALPHABET[(digest[i] & 31) as usize] as char);
    }
    id
}
