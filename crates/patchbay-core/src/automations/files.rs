//! File automations: a file created, changed, deleted or moved anywhere under a folder of a drive, over the
//! drive's delta (`/drives/{id}/root/delta`).
//!
//! Graph's facts this is built on (OneDrive for Business and SharePoint): delta runs on the drive's root only;
//! its items carry their parent's id but no path, may leave out `cTag`, and come more than once in a round (the
//! last is current); deleted items come without a name; a 410 names where to start again (`Location`). So:
//! - The baseline is one request, `delta?token=latest`: nothing already there fires, and nothing of the drive is
//!   read.
//! - Where an item is comes from its parent's id: folders seen in delta (name, parent) are kept, and a parent
//!   never seen is looked up once (by id, then its path's folders by path, in one `$batch` each) before the page
//!   is taken ([`FileChanged`]'s `settle`). An item is under the watched folder when its parents lead there.
//! - Each file seen is kept as last seen ([`FileKnown`]: where it was and its content's fingerprint, from
//!   `file.hashes` and `size`, which business drives always give): a changed fingerprint is `modified`, a new
//!   place inside the folder `moved`, a place outside `deleted`, a place inside for a file kept outside (or
//!   never seen and created since the baseline) `created`; anything else (a rename of nothing, a touch, the same
//!   item again) fires nothing. A folder renamed or moved moves every kept file under it.
//! - A round's files are decided once it reaches its deltaLink (duplicates across its pages: the last wins);
//!   until then they wait in the state, written with the cursor.
//! - A file never seen since the baseline that changes is judged by its times: created since the baseline is
//!   `created`, its content changed since (`fileSystemInfo.lastModifiedDateTime`) is `modified`. A rename or move
//!   of such a file is not told apart from a touch (Graph does not say where it was, and the baseline read
//!   nothing of the drive): it fires nothing that first time, and every change after is exact.

use super::queue::{Pending, State};
use super::source::{BoxFuture, DeltaSource, Prepared, SourceState, TestItem};
use super::{Automation, Trigger};
use crate::error::{ErrorCode, ErrorInfo};
use crate::graph::drive::{Drive, DriveItem, DrivePath, DriveRef};
use crate::graph::{Batch, ConnectionGraph, RawResponse, Request};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// Files kept as last seen; past this the longest unseen are forgotten (a change of one then reads as a file
/// never seen).
const KEEP_FILES: usize = 20_000;
const KEEP_FOLDERS: usize = 20_000;
/// How far before the baseline a creation may be stamped and still count as after it (the two clocks).
const MARGIN_SECS: i64 = 60;
/// How deep a chain of parents is followed before it is taken as broken.
const MAX_DEPTH: usize = 256;

/// A file changed under `folder`.
pub struct FileChanged<'a> {
    pub folder: &'a str,
    pub drive: Option<&'a str>,
    pub name_matches: Option<&'a str>,
    pub download_to: Option<&'a str>,
}

/// A folder as last seen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FolderKnown {
    pub name: String,
    pub parent: Option<String>,
}

/// A file as last seen, and what its command was (or would be) given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileKnown {
    pub name: String,
    pub parent: Option<String>,
    /// Its path when last seen (a folder above it may have moved since).
    pub path: String,
    /// Whether it was under the watched folder then.
    pub inside: bool,
    pub fingerprint: Option<String>,
    pub size: Option<u64>,
    pub web_url: Option<String>,
    /// When it was last seen, in rounds (the longest unseen are forgotten first).
    pub seen: u64,
}

/// What a file automation keeps between rounds.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FileState {
    /// When the baseline was taken (Unix seconds).
    #[serde(default)]
    pub mark: i64,
    #[serde(default)]
    pub root_id: Option<String>,
    /// The watched folder's id.
    #[serde(default)]
    pub folder_id: Option<String>,
    #[serde(default)]
    pub folders: BTreeMap<String, FolderKnown>,
    #[serde(default)]
    pub files: BTreeMap<String, FileKnown>,
    /// The round's items not yet decided (the last of each id), in the order first seen.
    #[serde(default)]
    pub pending: Vec<Value>,
    /// Folders renamed or moved this round.
    #[serde(default)]
    pub folders_moved: bool,
    #[serde(default)]
    pub round: u64,
}

impl SourceState for FileState {}

fn invalid(message: impl Into<String>, hint: impl Into<String>) -> ErrorInfo {
    ErrorInfo::new(ErrorCode::InvalidInput, message, hint)
}

fn seconds(v: &Value) -> Option<i64> {
    v.as_str()
        .and_then(|t| t.parse::<Timestamp>().ok())
        .map(|t| t.as_second())
}

fn is_folder(item: &Value) -> bool {
    item.get("folder").is_some() || item.get("root").is_some()
}

fn fingerprint(item: &Value) -> Option<String> {
    let hashes = &item["file"]["hashes"];
    let hash = ["quickXorHash", "sha256Hash", "sha1Hash", "crc32Hash"]
        .iter()
        .find_map(|k| hashes[*k].as_str())
        .map(str::to_string);
    match (hash, item["size"].as_u64()) {
        (Some(h), Some(s)) => Some(format!("{h}:{s}")),
        (Some(h), None) => Some(h),
        // Without a hash, a content tag (personal drives give one) and the size.
        (None, size) => item["cTag"]
            .as_str()
            .map(|c| format!("{c}:{}", size.unwrap_or(0))),
    }
}

