//! The files world as the sandbox keeps it: every drive and site, the upload sessions under way, and the
//! temporary folder that holds uploaded and large files (made on first need, deleted with the sandbox). The
//! demo content is laid out on the first request that touches files, so a sandbox that never serves a drive
//! never builds one.

use std::collections::HashMap;
use std::io::Write as _;
use std::path::PathBuf;

use axum::body::Bytes;
use jiff::Timestamp;

use super::hash::Hasher;
use super::model::{Blob, Drive, FileBody, Item, Who};
use super::upload::Session;
use crate::state::DemoUser;

/// A SharePoint site.
#[derive(Debug, Clone)]
pub struct Site {
    /// `hostname,site-collection-id,web-id`.
    pub id: String,
    /// The last segment of its address (`ContosoTeam`).
    pub name: String,
    pub display_name: String,
    pub description: String,
    pub web_url: String,
    pub created: Timestamp,
    /// Its libraries' drive IDs, the default ("Documents") first.
    pub drives: Vec<String>,
    /// Users (by ID) who follow it.
    pub followers: Vec<String>,
}

#[derive(Default)]
pub struct Files {
    dir: Option<tempfile::TempDir>,
    blobs: u64,
    /// Signs download URLs (random per run).
    pub key: String,
    built: bool,
    pub drives: Vec<Drive>,
    pub sites: Vec<Site>,
    pub sessions: HashMap<String, Session>,
}

impl Files {
    /// Lay out the demo drives and sites, once.
    pub fn ensure(&mut self, users: &[DemoUser], anchor: Timestamp) {
        if self.built {
            return;
        }
        self.built = true;
        self.key = crate::util::random_b64(2);
        super::data::build(self, users, anchor);
    }

    /// A new file name in the sandbox's own temporary folder (made on first use).
    pub fn blob_path(&mut self) -> std::io::Result<PathBuf> {
        if self.dir.is_none() {
            self.dir = Some(
                tempfile::Builder::new()
                    .prefix("patchbay-sandbox-files-")
                    .tempdir()?,
            );
        }
        self.blobs += 1;
        let dir = self.dir.as_ref().map(|d| d.path().to_path_buf());
        Ok(dir.unwrap_or_default().join(format!("blob-{}", self.blobs)))
    }

    pub fn drive(&self, id: &str) -> Option<&Drive> {
        self.drives.iter().find(|d| d.id == id)
    }

    pub fn drive_mut(&mut self, id: &str) -> Option<&mut Drive> {
        self.drives.iter_mut().find(|d| d.id == id)
    }

    /// A user's own OneDrive.
    pub fn user_drive(&self, user_id: &str) -> Option<&Drive> {
        self.drives
            .iter()
            .find(|d| d.user_id.as_deref() == Some(user_id))
    }

    pub fn site(&self, id: &str) -> Option<&Site> {
        self.sites.iter().find(|s| s.id.eq_ignore_ascii_case(id))
    }
}

/// Bytes in memory, hashed.
pub fn mem_body(name: &str, bytes: Vec<u8>) -> FileBody {
    let hashes = super::hash::hashes(&bytes);
    FileBody {
        size: bytes.len() as u64,
        blob: Blob::Mem(Bytes::from(bytes)),
        hashes,
        mime: super::formats::mime_type(name).to_string(),
    }
}

/// A file already on disk (an upload), hashed by reading it through once (what a personal or business drive
/// shows).
pub async fn disk_body(name: &str, path: PathBuf, personal: bool) -> std::io::Result<FileBody> {
    use tokio::io::AsyncReadExt as _;
    let mut file = tokio::fs::File::open(&path).await?;
    let mut hasher = Hasher::for_drive(personal);
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    let size = hasher.len;
    Ok(FileBody {
        blob: Blob::Disk(path),
        size,
        hashes: hasher.finish(),
        mime: super::formats::mime_type(name).to_string(),
    })
}

/// `size` deterministic bytes (seeded by `seed`) written to `path` and hashed on the way: how a 1 GiB file is
/// made without ever being held. A 1 MiB pseudo-random block, each MiB stamped with its index.
pub fn generated_body(
    name: &str,
    seed: &str,
    size: u64,
    path: PathBuf,
    personal: bool,
) -> std::io::Result<FileBody> {
    const BLOCK: usize = 1 << 20;
    let mut rng = crate::graph::ids::Rng::new(&["drive-bytes", seed]);
    let mut block = vec![0u8; BLOCK];
    for chunk in block.chunks_mut(8) {
        let v = rng.next_u64().to_le_bytes();
        chunk.copy_from_slice(&v[..chunk.len()]);
    }
    let file = std::fs::File::create(&path)?;
    let mut out = std::io::BufWriter::with_capacity(BLOCK, file);
    let mut hasher = Hasher::for_drive(personal);
    let mut written = 0u64;
    let mut index = 0u64;
    while written < size {
        block[..8].copy_from_slice(&index.to_le_bytes());
        let n = (size - written).min(BLOCK as u64) as usize;
        out.write_all(&block[..n])?;
        hasher.update(&block[..n]);
        written += n as u64;
        index += 1;
    }
    out.flush()?;
    Ok(FileBody {
        blob: Blob::Disk(path),
        size,
        hashes: hasher.finish(),
        mime: super::formats::mime_type(name).to_string(),
    })
}

/// Drop a replaced file's bytes from disk.
pub fn discard(body: &FileBody) {
    if let Blob::Disk(path) = &body.blob {
        let _ = std::fs::remove_file(path);
    }
}

/// A new item in `drive` (not yet inserted).
pub fn new_item(
    drive: &mut Drive,
    parent: &str,
    name: &str,
    file: Option<FileBody>,
    who: &Who,
    when: Timestamp,
) -> Item {
    let id = drive.new_item_id();
    Item {
        order: drive.seq,
        id,
        parent: Some(parent.to_string()),
        name: name.to_string(),
        file,
        created: when,
        modified: when,
        content_modified: when,
        created_by: who.clone(),
        modified_by: who.clone(),
        etag: 1,
        ctag: 1,
        links: Vec::new(),
        shared_with: Vec::new(),
    }
}
