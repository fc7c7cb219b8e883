//! OneDrive and SharePoint: a drive (the person's own, or a document library by id), its items by path from
//! the root, their children, search, delta, content, uploads, folders and sharing links, and the sites a person
//! follows — built as requests (`graph.drive(&DriveRef::Me).children("/Documents")`) and sent through a
//! connection like every other.
//!
//! A path is from the drive's root (`/Documents/a.pdf`); each of its names is one percent-encoded segment of
//! Graph's path syntax (`root:/Documents/a.pdf:`), and `.` or `..` are refused: they would name another item
//! than the one written.

use super::request::{segment, Request};
use super::{Graph, GraphError};
use serde::Deserialize;

/// What is asked of an item wherever a list of them is shown or handed on.
pub const ITEM_FIELDS: &[&str] = &[
    "id",
    "name",
    "size",
    "lastModifiedDateTime",
    "webUrl",
    "parentReference",
    "file",
    "folder",
    "lastModifiedBy",
];

/// What a delta round asks of an item: the above, and what tells a content change from a metadata one.
pub const DELTA_FIELDS: &[&str] = &[
    "id",
    "name",
    "size",
    "createdDateTime",
    "lastModifiedDateTime",
    "fileSystemInfo",
    "webUrl",
    "parentReference",
    "file",
    "folder",
    "deleted",
    "lastModifiedBy",
    "cTag",
    "eTag",
    "root",
];

/// Which drive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DriveRef {
    /// The signed-in person's OneDrive.
    Me,
    /// A drive by id (a SharePoint document library, another person's shared drive).
    Id(String),
}

impl DriveRef {
    /// `--drive ID` or the person's own.
    pub fn from_option(id: Option<&str>) -> Self {
        match id.map(str::trim).filter(|d| !d.is_empty()) {
            Some(id) => DriveRef::Id(id.to_string()),
            None => DriveRef::Me,
        }
    }

    fn base(&self) -> String {
        match self {
            DriveRef::Me => "me/drive".to_string(),
            DriveRef::Id(id) => format!("drives/{}", segment(id)),
        }
    }
}

/// Why a path cannot name an item.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PathError {
    #[error("the path {0:?} has a \".\" or \"..\" in it")]
    Relative(String),
    #[error("the path {0:?} has a name with a control character in it")]
    Control(String),
}

/// A path from a drive's root, checked: its names in order (none for the root).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DrivePath {
    names: Vec<String>,
}

impl DrivePath {
    /// `/Documents/a.pdf`, `Documents/a.pdf`, `/` (the root); repeated and trailing slashes ignored.
    pub fn parse(text: &str) -> Result<Self, PathError> {
        let names: Vec<String> = text
            .split('/')
            .filter(|n| !n.is_empty())
            .map(str::to_string)
            .collect();
        if names.iter().any(|n| n == "." || n == "..") {
            return Err(PathError::Relative(text.to_string()));
        }
        if names.iter().any(|n| n.chars().any(char::is_control)) {
            return Err(PathError::Control(text.to_string()));
        }
        Ok(Self { names })
    }

    pub fn root() -> Self {
        Self { names: Vec::new() }
    }

    pub fn is_root(&self) -> bool {
        self.names.is_empty()
    }

    /// The last name (`None` for the root).
    pub fn name(&self) -> Option<&str> {
        self.names.last().map(String::as_str)
    }

    /// The folder it is in (the root's is the root).
    pub fn parent(&self) -> Self {
        let mut names = self.names.clone();
        names.pop();
        Self { names }
    }

    pub fn join(&self, name: &str) -> Result<Self, PathError> {
        let mut joined = self.clone();
        let more = Self::parse(name)?;
        joined.names.extend(more.names);
        Ok(joined)
    }

    /// Whether `self` is `folder` or inside it (`/Invoices` holds `/Invoices/a.pdf`, not `/Invoices-old/b`).
    pub fn is_within(&self, folder: &DrivePath) -> bool {
        self.names.len() >= folder.names.len()
            && self
                .names
                .iter()
                .zip(&folder.names)
                .all(|(a, b)| a.eq_ignore_ascii_case(b))
    }

    /// `/Documents/a.pdf` (`/` for the root).
    pub fn display(&self) -> String {
        format!("/{}", self.names.join("/"))
    }

    /// Graph's address of the item under `base`: `root` or `root:/Documents/a%20b.pdf:`.
    fn address(&self) -> String {
        if self.is_root() {
            return "root".to_string();
        }
        let encoded: Vec<String> = self.names.iter().map(|n| segment(n)).collect();
        format!("root:/{}:", encoded.join("/"))
    }
}