fn old_in(facet: &Value, key: &str, since: i64) -> bool {
    seconds(&facet[key]).is_none_or(|t| t < since)
}

impl FileState {
    /// The kept files under folder `id`, at any depth.
    fn files_under(&self, id: &str) -> Vec<String> {
        self.files
            .iter()
            .filter(|(_, f)| {
                let mut at = f.parent.clone();
                for _ in 0..MAX_DEPTH {
                    match at {
                        Some(ref p) if p == id => return true,
                        Some(ref p) => at = self.folders.get(p).and_then(|x| x.parent.clone()),
                        None => return false,
                    }
                }
                false
            })
            .map(|(k, _)| k.clone())
            .collect()
    }

    /// The path of folder `id` from the drive's root, when its parents are known all the way up.
    fn folder_path(&self, id: &str) -> Option<String> {
        let mut names = Vec::new();
        let mut at = id.to_string();
        for _ in 0..MAX_DEPTH {
            if Some(&at) == self.root_id.as_ref() {
                names.reverse();
                return Some(format!("/{}", names.join("/")));
            }
            let f = self.folders.get(&at)?;
            names.push(f.name.clone());
            at = f.parent.clone()?;
        }
        None
    }

    /// Whether folder `id` is the watched folder or under it; `None` when a parent is not known.
    fn folder_inside(&self, id: &str) -> Option<bool> {
        let watched = self.folder_id.as_deref()?;
        let mut at = id.to_string();
        for _ in 0..MAX_DEPTH {
            if at == watched {
                return Some(true);
            }
            if Some(&at) == self.root_id.as_ref() {
                return Some(false);
            }
            at = self.folders.get(&at)?.parent.clone()?;
        }
        None
    }

    fn learn_folder(&mut self, item: &Value) {
        let Some(id) = item["id"].as_str() else {
            return;
        };
        if item.get("root").is_some() {
            self.root_id.get_or_insert_with(|| id.to_string());
            return;
        }
        if item.get("deleted").is_some() {
            return;
        }
        let name = item["name"].as_str();
        let parent = item["parentReference"]["id"].as_str().map(str::to_string);
        let before = self.folders.get(id).cloned();
        let name = match (name, &before) {
            (Some(n), _) => n.to_string(),
            (None, Some(b)) => b.name.clone(),
            (None, None) => return,
        };
        let now = FolderKnown { name, parent };
        if before.as_ref().is_some_and(|b| b != &now) {
            self.folders_moved = true;
        }
        self.folders.insert(id.to_string(), now);
        while self.folders.len() > KEEP_FOLDERS {
            // Forget a folder no kept file is in (any, when all are).
            let used: std::collections::HashSet<&String> = self
                .files
                .values()
                .filter_map(|f| f.parent.as_ref())
                .collect();
            let victim = self
                .folders
                .keys()
                .find(|k| !used.contains(k) && Some(*k) != self.folder_id.as_ref())
                .or_else(|| self.folders.keys().next())
                .cloned();
            match victim {
                Some(v) => self.folders.remove(&v),
                None => break,
            };
        }
    }

    fn keep(&mut self, id: &str, file: FileKnown) {
        self.files.insert(id.to_string(), file);
        if self.files.len() > KEEP_FILES {
            if let Some(oldest) = self
                .files
                .iter()
                .min_by_key(|(_, f)| f.seen)
                .map(|(k, _)| k.clone())
            {
                self.files.remove(&oldest);
            }
        }
    }
}

/// Wait for the round's end with `item` (the last of an id wins, in the place it was first seen).
fn pend(fs: &mut FileState, item: Value) {
    match fs.pending.iter_mut().find(|p| p["id"] == item["id"]) {
        Some(slot) => *slot = item,
        None => fs.pending.push(item),
    }
}

