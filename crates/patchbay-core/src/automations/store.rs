//! The list of automations, `automations/automations.json` in the data folder: `{"version": 1, "automations":
//! [...]}`, written atomically (a temp file, fsync, rename) under an exclusive lock on `automations/lock`, so the
//! window, the service and the CLI can all change it. A file from a newer Patchbay is refused, not overwritten.

use super::Automation;
use crate::error::{ErrorCode, ErrorInfo};
use crate::store::write_atomic;
use serde::{Deserialize, Serialize};
use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};

const VERSION: u32 = 1;

#[derive(Debug, Default, Serialize, Deserialize)]
struct FileFormat {
    version: u32,
    automations: Vec<Automation>,
}

pub(crate) fn storage(what: &str, path: &Path, e: impl std::fmt::Display) -> ErrorInfo {
    ErrorInfo::new(
        ErrorCode::Storage,
        format!("Patchbay could not {what} its automations."),
        format!(
            "Check that {} is readable and writable by you and the disk is not full ({e}).",
            path.display()
        ),
    )
}

/// The automations of a data folder.
pub struct AutomationStore {
    dir: PathBuf,
}

impl AutomationStore {
    pub fn new(data_dir: &Path) -> Self {
        Self {
            dir: data_dir.join("automations"),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// An automation's own folder (its queue and history).
    pub fn folder_of(&self, id: &str) -> PathBuf {
        self.dir.join(id)
    }

    /// `automations.json`, the list (the runner reads it again when it changes).
    pub fn path(&self) -> PathBuf {
        self.file()
    }

    fn file(&self) -> PathBuf {
        self.dir.join("automations.json")
    }

    fn lock(&self) -> Result<File, ErrorInfo> {
        crate::store::ensure_private_dir(&self.dir)
            .map_err(|e| storage("create the folder of", &self.dir, e))?;
        let path = self.dir.join("lock");
        let file = crate::store::open_private(
            OpenOptions::new().create(true).truncate(false).write(true),
            &path,
        )
        .map_err(|e| storage("lock", &path, e))?;
        file.lock().map_err(|e| storage("lock", &path, e))?;
        Ok(file)
    }

    fn read(&self) -> Result<FileFormat, ErrorInfo> {
        let path = self.file();
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(FileFormat {
                    version: VERSION,
                    automations: Vec::new(),
                })
            }
            Err(e) => return Err(storage("read", &path, e)),
        };
        let file: FileFormat = serde_json::from_slice(&bytes).map_err(|e| {
            ErrorInfo::new(
                ErrorCode::Storage,
                "Patchbay's list of automations is damaged.",
                format!(
                    "{} could not be read ({e}). Nothing was changed; move it aside to start a new list.",
                    path.display()
                ),
            )
        })?;
        if file.version > VERSION {
            return Err(ErrorInfo::new(
                ErrorCode::Storage,
                "The automations were saved by a newer Patchbay.",
                "Use that version, or update this one; the file was left as it is.",
            ));
        }
        Ok(file)
    }

    fn write(&self, file: &FileFormat) -> Result<(), ErrorInfo> {
        let path = self.file();
        let bytes = serde_json::to_vec_pretty(file).map_err(|e| storage("write", &path, e))?;
        write_atomic(&self.dir, &path, &bytes).map_err(|e| storage("write", &path, e))
    }

    pub fn list(&self) -> Result<Vec<Automation>, ErrorInfo> {
        Ok(self.read()?.automations)
    }

    pub fn get(&self, id: &str) -> Result<Automation, ErrorInfo> {
        self.list()?
            .into_iter()
            .find(|a| a.id == id || a.name == id)
            .ok_or_else(|| {
                ErrorInfo::new(
                    ErrorCode::NotFound,
                    format!("There is no automation {id}."),
                    "Run `patchbay automations list` to see them.",
                )
            })
    }

    pub fn add(&self, automation: Automation) -> Result<(), ErrorInfo> {
        let _lock = self.lock()?;
        let mut file = self.read()?;
        file.version = VERSION;
        file.automations.push(automation);
        self.write(&file)
    }

    /// Change one automation (by id or name); the automation as changed.
    pub fn update(
        &self,
        id: &str,
        change: impl FnOnce(&mut Automation),
    ) -> Result<Automation, ErrorInfo> {
        let _lock = self.lock()?;
        let mut file = self.read()?;
        let Some(found) = file
            .automations
            .iter_mut()
            .find(|a| a.id == id || a.name == id)
        else {
            return Err(self.get(id).err().unwrap_or_else(|| {
                ErrorInfo::new(ErrorCode::NotFound, "No such automation.", "")
            }));
        };
        change(found);
        let changed = found.clone();
        self.write(&file)?;
        Ok(changed)
    }

    /// Remove an automation, its queue and its history.
    pub fn remove(&self, id: &str) -> Result<Automation, ErrorInfo> {
        let _lock = self.lock()?;
        let mut file = self.read()?;
        let Some(at) = file
            .automations
            .iter()
            .position(|a| a.id == id || a.name == id)
        else {
            drop(_lock);
            return Err(self.get(id).err().unwrap_or_else(|| {
                ErrorInfo::new(ErrorCode::NotFound, "No such automation.", "")
            }));
        };
        let removed = file.automations.remove(at);
        self.write(&file)?;
        let folder = self.folder_of(&removed.id);
        if folder.exists() {
            std::fs::remove_dir_all(&folder)
                .map_err(|e| storage("remove the queue of", &folder, e))?;
        }
        Ok(removed)
    }
}
