//! What a file automation keeps between rounds: the folders and files as last seen, where each is, and a
//! file's content fingerprint (its hashes and size).

use super::*;

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

pub(super) fn seconds(v: &Value) -> Option<i64> {
    v.as_str()
        .and_then(|t| t.parse::<Timestamp>().ok())
        .map(|t| t.as_second())
}

pub(super) fn is_folder(item: &Value) -> bool {
    item.get("folder").is_some() || item.get("root").is_some()
}

pub(super) fn fingerprint(item: &Value) -> Option<String> {
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

pub(super) fn old_in(facet: &Value, key: &str, since: i64) -> bool {
    seconds(&facet[key]).is_none_or(|t| t < since)
}

impl FileState {
    /// The kept files under folder `id`, at any depth.
    pub(super) fn files_under(&self, id: &str) -> Vec<String> {
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
    pub(super) fn folder_path(&self, id: &str) -> Option<String> {
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
    pub(super) fn folder_inside(&self, id: &str) -> Option<bool> {
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

    pub(super) fn learn_folder(&mut self, item: &Value) {
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

    pub(super) fn keep(&mut self, id: &str, file: FileKnown) {
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
pub(super) fn pend(fs: &mut FileState, item: Value) {
    match fs.pending.iter_mut().find(|p| p["id"] == item["id"]) {
        Some(slot) => *slot = item,
        None => fs.pending.push(item),
    }
}