impl FileChanged<'_> {
    /// Whether `item` changes nothing that could fire (kept as it is, or outside the folder, or there before
    /// the baseline and untouched in content): learnt now, and not kept waiting.
    fn settled_quietly(&self, fs: &mut FileState, item: &Value) -> bool {
        if item.get("deleted").is_some() {
            return false;
        }
        let Some(id) = item["id"].as_str() else {
            return true;
        };
        let parent = item["parentReference"]["id"].as_str();
        if let Some(k) = fs.files.get(id) {
            return k.fingerprint == fingerprint(item)
                && item["name"].as_str() == Some(k.name.as_str())
                && parent == k.parent.as_deref();
        }
        let since = fs.mark - MARGIN_SECS;
        match parent.and_then(|p| fs.folder_inside(p)) {
            Some(false) => true,
            Some(true) => {
                let old = |k: &str| seconds(&item[k]).is_some_and(|t| t < since);
                let untouched = old("createdDateTime")
                    && (old_in(&item["fileSystemInfo"], "lastModifiedDateTime", since));
                untouched && self.decide_one_quiet(fs, id, item)
            }
            None => false,
        }
    }

    /// Keep a file there before the baseline as it is now, firing nothing.
    fn decide_one_quiet(&self, fs: &mut FileState, id: &str, item: &Value) -> bool {
        let (Some(name), Some(parent)) = (
            item["name"].as_str(),
            item["parentReference"]["id"].as_str(),
        ) else {
            return false;
        };
        let Some(folder) = fs.folder_path(parent) else {
            return false;
        };
        let round = fs.round;
        fs.keep(
            id,
            FileKnown {
                name: name.to_string(),
                parent: Some(parent.to_string()),
                path: join(&folder, name),
                inside: true,
                fingerprint: fingerprint(item),
                size: item["size"].as_u64(),
                web_url: item["webUrl"].as_str().map(str::to_string),
                seen: round,
            },
        );
        true
    }

    fn drive(&self) -> DriveRef {
        DriveRef::from_option(self.drive)
    }

    fn watched(&self) -> DrivePath {
        DrivePath::parse(self.folder).unwrap_or_else(|_| DrivePath::root())
    }

    fn name_ok(&self, name: &str) -> bool {
        let Some(glob) = self.name_matches else {
            return true;
        };
        let options = glob::MatchOptions {
            case_sensitive: false,
            require_literal_separator: true,
            require_literal_leading_dot: false,
        };
        glob::Pattern::new(glob).is_ok_and(|p| p.matches_with(name, options))
    }

    /// The command's JSON for a change of a file.
    fn payload(&self, a: &Automation, item: &FileItem, change: &str) -> Value {
        json!({
            "automation_id": a.id,
            "connection_id": a.connection_id,
            "trigger": "file_changed",
            "item": {
                "id": item.id,
                "name": item.name,
                "path": item.path,
                "change": change,
                "size": item.size,
                "modified": item.modified,
                "modified_by": item.modified_by,
                "web_url": item.web_url,
            },
        })
    }

    fn pending(&self, a: &Automation, item: &FileItem, change: &str, key: String) -> Pending {
        Pending {
            item_id: item.id.clone(),
            key,
            subject: Some(
                item.path
                    .clone()
                    .unwrap_or_else(|| item.name.clone().unwrap_or_default()),
            ),
            payload: self.payload(a, item, change),
            attempts: 0,
            next_at: 0,
            failed: false,
            target: None,
        }
    }

    /// What the round's files mean, once it reached its deltaLink.
    fn decide(&self, a: &Automation, fs: &mut FileState) -> Vec<Pending> {
        let mut out = Vec::new();
        let items = std::mem::take(&mut fs.pending);
        let mut touched = std::collections::HashSet::new();
        for item in &items {
            let Some(id) = item["id"].as_str() else {
                continue;
            };
            touched.insert(id.to_string());
            out.extend(self.decide_one(a, fs, id, item));
        }
        if std::mem::take(&mut fs.folders_moved) {
            // A folder renamed or moved: every kept file under it is somewhere else now.
            let ids: Vec<String> = fs
                .files
                .keys()
                .filter(|k| !touched.contains(*k))
                .cloned()
                .collect();
            for id in ids {
                out.extend(self.relocated(a, fs, &id));
            }
        }
        out
    }

    /// A kept file whose folder moved: where it is now.
    fn relocated(&self, a: &Automation, fs: &mut FileState, id: &str) -> Option<Pending> {
        let known = fs.files.get(id)?.clone();
        let parent = known.parent.clone()?;
        let inside = fs.folder_inside(&parent)?;
        let path = fs
            .folder_path(&parent)
            .map(|p| join(&p, &known.name))
            .unwrap_or_else(|| known.path.clone());
        if path == known.path && inside == known.inside {
            return None;
        }
        let round = fs.round;
        let mut now = known.clone();
        now.path = path.clone();
        now.inside = inside;
        now.seen = round;
        fs.keep(id, now.clone());
        let change = match (known.inside, inside) {
            (true, true) => "moved",
            (true, false) => "deleted",
            (false, true) => "created",
            (false, false) => return None,
        };
        // Moved out with its folder: what left is the file where it was.
        let item = FileItem::from_known(id, if change == "deleted" { &known } else { &now });
        if !self.name_ok(&known.name) {
            return None;
        }
        Some(self.pending(a, &item, change, format!("{id}#{change}#{path}")))
    }

    fn decide_one(
        &self,
        a: &Automation,
        fs: &mut FileState,
        id: &str,
        item: &Value,
    ) -> Option<Pending> {
        let known = fs.files.get(id).cloned();
        if item.get("deleted").is_some() {
            // Deleted: what was kept of it is all there is (the item has no name).
            let parent = item["parentReference"]["id"].as_str().map(str::to_string);
            fs.files.remove(id);
            let (inside, name, path, size, web_url) = match &known {
                Some(k) => (
                    k.inside,
                    Some(k.name.clone()),
                    Some(k.path.clone()),
                    k.size,
                    k.web_url.clone(),
                ),
                None => {
                    // Only what is known to be a file.
                    item.get("file")?;
                    let inside = parent.as_deref().and_then(|p| fs.folder_inside(p))?;
                    (inside, None, None, None, None)
                }
            };
            if !inside || name.as_deref().is_some_and(|n| !self.name_ok(n)) {
                return None;
            }
            let gone = FileItem {
                id: id.to_string(),
                name,
                path,
                size,
                modified: item["lastModifiedDateTime"].as_str().map(str::to_string),
                modified_by: None,
                web_url,
            };
            return Some(self.pending(a, &gone, "deleted", format!("{id}#deleted")));
        }
        let name = item["name"]
            .as_str()
            .map(str::to_string)
            .or_else(|| known.as_ref().map(|k| k.name.clone()))?;
        let parent = item["parentReference"]["id"]
            .as_str()
            .map(str::to_string)
            .or_else(|| known.as_ref().and_then(|k| k.parent.clone()));
        let inside = parent.as_deref().and_then(|p| fs.folder_inside(p));
        let path = parent
            .as_deref()
            .and_then(|p| fs.folder_path(p))
            .map(|p| join(&p, &name));
        let fp = fingerprint(item).or_else(|| known.as_ref().and_then(|k| k.fingerprint.clone()));
        let size = item["size"].as_u64();
        let Some(inside) = inside else {
            // Where it is cannot be told (its parents could not be had): keep nothing, fire nothing.
            tracing::debug!(item = %id, "a file whose folder could not be placed");
            return None;
        };
        let path = path.unwrap_or_else(|| format!("/{name}"));
        let round = fs.round;
        fs.keep(
            id,
            FileKnown {
                name: name.clone(),
                parent: parent.clone(),
                path: path.clone(),
                inside,
                fingerprint: fp.clone(),
                size,
                web_url: item["webUrl"].as_str().map(str::to_string),
                seen: round,
            },
        );
        let now = FileItem {
            id: id.to_string(),
            name: Some(name.clone()),
            path: Some(path.clone()),
            size,
            modified: item["lastModifiedDateTime"].as_str().map(str::to_string),
            modified_by: modified_by(item),
            web_url: item["webUrl"].as_str().map(str::to_string),
        };
        let since = fs.mark - MARGIN_SECS;
        let change = match &known {
            Some(k) if k.inside && !inside => "deleted",
            Some(k) if !k.inside && inside => "created",
            Some(_) if !inside => return None,
            Some(k) if k.fingerprint != fp && fp.is_some() => "modified",
            Some(k) if k.path != path => "moved",
            Some(_) => return None,
            None if !inside => return None,
            None if seconds(&item["createdDateTime"]).is_some_and(|t| t >= since) => "created",
            None if seconds(&item["fileSystemInfo"]["lastModifiedDateTime"])
                .is_some_and(|t| t >= since) =>
            {
                "modified"
            }
            None => return None,
        };
        let was_named_ok = known.as_ref().is_some_and(|k| self.name_ok(&k.name));
        let named_ok = self.name_ok(&name) || (change == "deleted" && was_named_ok);
        if !named_ok {
            return None;
        }
        // Moved out: what left the folder is the file where it was.
        let now = match (&known, change) {
            (Some(k), "deleted") => FileItem {
                name: Some(k.name.clone()),
                path: Some(k.path.clone()),
                ..now
            },
            _ => now,
        };
        let key = match change {
            "modified" => format!("{id}#modified#{}", fp.unwrap_or_default()),
            "moved" => format!("{id}#moved#{path}"),
            other => format!("{id}#{other}#{round}"),
        };
        Some(self.pending(a, &now, change, key))
    }
}