/// How an upload treats a name already taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Conflict {
    /// Refuse (409).
    #[default]
    Fail,
    /// Overwrite (a new version).
    Replace,
    /// Keep both: Graph names the new one "a 1.pdf".
    Rename,
}

impl Conflict {
    pub fn as_str(self) -> &'static str {
        match self {
            Conflict::Fail => "fail",
            Conflict::Replace => "replace",
            Conflict::Rename => "rename",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "fail" => Some(Conflict::Fail),
            "replace" => Some(Conflict::Replace),
            "rename" => Some(Conflict::Rename),
            _ => None,
        }
    }
}

/// One drive's requests (they need no client: each is data until it is sent).
pub struct Drive<'a> {
    drive: DriveRef,
    _graph: std::marker::PhantomData<&'a Graph>,
}

impl Drive<'static> {
    /// The requests of `drive`, without a client at hand.
    pub fn of(drive: DriveRef) -> Self {
        Self {
            drive,
            _graph: std::marker::PhantomData,
        }
    }
}

impl<'a> Drive<'a> {
    fn at(&self, path: &DrivePath) -> String {
        format!("{}/{}", self.drive.base(), path.address())
    }

    /// The drive: its name, kind and quota.
    pub fn get(&self) -> Request {
        Request::get(self.drive.base()).query("$select", "id,name,driveType,webUrl,quota,owner")
    }

    /// The item at `path`.
    pub fn item(&self, path: &DrivePath) -> Request {
        Request::get(self.at(path)).query("$select", ITEM_FIELDS.join(","))
    }

    /// The item with id `id`.
    pub fn item_by_id(&self, id: &str) -> Request {
        Request::get(format!("{}/items/{}", self.drive.base(), segment(id)))
            .query("$select", ITEM_FIELDS.join(","))
    }

    /// The folder at `path`'s children, by name, `top` a page.
    pub fn children(&self, path: &DrivePath, top: u32) -> Request {
        Request::get(format!("{}/children", self.at(path)))
            .query("$select", ITEM_FIELDS.join(","))
            .query("$top", top.clamp(1, 1000).to_string())
            .query("$orderby", "name")
    }

    /// Items whose name or content matches `query`, anywhere in the drive (OData quotes a quote by doubling it).
    pub fn search(&self, query: &str, top: u32) -> Request {
        let quoted = segment(&query.replace('\'', "''"));
        Request::get(format!("{}/root/search(q='{quoted}')", self.drive.base()))
            .query("$select", ITEM_FIELDS.join(","))
            .query("$top", top.clamp(1, 1000).to_string())
    }

    /// The item's bytes: Graph answers 302 to a pre-authenticated URL on another host.
    pub fn content(&self, path: &DrivePath) -> Request {
        Request::get(format!("{}/content", self.at(path)))
    }

    /// A small file's bytes in one PUT (Graph's simple upload; Patchbay uses it up to 4 MiB).
    pub fn put(&self, path: &DrivePath, conflict: Conflict, bytes: Vec<u8>) -> Request {
        Request::put_bytes(format!("{}/content", self.at(path)), bytes)
            .query("@microsoft.graph.conflictBehavior", conflict.as_str())
    }

    /// An upload session for a larger file: its `uploadUrl` takes the bytes in chunks, without a token.
    pub fn create_upload_session(&self, path: &DrivePath, conflict: Conflict) -> Request {
        Request::post(
            format!("{}/createUploadSession", self.at(path)),
            serde_json::json!({"item": {"@microsoft.graph.conflictBehavior": conflict.as_str()}}),
        )
    }

    /// A folder called `name` in the folder at `parent`.
    pub fn create_folder(&self, parent: &DrivePath, name: &str, conflict: Conflict) -> Request {
        Request::post(
            format!("{}/children", self.at(parent)),
            serde_json::json!({
                "name": name,
                "folder": {},
                "@microsoft.graph.conflictBehavior": conflict.as_str(),
            }),
        )
    }

    /// A sharing link to the item at `path`: `view` for `organization` or `anonymous`.
    pub fn create_link(&self, path: &DrivePath, scope: &str) -> Request {
        Request::post(
            format!("{}/createLink", self.at(path)),
            serde_json::json!({"type": "view", "scope": scope}),
        )
    }

    /// The drive's changes from now on: one request whatever the drive's size (`token=latest`).
    pub fn delta_latest(&self) -> Request {
        Request::get(format!("{}/root/delta", self.drive.base())).query("token", "latest")
    }

    /// The drive's delta from the start (every item, then the changes).
    pub fn delta(&self) -> Request {
        Request::get(format!("{}/root/delta", self.drive.base()))
            .query("$select", DELTA_FIELDS.join(","))
    }

