//! Deciding a round: which change each file's item is (created, modified, deleted, moved, or nothing), once the
//! round reaches its deltaLink, and what its command is told.

use super::*;

impl FileChanged<'_> {
    /// Whether `item` changes nothing that could fire (kept as it is, or outside the folder, or there before
    /// the baseline and untouched in content): learnt now, and not kept waiting.
    pub(super) fn settled_quietly(&self, fs: &mut FileState, item: &Value) -> bool {
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
    pub(super) fn decide_one_quiet(&self, fs: &mut FileState, id: &str, item: &Value) -> bool {
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

    pub(super) fn drive(&self) -> DriveRef {
        DriveRef::from_option(self.drive)
    }

    pub(super) fn watched(&self) -> DrivePath {
        DrivePath::parse(self.folder).unwrap_or_else(|_| DrivePath::root())
    }

    pub(super) fn name_ok(&self, name: &str) -> bool {
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
    pub(super) fn payload(&self, a: &Automation, item: &FileItem, change: &str) -> Value {
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

    pub(super) fn pending(
        &self,
        a: &Automation,
        item: &FileItem,
        change: &str,
        key: String,
    ) -> Pending {
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
    pub(super) fn decide(&self, a: &Automation, fs: &mut FileState) -> Vec<Pending> {
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
    pub(super) fn relocated(
        &self,
        a: &Automation,
        fs: &mut FileState,
        id: &str,
    ) -> Option<Pending> {
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

    pub(super) fn decide_one(
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

pub(super) fn join(folder: &str, name: &str) -> String {
    if folder == "/" {
        format!("/{name}")
    } else {
        format!("{folder}/{name}")
    }
}

pub(super) fn modified_by(item: &Value) -> Option<String> {
    let user = &item["lastModifiedBy"]["user"];
    user["displayName"]
        .as_str()
        .or(user["email"].as_str())
        .map(str::to_string)
}

/// A file as its command is told of it.
pub(super) struct FileItem {
    pub(super) id: String,
    pub(super) name: Option<String>,
    pub(super) path: Option<String>,
    pub(super) size: Option<u64>,
    pub(super) modified: Option<String>,
    pub(super) modified_by: Option<String>,
    pub(super) web_url: Option<String>,
}

impl FileItem {
    pub(super) fn from_known(id: &str, k: &FileKnown) -> Self {
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