/// Where a file at `path` (from the drive's root) goes under `dir`: its path below the watched folder, each name
/// made a safe local name (no separators, no `.` or `..`), its folders made. `None` when it is not below it.
pub(crate) fn local_target(
    dir: &std::path::Path,
    watched: &DrivePath,
    path: &str,
) -> Option<std::path::PathBuf> {
    let full = DrivePath::parse(path).ok()?;
    if !full.is_within(watched) || full.is_root() {
        return None;
    }
    let names: Vec<String> = full
        .display()
        .trim_start_matches('/')
        .split('/')
        .skip(
            watched
                .display()
                .trim_start_matches('/')
                .split('/')
                .filter(|n| !n.is_empty())
                .count(),
        )
        .map(crate::files::download::local_name)
        .collect();
    let mut target = dir.to_path_buf();
    for n in &names {
        target.push(n);
    }
    if let Some(parent) = target.parent() {
        std::fs::create_dir_all(parent).ok()?;
    }
    Some(target)
}

fn join(folder: &str, name: &str) -> String {
    if folder == "/" {
        format!("/{name}")
    } else {
        format!("{folder}/{name}")
    }
}

fn modified_by(item: &Value) -> Option<String> {
    let user = &item["lastModifiedBy"]["user"];
    user["displayName"]
        .as_str()
        .or(user["email"].as_str())
        .map(str::to_string)
}

/// A file as its command is told of it.
struct FileItem {
    id: String,
    name: Option<String>,
    path: Option<String>,
    size: Option<u64>,
    modified: Option<String>,
    modified_by: Option<String>,
    web_url: Option<String>,
}

impl FileItem {
    fn from_known(id: &str, k: &FileKnown) -> Self {
        Self {
            id: id.to_string(),
            name: Some(k.name.clone()),
            path: Some(k.path.clone()),
            size: k.size,
            modified: None,
            modified_by: None,
            web_url: k.web_url.clone(),
        }
    }
}

