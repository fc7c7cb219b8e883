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

//!
//! The parts: [`state`] (what is kept between rounds: folders, files, fingerprints), [`decide`] (which change an
//! item is, and what its command is told), and here the trigger itself (its check, baseline, pages, settling
//! and preparing a download).

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

mod decide;
mod state;

pub(crate) use decide::local_target;
use decide::*;
use state::*;
pub use state::{FileKnown, FileState, FolderKnown};

fn invalid(message: impl Into<String>, hint: impl Into<String>) -> ErrorInfo {
    ErrorInfo::new(ErrorCode::InvalidInput, message, hint)
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
mod tests;