    /// Files the person opened or changed lately (their own drive).
    pub fn recent(&self, top: u32) -> Request {
        Request::get("me/drive/recent").query("$top", top.clamp(1, 1000).to_string())
    }
}

/// Sites and the drives a person has.
pub struct Sites;

impl Sites {
    /// The drives the person has (their OneDrive, and for some accounts more).
    pub fn my_drives() -> Request {
        Request::get("me/drives").query("$select", "id,name,driveType,webUrl")
    }

    /// The sites the person follows.
    pub fn followed() -> Request {
        Request::get("me/followedSites").query("$select", "id,displayName,name,webUrl")
    }

    /// Sites matching `query`.
    pub fn search(query: &str) -> Request {
        Request::get("sites")
            .query("search", query)
            .query("$select", "id,displayName,name,webUrl")
    }

    /// A site's document libraries.
    pub fn drives(site_id: &str) -> Request {
        Request::get(format!("sites/{}/drives", segment(site_id)))
            .query("$select", "id,name,driveType,webUrl")
    }
}

impl Graph {
    /// A drive: the person's own, or one by id.
    pub fn drive(&self, drive: &DriveRef) -> Drive<'_> {
        Drive {
            drive: drive.clone(),
            _graph: std::marker::PhantomData,
        }
    }
}

// ---- what Graph answers --------------------------------------------------------------------------------------

/// A drive item, as far as it was selected. Every field but `id` may be absent: delta items of business drives
/// carry no path, deleted ones no name.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct DriveItem {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub size: Option<u64>,
    /// RFC 3339, UTC.
    #[serde(default)]
    pub last_modified_date_time: Option<String>,
    #[serde(default)]
    pub web_url: Option<String>,
    #[serde(default)]
    pub e_tag: Option<String>,
    #[serde(default)]
    pub c_tag: Option<String>,
    #[serde(default)]
    pub parent_reference: Option<ItemReference>,
    #[serde(default)]
    pub file: Option<FileFacet>,
    #[serde(default)]
    pub folder: Option<FolderFacet>,
    #[serde(default)]
    pub deleted: Option<serde_json::Value>,
    #[serde(default)]
    pub root: Option<serde_json::Value>,
    #[serde(default)]
    pub last_modified_by: Option<IdentitySet>,
    #[serde(default, rename = "@microsoft.graph.downloadUrl")]
    pub download_url: Option<String>,
}

impl DriveItem {
    pub fn is_folder(&self) -> bool {
        self.folder.is_some() || self.root.is_some()
    }

    /// The item's path from the root, when its parent's path is known (`/drive/root:/Documents` →
    /// `/Documents/a.pdf`).
    pub fn path(&self) -> Option<String> {
        if self.root.is_some() {
            return Some("/".into());
        }
        let parent = self.parent_reference.as_ref()?.path.as_deref()?;
        let name = self.name.as_deref()?;
        let folder = parent_path(parent)?;
        Some(if folder == "/" {
            format!("/{name}")
        } else {
            format!("{folder}/{name}")
        })
    }
}

/// `/drive/root:/Documents/Invoices` or `/drives/b!x/root:/Documents` → `/Documents/Invoices`; `/drive/root:` →
/// `/`. Graph percent-encodes nothing there, but some answers do: decode when it is.
pub fn parent_path(reference: &str) -> Option<String> {
    let (_, after) = reference.split_once("root:")?;
    let decoded = percent_encoding_decode(after);
    Some(if decoded.is_empty() {
        "/".to_string()
    } else {
        decoded
    })
}