impl DeltaSource for FileChanged<'_> {
    fn code(&self) -> &'static str {
        "file_changed"
    }

    fn describe(&self) -> String {
        let mut s = format!("a file changed in {}", self.watched().display());
        if let Some(d) = self.drive {
            s.push_str(&format!(" of drive {d}"));
        }
        if let Some(g) = self.name_matches {
            s.push_str(&format!(" named like {g}"));
        }
        if let Some(d) = self.download_to {
            s.push_str(&format!(", downloaded to {d}"));
        }
        s
    }

    fn check(&self) -> Result<Trigger, ErrorInfo> {
        let folder = DrivePath::parse(self.folder.trim()).map_err(|e| {
            invalid(
                format!("The folder {:?} cannot be watched: {e}.", self.folder),
                "Give a folder's path from the drive's root, like /Invoices.",
            )
        })?;
        let name_matches = self.name_matches.map(str::trim).filter(|g| !g.is_empty());
        if let Some(g) = name_matches {
            glob::Pattern::new(g).map_err(|e| {
                invalid(
                    format!("The name pattern {g:?} is not a pattern ({e})."),
                    "Use * and ? as in *.pdf or INV-????.pdf.",
                )
            })?;
        }
        let download_to = match self.download_to.map(str::trim).filter(|d| !d.is_empty()) {
            None => None,
            Some(d) => {
                let dir = std::path::Path::new(d);
                if !dir.is_absolute() {
                    return Err(invalid(
                        format!("{d} is not a full path."),
                        "Give the folder to download into as a full path, like /home/ada/Invoices.",
                    ));
                }
                if !dir.is_dir() {
                    return Err(invalid(
                        format!("{d} is not a folder on this computer."),
                        "Create it first, or give a folder that exists.",
                    ));
                }
                Some(d.to_string())
            }
        };
        Ok(Trigger::FileChanged {
            folder: folder.display(),
            drive: self
                .drive
                .map(str::trim)
                .filter(|d| !d.is_empty())
                .map(str::to_string),
            name_matches: name_matches.map(str::to_string),
            download_to,
        })
    }

    fn first_request(&self, _state: &mut State, _now: i64, prefer: &str) -> Request {
        Drive::of(self.drive()).delta().header("Prefer", prefer)
    }

    fn baseline<'a>(
        &'a self,
        graph: &'a ConnectionGraph,
        state: &'a mut State,
    ) -> Option<BoxFuture<'a, Result<(), String>>> {
        Some(Box::pin(async move {
            let drive = graph.graph().drive(&self.drive());
            // One round trip: the delta from now on, the root, and the watched folder with every folder above it
            // (so what is under it can be placed); a path deeper than a batch holds learns the rest later.
            let mut folders = Vec::new();
            let mut at = self.watched();
            while !at.is_root() && folders.len() < crate::graph::batch::MAX_ITEMS - 2 {
                folders.push(at.clone());
                at = at.parent();
            }
            let mut batch = Batch::new()
                .add("delta", drive.delta_latest())
                .add("root", drive.item(&DrivePath::root()));
            for (i, f) in folders.iter().enumerate() {
                batch = batch.add(format!("f{i}"), drive.item(f));
            }
            let mut answers = graph
                .batch(&batch)
                .await
                .map_err(|e| words(&e.to_error_info()))?;
            let graph_words =
                |e: crate::graph::GraphError| words(&crate::graph::session::graph_error_info(&e));
            let root: DriveItem = answers
                .take("root")
                .and_then(|r| r.json())
                .map_err(graph_words)?;
            let mut fs = FileState {
                mark: super::engine::now(),
                root_id: Some(root.id.clone()),
                folder_id: Some(root.id.clone()),
                ..FileState::default()
            };
            for (i, f) in folders.iter().enumerate() {
                let found: DriveItem = match answers.take(&format!("f{i}")) {
                    Ok(r) if r.status == 404 => {
                        return Err(format!("There is no folder {} in the drive.", f.display()))
                    }
                    other => other.and_then(|r| r.json()).map_err(graph_words)?,
                };
                if i == 0 {
                    if !found.is_folder() {
                        return Err(format!(
                            "{} is a file, not a folder: watch the folder it is in.",
                            f.display()
                        ));
                    }
                    fs.folder_id = Some(found.id.clone());
                }
                if let Some(name) = found.name.clone() {
                    let parent = found.parent_reference.as_ref().and_then(|p| p.id.clone());
                    fs.folders.insert(found.id, FolderKnown { name, parent });
                }
            }
            let delta: Value = answers
                .take("delta")
                .and_then(|r| r.json())
                .map_err(graph_words)?;
            let link = delta["@odata.deltaLink"]
                .as_str()
                .ok_or("Graph gave no delta link for the drive.")?;
            fs.store(state);
            state.cursor = Some(
                graph
                    .graph()
                    .relative_of(link)
                    .unwrap_or_else(|_| link.to_string()),
            );
            Ok(())
        }))
    }

    fn settle<'a>(
        &'a self,
        graph: &'a ConnectionGraph,
        state: &'a mut State,
        items: &'a [Value],
    ) -> BoxFuture<'a, Result<(), String>> {
        Box::pin(async move {
            let mut fs = FileState::load(state);
            for item in items.iter().filter(|i| is_folder(i)) {
                fs.learn_folder(item);
            }
            // Parents not known: look each up (its path), then the folders on that path (their ids).
            let mut unknown: Vec<String> = items
                .iter()
                .filter_map(|i| i["parentReference"]["id"].as_str())
                .filter(|p| Some(*p) != fs.root_id.as_deref() && !fs.folders.contains_key(*p))
                .map(str::to_string)
                .collect();
            unknown.sort();
            unknown.dedup();
            for chunk in unknown.chunks(crate::graph::batch::MAX_ITEMS) {
                let drive = graph.graph().drive(&self.drive());
                let mut batch = Batch::new();
                for (i, id) in chunk.iter().enumerate() {
                    batch = batch.add(i.to_string(), drive.item_by_id(id));
                }
                let mut answers = graph
                    .batch(&batch)
                    .await
                    .map_err(|e| words(&e.to_error_info()))?;
                let mut paths = Vec::new();
                for (i, id) in chunk.iter().enumerate() {
                    let Ok(found) = answers
                        .take(&i.to_string())
                        .and_then(|r| r.json::<DriveItem>())
                    else {
                        continue;
                    };
                    let parent = found.parent_reference.as_ref().and_then(|p| p.id.clone());
                    if let Some(name) = found.name.clone() {
                        fs.folders.insert(id.clone(), FolderKnown { name, parent });
                    }
                    if let Some(p) = found.path() {
                        paths.push(p);
                    }
                }
                self.place_paths(graph, &mut fs, &paths).await?;
            }
            fs.store(state);
            Ok(())
        })
    }

    fn take_page(
        &self,
        a: &Automation,
        state: &mut State,
        items: Vec<Value>,
        last: bool,
        _started: i64,
    ) -> Vec<Pending> {
        let mut fs = FileState::load(state);
        for item in items {
            let Some(id) = item["id"].as_str().map(str::to_string) else {
                continue;
            };
            if is_folder(&item) {
                if item.get("deleted").is_some() {
                    // A folder deleted: the files kept under it go with it.
                    let gone: Vec<Value> = fs
                        .files_under(&id)
                        .into_iter()
                        .map(|fid| json!({"id": fid, "deleted": {"state": "deleted"}, "file": {}}))
                        .collect();
                    for g in gone {
                        pend(&mut fs, g);
                    }
                    fs.folders.remove(&id);
                } else {
                    fs.learn_folder(&item);
                }
                continue;
            }
            // The last of an id wins; an item that changes nothing is not kept waiting (a resync lists the
            // whole drive).
            if fs.pending.iter().any(|p| p["id"] == id.as_str())
                || !self.settled_quietly(&mut fs, &item)
            {
                pend(&mut fs, item);
            }
        }
        let new = if last {
            fs.round += 1;
            if state.baselined {
                self.decide(a, &mut fs)
            } else {
                fs.pending.clear();
                Vec::new()
            }
        } else {
            Vec::new()
        };
        fs.store(state);
        new
    }

    /// With `download_to`: the file created, changed or moved is downloaded first (by its id: wherever it is
    /// now), into the folder at its path under the watched folder (`DIR/Sub/a.pdf`; each name made safe), whole
    /// or not at all; the command gets its path in `PATCHBAY_LOCAL_PATH` and the item's `local_path`.
    fn prepare<'a>(
        &'a self,
        core: &'a crate::Patchbay,
        a: &'a Automation,
        item: &'a Pending,
    ) -> BoxFuture<'a, Result<Prepared, String>> {
        Box::pin(async move {
            let Some(dir) = self.download_to else {
                return Ok(Prepared::default());
            };
            let change = item.payload["item"]["change"].as_str().unwrap_or_default();
            if change == "deleted" {
                return Ok(Prepared::default());
            }
            let path = item.payload["item"]["path"].as_str().unwrap_or_default();
            let target = local_target(std::path::Path::new(dir), &self.watched(), path)
                .ok_or_else(|| format!("{path} cannot be placed under {dir}."))?;
            let graph = core.graph(&a.connection_id).await.map_err(|e| words(&e))?;
            let files = crate::files::Files::new(&graph, self.drive());
            files
                .download_by_id(
                    &item.item_id,
                    path,
                    crate::files::Sink::File(target),
                    &crate::files::NoProgress,
                )
                .await
                .map(|done| {
                    let local = done
                        .local_path
                        .map(|p| p.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    let mut payload = item.payload.clone();
                    payload["item"]["local_path"] = json!(local);
                    Prepared {
                        env: vec![("PATCHBAY_LOCAL_PATH".to_string(), local)],
                        payload: Some(payload),
                    }
                })
                .map_err(|e| words(&e))
        })
    }

    fn resync_link(&self, response: &RawResponse) -> Option<String> {
        response.header("location").map(str::to_string)
    }

    fn newest_request(&self, _now: i64) -> Request {
        let mut r = Drive::of(self.drive()).children(&self.watched(), 50);
        r.query.retain(|(k, _)| k != "$orderby");
        r.query("$orderby", "lastModifiedDateTime desc")
    }

    fn test_item(&self, a: &Automation, answer: &Value) -> Option<TestItem> {
        let item = answer["value"]
            .as_array()?
            .iter()
            .filter(|i| i.get("file").is_some())
            .find(|i| i["name"].as_str().is_some_and(|n| self.name_ok(n)))?;
        let parsed: DriveItem = serde_json::from_value(item.clone()).ok()?;
        let name = parsed.name.clone().unwrap_or_default();
        let file = FileItem {
            id: parsed.id.clone(),
            name: Some(name.clone()),
            path: Some(
                parsed
                    .path()
                    .unwrap_or_else(|| join(&self.watched().display(), &name)),
            ),
            size: parsed.size,
            modified: parsed.last_modified_date_time.clone(),
            modified_by: modified_by(item),
            web_url: parsed.web_url.clone(),
        };
        Some(TestItem {
            id: file.id.clone(),
            subject: file.path.clone(),
            payload: self.payload(a, &file, "modified"),
        })
    }

    fn nothing_to_test(&self) -> String {
        format!(
            "No file in {} matches: nothing ran.",
            self.watched().display()
        )
    }

    fn unreadable(&self) -> &'static str {
        "Patchbay could not start following the drive."
    }
}

