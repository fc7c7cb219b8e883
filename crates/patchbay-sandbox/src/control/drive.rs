//! The files levers: put, change, touch, move and delete files in a user's OneDrive or a site's library (what
//! delta queries then report), expire a drive's delta tokens, read what was uploaded (size and SHA-256, or the
//! bytes), and make an upload session forget what it received or expire, so clients can be tested resuming.

use serde::Serialize;

use super::{ControlError, SandboxControl};
use crate::graph::drive::items::{remove, Conflict};
use crate::graph::drive::model::{Blob, Drive, Item};
use crate::graph::drive::store::{generated_body, mem_body, Files};
use crate::graph::drive::upload::place;
use crate::graph::drive::{data, delta, files, sites};
use crate::state::DemoUser;

/// What a file gets, for [`SandboxControl::put_file`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileContent {
    Text(String),
    Bytes(Vec<u8>),
    /// This many deterministic bytes, written to disk (how to make a 1 GiB file without holding it).
    Size(u64),
}

/// A file or folder as the sandbox holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileInfo {
    pub id: String,
    pub drive_id: String,
    pub name: String,
    pub folder: bool,
    pub size: u64,
    /// The content's SHA-256, lower-case hex (files only).
    pub sha256: Option<String>,
    /// The content's QuickXorHash, base64, whatever the drive reports (files only).
    pub quick_xor_hash: Option<String>,
    pub mime_type: Option<String>,
    pub etag: String,
    /// The item's path from the drive's root, `/Documents/Notes.txt`.
    pub path: String,
}

/// A lever on an upload session, for [`SandboxControl::upload_session`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadLever {
    /// Forget every byte received: the next fragment expected is byte 0 again.
    Forget,
    /// Expire it now: its URL answers 404 `itemNotFound`.
    Expire,
}