fn percent_encoding_decode(text: &str) -> String {
    if !text.contains('%') {
        return text.to_string();
    }
    url::form_urlencoded::parse(format!("x={}", text.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| text.to_string())
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ItemReference {
    #[serde(default)]
    pub drive_id: Option<String>,
    #[serde(default)]
    pub drive_type: Option<String>,
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub path: Option<String>,
    #[serde(default)]
    pub site_id: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct FileFacet {
    #[serde(default)]
    pub mime_type: Option<String>,
    #[serde(default)]
    pub hashes: Option<Hashes>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Hashes {
    #[serde(default)]
    pub quick_xor_hash: Option<String>,
    #[serde(default)]
    pub sha1_hash: Option<String>,
    #[serde(default)]
    pub sha256_hash: Option<String>,
    #[serde(default)]
    pub crc32_hash: Option<String>,
}

impl Hashes {
    /// One string that changes when the content does (whichever hash the drive gives).
    pub fn fingerprint(&self) -> Option<String> {
        self.quick_xor_hash
            .clone()
            .or_else(|| self.sha256_hash.clone())
            .or_else(|| self.sha1_hash.clone())
            .or_else(|| self.crc32_hash.clone())
    }
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct FolderFacet {
    #[serde(default)]
    pub child_count: Option<u64>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct IdentitySet {
    #[serde(default)]
    pub user: Option<Identity>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Identity {
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
}

/// A drive, as far as it was selected.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct DriveInfo {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    /// `personal`, `business`, `documentLibrary`.
    #[serde(default)]
    pub drive_type: Option<String>,
    #[serde(default)]
    pub web_url: Option<String>,
    #[serde(default)]
    pub quota: Option<Quota>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Quota {
    #[serde(default)]
    pub total: Option<i64>,
    #[serde(default)]
    pub used: Option<i64>,
    #[serde(default)]
    pub remaining: Option<i64>,
    #[serde(default)]
    pub deleted: Option<i64>,
    /// `normal`, `nearing`, `critical`, `exceeded`.
    #[serde(default)]
    pub state: Option<String>,
}

/// A site, as far as it was selected.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct SiteInfo {
    pub id: String,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub web_url: Option<String>,
}

/// An upload session, as Graph answers `createUploadSession` and each chunk.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct UploadSession {
    #[serde(default)]
    pub upload_url: Option<String>,
    #[serde(default)]
    pub expiration_date_time: Option<String>,
    /// `["327680-"]`, `["0-", "1048576-2097151"]`.
    #[serde(default)]
    pub next_expected_ranges: Vec<String>,
}

impl UploadSession {
    /// The first byte Graph still expects (the start of its first range), when it says.
    pub fn next_start(&self) -> Option<u64> {
        self.next_expected_ranges
            .iter()
            .filter_map(|r| r.split('-').next()?.trim().parse::<u64>().ok())
            .min()
    }
}

impl From<PathError> for GraphError {
    fn from(e: PathError) -> Self {
        GraphError::Decode(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use url::Url;

    fn graph() -> Graph {
        Graph::new(
            Url::parse("https://graph.microsoft.com/").unwrap(),
            reqwest::Client::new(),
        )
    }

    #[test]
    fn paths_are_checked_and_each_name_is_one_segment() {
        let p = DrivePath::parse("/Documents//Q3 #1?.pdf/").unwrap();
        assert_eq!(p.display(), "/Documents/Q3 #1?.pdf");
        assert_eq!(p.name(), Some("Q3 #1?.pdf"));
        assert_eq!(p.parent().display(), "/Documents");
        let g = graph();
        let r = g.drive(&DriveRef::Me).content(&p);
        assert_eq!(r.path, "me/drive/root:/Documents/Q3%20%231%3F.pdf:/content");
        let r = g
            .drive(&DriveRef::Id("b!a/b".into()))
            .children(&DrivePath::root(), 50);
        assert_eq!(r.path, "drives/b%21a%2Fb/root/children");
        for bad in ["/a/../b", "./a", "/a/."] {
            assert!(
                matches!(DrivePath::parse(bad), Err(PathError::Relative(_))),
                "{bad}"
            );
        }
        assert!(DrivePath::parse("/a\u{7}b").is_err());
        assert!(DrivePath::parse("/").unwrap().is_root());
    }

    #[test]
    fn folders_hold_only_what_is_under_them() {
        let invoices = DrivePath::parse("/Invoices").unwrap();
        assert!(DrivePath::parse("/invoices/2026/a.pdf")
            .unwrap()
            .is_within(&invoices));
        assert!(!DrivePath::parse("/Invoices-archive/a.pdf")
            .unwrap()
            .is_within(&invoices));
        assert!(invoices.is_within(&DrivePath::root()));
    }

    #[test]
    fn search_doubles_quotes_and_paths_come_from_the_parent() {
        let r = graph().drive(&DriveRef::Me).search("O'Brien report", 10);
        assert_eq!(r.path, "me/drive/root/search(q='O%27%27Brien%20report')");
        let item: DriveItem = serde_json::from_value(serde_json::json!({
            "id": "1", "name": "a.pdf",
            "parentReference": {"path": "/drive/root:/Documents/Invoices"}
        }))
        .unwrap();
        assert_eq!(item.path().as_deref(), Some("/Documents/Invoices/a.pdf"));
        let top: DriveItem = serde_json::from_value(serde_json::json!({
            "id": "2", "name": "b.txt", "parentReference": {"path": "/drives/b!x/root:"}
        }))
        .unwrap();
        assert_eq!(top.path().as_deref(), Some("/b.txt"));
        let bare: DriveItem =
            serde_json::from_value(serde_json::json!({"id": "3", "name": "c"})).unwrap();
        assert_eq!(bare.path(), None);
        let s = UploadSession {
            next_expected_ranges: vec!["655360-".into(), "0-100".into()],
            ..UploadSession::default()
        };
        assert_eq!(s.next_start(), Some(0));
    }
}