impl FileChanged<'_> {
    /// Folders on `paths` (each `/A/B/c`: the folders `/A` and `/A/B`) learnt by path, in one `$batch`, so
    /// every folder between an item and the root is known.
    async fn place_paths(
        &self,
        graph: &ConnectionGraph,
        fs: &mut FileState,
        paths: &[String],
    ) -> Result<(), String> {
        let mut wanted: Vec<DrivePath> = Vec::new();
        for p in paths {
            let Ok(path) = DrivePath::parse(p) else {
                continue;
            };
            let mut at = path.parent();
            while !at.is_root() {
                if !wanted.contains(&at) {
                    wanted.push(at.clone());
                }
                at = at.parent();
            }
        }
        let drive = graph.graph().drive(&self.drive());
        for chunk in wanted.chunks(crate::graph::batch::MAX_ITEMS) {
            let mut batch = Batch::new();
            for (i, p) in chunk.iter().enumerate() {
                batch = batch.add(i.to_string(), drive.item(p));
            }
            let mut answers = graph
                .batch(&batch)
                .await
                .map_err(|e| words(&e.to_error_info()))?;
            for i in 0..chunk.len() {
                if let Ok(found) = answers
                    .take(&i.to_string())
                    .and_then(|r| r.json::<DriveItem>())
                {
                    if let Some(name) = found.name.clone() {
                        let parent = found.parent_reference.as_ref().and_then(|p| p.id.clone());
                        fs.folders.insert(found.id, FolderKnown { name, parent });
                    }
                }
            }
        }
        Ok(())
    }
}