fn segments(path: &str) -> Vec<String> {
    path.split('/')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

fn info(drive: &Drive, item: &Item) -> FileInfo {
    let mut path = String::new();
    for name in drive.names_to(&item.id) {
        path.push('/');
        path.push_str(&name);
    }
    FileInfo {
        id: item.id.clone(),
        drive_id: drive.id.clone(),
        name: item.name.clone(),
        folder: item.is_folder(),
        size: drive.size_of(&item.id),
        sha256: item.file.as_ref().map(|f| f.hashes.sha256_lower.clone()),
        quick_xor_hash: item.file.as_ref().map(|f| f.hashes.quick_xor.clone()),
        mime_type: item.file.as_ref().map(|f| f.mime.clone()),
        etag: drive.etag(item),
        path: if path.is_empty() { "/".into() } else { path },
    }
}

/// The drive a lever names: the user's own (`None`), a drive ID, a site's default library by the site's name
/// ("Contoso Team"), or a library by site and name ("Contoso Team/Policies").
fn find_drive(files: &Files, user: &DemoUser, drive: Option<&str>) -> Result<String, ControlError> {
    let Some(name) = drive.map(str::trim).filter(|d| !d.is_empty()) else {
        return files
            .user_drive(&user.id)
            .map(|d| d.id.clone())
            .ok_or_else(|| ControlError::Invalid(format!("{} has no drive", user.email)));
    };
    if let Some(d) = files.drives.iter().find(|d| d.id == name) {
        return Ok(d.id.clone());
    }
    let (site_name, library) = match name.split_once('/') {
        Some((s, l)) => (s.trim(), Some(l.trim())),
        None => (name, None),
    };
    let site = files
        .sites
        .iter()
        .find(|s| {
            s.display_name.eq_ignore_ascii_case(site_name) || s.name.eq_ignore_ascii_case(site_name)
        })
        .or_else(|| sites::find(files, site_name))
        .ok_or_else(|| ControlError::Invalid(format!("there is no drive or site '{name}'")))?;
    let found = match library {
        None => site.drives.first().cloned(),
        Some(l) => site
            .drives
            .iter()
            .find(|d| {
                files
                    .drive(d)
                    .is_some_and(|d| d.name.eq_ignore_ascii_case(l))
            })
            .cloned(),
    };
    found.ok_or_else(|| ControlError::Invalid(format!("the site has no library '{name}'")))
}

impl SandboxControl {
    fn with_drive<T>(
        &self,
        email: &str,
        drive: Option<&str>,
        f: impl FnOnce(&DemoUser, &mut Drive) -> Result<T, ControlError>,
    ) -> Result<T, ControlError> {
        let mut inner = files(&self.state);
        let user = inner
            .user_by_email(email)
            .cloned()
            .ok_or_else(|| ControlError::UnknownUser(email.to_string()))?;
        let id = find_drive(&inner.files, &user, drive)?;
        let d = inner
            .files
            .drive_mut(&id)
            .ok_or_else(|| ControlError::Invalid(format!("there is no drive '{id}'")))?;
        f(&user, d)
    }

    /// The ID of a drive: `email`'s own (`drive` `None`), or a site's library ("Contoso Team",
    /// "Contoso Team/Policies"), or a drive ID.
    pub fn drive_id(&self, email: &str, drive: Option<&str>) -> Result<String, ControlError> {
        self.with_drive(email, drive, |_, d| Ok(d.id.clone()))
    }

    /// Add a file at `path` (folders made as needed), or change the one there (new content: new eTag, cTag,
    /// hashes and size), as `email` — what the next delta round reports. `Size` content is written to disk.
    pub fn put_file(
        &self,
        email: &str,
        drive: Option<&str>,
        path: &str,
        content: FileContent,
    ) -> Result<FileInfo, ControlError> {
        let segments = segments(path);
        let Some((name, folders)) = segments.split_last() else {
            return Err(ControlError::Invalid("the path names no file".into()));
        };
        let body = match content {
            FileContent::Text(t) => mem_body(name, t.into_bytes()),
            FileContent::Bytes(b) => mem_body(name, b),
            FileContent::Size(size) => {
                let personal = self.with_drive(email, drive, |_, d| Ok(d.personal()))?;
                let blob = files(&self.state)
                    .files
                    .blob_path()
                    .map_err(|e| ControlError::Invalid(format!("no temporary folder: {e}")))?;
                generated_body(name, path, size, blob, personal)
                    .map_err(|e| ControlError::Invalid(format!("could not write the file: {e}")))?
            }
        };
        self.with_drive(email, drive, |user, d| {
            let root = d.root.clone();
            let (id, _) = place(
                d,
                &root,
                folders,
                name,
                body,
                Conflict::Replace,
                &data::who(user),
                jiff::Timestamp::now(),
            )
            .map_err(|r| {
                ControlError::Invalid(
                    r.body["error"]["message"]
                        .as_str()
                        .unwrap_or("")
                        .to_string(),
                )
            })?;
            let item = d
                .get(&id)
                .ok_or_else(|| ControlError::Invalid("lost".into()))?;
            Ok(info(d, item))
        })
    }

    /// A metadata-only change ("touch"): a new lastModifiedDateTime and eTag, the same content and cTag.
    pub fn touch_file(
        &self,
        email: &str,
        drive: Option<&str>,
        path: &str,
    ) -> Result<FileInfo, ControlError> {
        self.with_drive(email, drive, |user, d| {
            let id = lookup(d, path)?;
            if let Some(item) = d.items.get_mut(&id) {
                item.etag += 1;
                item.modified =
                    jiff::Timestamp::now().max(item.modified + jiff::SignedDuration::from_secs(1));
                item.modified_by = data::who(user);
            }
            d.record(&id);
            Ok(info(
                d,
                d.get(&id)
                    .ok_or_else(|| ControlError::Invalid("lost".into()))?,
            ))
        })
    }

    /// Move and/or rename `from` to `to` (folders made as needed): delta shows it with its new parent and name.
    pub fn move_file(
        &self,
        email: &str,
        drive: Option<&str>,
        from: &str,
        to: &str,
    ) -> Result<FileInfo, ControlError> {
        self.with_drive(email, drive, |user, d| {
            let id = lookup(d, from)?;
            let target = segments(to);
            let Some((name, folders)) = target.split_last() else {
                return Err(ControlError::Invalid("'to' names no item".into()));
            };
            let who = data::who(user);
            let now = jiff::Timestamp::now();
            let root = d.root.clone();
            let refs: Vec<&str> = folders.iter().map(String::as_str).collect();
            let (parent, made) = data::folders(d, &root, &refs, &who, now);
            for m in &made {
                d.record(m);
            }
            if d.is_within(&parent, &id) {
                return Err(ControlError::Invalid(
                    "a folder cannot move into itself".into(),
                ));
            }
            if d.child_named(&parent, name)
                .is_some_and(|other| other.id != id)
            {
                return Err(ControlError::Invalid(format!("'{to}' already exists")));
            }
            let old_parent = d.get(&id).and_then(|i| i.parent.clone());
            if let Some(item) = d.items.get_mut(&id) {
                item.name = name.clone();
                item.parent = Some(parent.clone());
                item.etag += 1;
                item.modified_by = who;
            }
            if let Some(old) = old_parent.filter(|o| *o != parent) {
                d.record_parent(&old);
            }
            d.record(&id);
            Ok(info(
                d,
                d.get(&id)
                    .ok_or_else(|| ControlError::Invalid("lost".into()))?,
            ))
        })
    }

    /// Delete a file or folder (with everything in it): delta reports each as deleted.
    pub fn delete_file(
        &self,
        email: &str,
        drive: Option<&str>,
        path: &str,
    ) -> Result<(), ControlError> {
        self.with_drive(email, drive, |_, d| {
            let id = lookup(d, path)?;
            if id == d.root {
                return Err(ControlError::Invalid("the root cannot be deleted".into()));
            }
            remove(d, &id);
            Ok(())
        })
    }

    /// Every delta token of the drive issued so far is answered 410 Gone (`resyncRequired`, with a `Location`
    /// to start again) from now on.
    pub fn expire_drive_delta(&self, email: &str, drive: Option<&str>) -> Result<(), ControlError> {
        self.with_drive(email, drive, |_, d| {
            delta::expire(d);
            Ok(())
        })
    }

    /// A file or folder as the sandbox holds it (size and SHA-256: what an upload left, byte for byte).
    pub fn file_info(
        &self,
        email: &str,
        drive: Option<&str>,
        path: &str,
    ) -> Result<FileInfo, ControlError> {
        self.with_drive(email, drive, |_, d| {
            let id = lookup(d, path)?;
            Ok(info(
                d,
                d.get(&id)
                    .ok_or_else(|| ControlError::Invalid("lost".into()))?,
            ))
        })
    }

    /// A file's bytes (read whole: meant for small files).
    pub fn file_bytes(
        &self,
        email: &str,
        drive: Option<&str>,
        path: &str,
    ) -> Result<Vec<u8>, ControlError> {
        let blob = self.with_drive(email, drive, |_, d| {
            let id = lookup(d, path)?;
            d.get(&id)
                .and_then(|i| i.file.as_ref())
                .map(|f| f.blob.clone())
                .ok_or_else(|| ControlError::Invalid(format!("'{path}' is a folder")))
        })?;
        match blob {
            Blob::Mem(b) => Ok(b.to_vec()),
            Blob::Disk(p) => std::fs::read(p).map_err(|e| ControlError::Invalid(e.to_string())),
        }
    }

    /// Make the upload session at `upload_url` (its URL or the token at its end) forget what it received, or
    /// expire.
    pub fn upload_session(&self, upload_url: &str, lever: UploadLever) -> Result<(), ControlError> {
        let token = crate::graph::drive::upload::token_of(upload_url).to_string();
        let mut inner = self.state.lock();
        let session = inner
            .files
            .sessions
            .get_mut(&token)
            .ok_or_else(|| ControlError::Invalid("there is no such upload session".into()))?;
        match lever {
            UploadLever::Forget => {
                session.next = 0;
                if let Ok(f) = std::fs::OpenOptions::new().write(true).open(&session.path) {
                    let _ = f.set_len(0);
                }
            }
            UploadLever::Expire => {
                session.expires = jiff::Timestamp::now() - jiff::SignedDuration::from_secs(1);
            }
        }
        Ok(())
    }
}

fn lookup(d: &Drive, path: &str) -> Result<String, ControlError> {
    d.walk(&d.root, &segments(path))
        .map(|i| i.id.clone())
        .ok_or_else(|| ControlError::Invalid(format!("there is no '{path}' in the drive")))
}