fn words(info: &ErrorInfo) -> String {
    info.clone()
        .for_surface(crate::error::Surface::Cli)
        .one_line()
}

#[cfg(test)]
mod tests {
    use super::super::Action;
    use super::*;

    fn automation() -> Automation {
        Automation {
            id: "a".into(),
            name: "n".into(),
            connection_id: "c".into(),
            trigger: Trigger::FileChanged {
                folder: "/Docs".into(),
                drive: None,
                name_matches: None,
                download_to: None,
            },
            action: Action::Run {
                argv: vec!["true".into()],
            },
            paused: false,
            notify: false,
            poll_secs: 60,
            created_at: String::new(),
        }
    }

    fn source() -> FileChanged<'static> {
        FileChanged {
            folder: "/Docs",
            drive: None,
            name_matches: None,
            download_to: None,
        }
    }

    /// A drive: root `r`, `/Docs` (`d`), `/Docs/Sub` (`s`), `/Other` (`o`); baselined at 1000.
    fn state() -> State {
        let mut fs = FileState {
            mark: 1_000,
            root_id: Some("r".into()),
            folder_id: Some("d".into()),
            ..FileState::default()
        };
        for (id, name, parent) in [("d", "Docs", "r"), ("s", "Sub", "d"), ("o", "Other", "r")] {
            fs.folders.insert(
                id.into(),
                FolderKnown {
                    name: name.into(),
                    parent: Some(parent.into()),
                },
            );
        }
        let mut s = State {
            baselined: true,
            ..State::default()
        };
        fs.store(&mut s);
        s
    }

    fn file(id: &str, name: &str, parent: &str, hash: &str, created: &str) -> Value {
        json!({
            "id": id, "name": name, "size": 10,
            "parentReference": {"id": parent},
            "file": {"hashes": {"quickXorHash": hash}},
            "createdDateTime": created, "lastModifiedDateTime": created,
            "fileSystemInfo": {"lastModifiedDateTime": created},
        })
    }

    fn changes(s: &mut State, items: Vec<Value>) -> Vec<(String, String)> {
        source()
            .take_page(&automation(), s, items, true, 0)
            .into_iter()
            .map(|p| {
                (
                    p.payload["item"]["change"].as_str().unwrap().to_string(),
                    p.payload["item"]["path"]
                        .as_str()
                        .unwrap_or("?")
                        .to_string(),
                )
            })
            .collect()
    }

    const NEW: &str = "1970-01-01T00:20:00Z";
    const OLD: &str = "1970-01-01T00:00:01Z";

    #[test]
    fn every_change_kind_fires_once_and_metadata_fires_nothing() {
        let mut s = state();
        let c = |v: &[(&str, &str)]| -> Vec<(String, String)> {
            v.iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect()
        };
        // Created, in the folder and below it; outside, nothing.
        assert_eq!(
            changes(
                &mut s,
                vec![
                    file("1", "a.pdf", "d", "h1", NEW),
                    file("2", "b.txt", "s", "h2", NEW),
                    file("3", "c.txt", "o", "h3", NEW),
                ]
            ),
            c(&[("created", "/Docs/a.pdf"), ("created", "/Docs/Sub/b.txt")])
        );
        // The same again (a replay), and a touch (no content change): nothing.
        let mut touched = file("1", "a.pdf", "d", "h1", NEW);
        touched["lastModifiedDateTime"] = json!("1970-01-01T01:00:00Z");
        assert!(changes(&mut s, vec![file("2", "b.txt", "s", "h2", NEW), touched]).is_empty());
        // Content changed: modified; listed twice in the round, the last wins, once.
        assert_eq!(
            changes(
                &mut s,
                vec![
                    file("1", "a.pdf", "d", "h1x", NEW),
                    file("1", "a.pdf", "d", "h1y", NEW)
                ]
            ),
            c(&[("modified", "/Docs/a.pdf")])
        );
        // Renamed within: moved. Moved out: deleted. Moved in: created.
        assert_eq!(
            changes(&mut s, vec![file("1", "A.pdf", "s", "h1y", NEW)]),
            c(&[("moved", "/Docs/Sub/A.pdf")])
        );
        assert_eq!(
            changes(&mut s, vec![file("2", "b.txt", "o", "h2", NEW)]),
            c(&[("deleted", "/Docs/Sub/b.txt")])
        );
        assert_eq!(
            changes(&mut s, vec![file("3", "c.txt", "d", "h3", NEW)]),
            c(&[("created", "/Docs/c.txt")])
        );
        // Deleted: no name in the item, the kept one in the payload.
        assert_eq!(
            changes(
                &mut s,
                vec![
                    json!({"id": "3", "deleted": {"state": "deleted"}, "parentReference": {"id": "d"}})
                ]
            ),
            c(&[("deleted", "/Docs/c.txt")])
        );
    }

    #[test]
    fn files_there_before_the_baseline_and_folder_moves() {
        let mut s = state();
        // Never seen, created before the baseline: a content change is modified, a touch nothing.
        let mut changed = file("9", "old.txt", "d", "h9", OLD);
        changed["fileSystemInfo"]["lastModifiedDateTime"] = json!(NEW);
        assert_eq!(changes(&mut s, vec![changed]).len(), 1);
        assert!(changes(&mut s, vec![file("8", "older.txt", "d", "h8", OLD)]).is_empty());
        // A kept file under a folder that is renamed: moved; the folder moved out: deleted.
        changes(&mut s, vec![file("5", "x.txt", "s", "h5", NEW)]);
        let renamed =
            json!({"id": "s", "name": "Sub2", "folder": {}, "parentReference": {"id": "d"}});
        let got = source().take_page(&automation(), &mut s, vec![renamed], true, 0);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].payload["item"]["change"], "moved");
        assert_eq!(got[0].payload["item"]["path"], "/Docs/Sub2/x.txt");
        let out = json!({"id": "s", "name": "Sub2", "folder": {}, "parentReference": {"id": "o"}});
        let got = source().take_page(&automation(), &mut s, vec![out], true, 0);
        assert_eq!(got[0].payload["item"]["change"], "deleted");
        assert_eq!(got[0].payload["item"]["path"], "/Docs/Sub2/x.txt");
    }

    #[test]
    fn a_download_lands_under_its_folder_and_never_outside_it() {
        let dir = tempfile::tempdir().unwrap();
        let watched = DrivePath::parse("/Docs").unwrap();
        let t = local_target(dir.path(), &watched, "/Docs/Sub/a.pdf").unwrap();
        assert_eq!(t, dir.path().join("Sub").join("a.pdf"));
        assert!(dir.path().join("Sub").is_dir());
        assert!(local_target(dir.path(), &watched, "/Other/a.pdf").is_none());
        assert!(local_target(dir.path(), &watched, "/Docs/../etc/passwd").is_none());
        let odd = local_target(dir.path(), &watched, "/Docs/a\\b.pdf").unwrap();
        assert_eq!(odd.parent(), Some(dir.path()));
    }

    #[test]
    fn a_round_is_decided_at_its_delta_link_and_names_are_matched() {
        let mut s = state();
        let src = source();
        assert!(src
            .take_page(
                &automation(),
                &mut s,
                vec![file("1", "a.pdf", "d", "h1", NEW)],
                false,
                0
            )
            .is_empty());
        let got = src.take_page(
            &automation(),
            &mut s,
            vec![file("1", "a.pdf", "d", "h2", NEW)],
            true,
            0,
        );
        assert_eq!(got.len(), 1, "one delivery for two listings of one item");
        let only_pdf = FileChanged {
            name_matches: Some("*.PDF"),
            ..source()
        };
        let got = only_pdf.take_page(
            &automation(),
            &mut s,
            vec![
                file("4", "notes.txt", "d", "h4", NEW),
                file("5", "b.pdf", "d", "h5", NEW),
            ],
            true,
            0,
        );
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].payload["item"]["name"], "b.pdf");
        // The folder's own path: /Invoices does not hold /Invoices-archive.
        assert!(!DrivePath::parse("/Docs-old/a")
            .unwrap()
            .is_within(&DrivePath::parse("/Docs").unwrap()));
    }
}
