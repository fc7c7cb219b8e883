//! Resumable uploads across processes: when an upload session is made, a small record of it is written
//! (atomically, mode 0600, in `DATA/files/uploads/<key>.json`): which connection, drive, remote path and
//! conflict behaviour, which local file (its size, modification time and a hash of its first and last MiB),
//! and the session's `uploadUrl`. The same upload started again (after a kill, a crash, a lost network) finds
//! the record, checks the file is the same, and asks the session where it stands instead of starting over.
//! A record goes when the upload completes, fails for good, or no longer matches the file or a live session.
//!
//! The `uploadUrl` is a bearer credential for that one upload: it is kept nowhere else, never logged, and not
//! shown by `Debug`.

use crate::graph::drive::Conflict;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// Bytes hashed at each end of the file.
const EDGE: u64 = 1 << 20;
/// A record untouched this long is of a session long expired (Graph's last days, not weeks): swept.
const STALE: Duration = Duration::from_secs(14 * 24 * 3600);
const VERSION: u32 = 1;

/// What a local file is, as far as resuming cares: the same size, modification time and edges.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalFile {
    /// Absolute (symbolic links resolved).
    pub path: PathBuf,
    pub size: u64,
    /// Nanoseconds since the Unix epoch (0 when the system does not say).
    pub modified_ns: u128,
    /// SHA-256 of its first and last MiB, hex.
    pub edges: String,
}

impl LocalFile {
    /// Look at the file at `path` (reads at most 2 MiB of it).
    pub fn inspect(path: &Path) -> std::io::Result<Self> {
        let path = std::fs::canonicalize(path)?;
        let mut file = std::fs::File::open(&path)?;
        let meta = file.metadata()?;
        let size = meta.len();
        let modified_ns = meta
            .modified()
            .ok()
            .and_then(|m| m.duration_since(SystemTime::UNIX_EPOCH).ok())
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; EDGE.min(size) as usize];
        file.read_exact(&mut buf)?;
        hasher.update(&buf);
        if size > EDGE {
            let start = size.saturating_sub(EDGE).max(EDGE);
            file.seek(SeekFrom::Start(start))?;
            let mut tail = vec![0u8; (size - start) as usize];
            file.read_exact(&mut tail)?;
            hasher.update(&tail);
        }
        Ok(Self {
            path,
            size,
            modified_ns,
            edges: hex(&hasher.finalize()),
        })
    }

    /// Whether the file is still as it was (size and modification time; cheap, no reading).
    pub fn unchanged(&self) -> bool {
        std::fs::metadata(&self.path).is_ok_and(|m| {
            m.len() == self.size
                && m.modified()
                    .ok()
                    .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
                    .map(|d| d.as_nanos())
                    .unwrap_or(0)
                    == self.modified_ns
        })
    }
}

/// Which upload a record is of: the same connection, drive, remote path, conflict behaviour and local file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadKey {
    pub connection_id: String,
    /// `me` or the drive's id.
    pub drive: String,
    /// `/Documents/a.pdf`.
    pub remote: String,
    pub conflict: String,
    pub local_path: PathBuf,
}

impl UploadKey {
    pub fn new(
        connection_id: &str,
        drive: &str,
        remote: &str,
        conflict: Conflict,
        local: &Path,
    ) -> Self {
        Self {
            connection_id: connection_id.to_string(),
            drive: drive.to_string(),
            remote: remote.to_string(),
            conflict: conflict.as_str().to_string(),
            local_path: local.to_path_buf(),
        }
    }

    /// The record's file name: a hash of the key (so no name or path shows in the folder).
    fn file_name(&self) -> String {
        let mut h = Sha256::new();
        for part in [
            self.connection_id.as_str(),
            self.drive.as_str(),
            self.remote.as_str(),
            self.conflict.as_str(),
            &self.local_path.to_string_lossy(),
        ] {
            h.update(part.as_bytes());
            h.update([0]);
        }
        format!("{}.json", &hex(&h.finalize())[..32])
    }
}

/// A session under way.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadRecord {
    pub version: u32,
    pub key: UploadKey,
    pub local: LocalFile,
    /// The session's address: a credential for this upload.
    pub upload_url: String,
    /// As Graph said when the session was made (it moves later with each chunk).
    pub expires: Option<String>,
    pub created_at: String,
}

impl std::fmt::Debug for UploadRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UploadRecord")
            .field("key", &self.key)
            .field("local", &self.local)
            .field("upload_url", &"(secret)")
            .field("expires", &self.expires)
            .finish()
    }
}

impl UploadRecord {
    pub fn new(
        key: UploadKey,
        local: LocalFile,
        upload_url: String,
        expires: Option<String>,
    ) -> Self {
        Self {
            version: VERSION,
            key,
            local,
            upload_url,
            expires,
            created_at: crate::clock::now_rfc3339(),
        }
    }

    /// Whether it is of this upload of this very file.
    pub fn matches(&self, key: &UploadKey, local: &LocalFile) -> bool {
        self.version == VERSION && &self.key == key && &self.local == local
    }
}

/// The records, in `DATA/files/uploads`.
#[derive(Debug, Clone)]
pub struct Records {
    dir: PathBuf,
}

impl Records {
    pub fn new(data_dir: &Path) -> Self {
        Self {
            dir: data_dir.join("files").join("uploads"),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path_of(&self, key: &UploadKey) -> PathBuf {
        self.dir.join(key.file_name())
    }

    /// The record of `key`, if there is a readable one (an unreadable one is removed: it cannot be resumed).
    pub fn load(&self, key: &UploadKey) -> Option<UploadRecord> {
        let path = self.path_of(key);
        let bytes = std::fs::read(&path).ok()?;
        match serde_json::from_slice::<UploadRecord>(&bytes) {
            Ok(r) => Some(r),
            Err(_) => {
                let _ = std::fs::remove_file(&path);
                None
            }
        }
    }

    /// Write `record` (atomically, 0600, the folder 0700).
    pub fn save(&self, record: &UploadRecord) -> std::io::Result<()> {
        if let Some(parent) = self.dir.parent() {
            crate::store::ensure_private_dir(parent)?;
        }
        let bytes = serde_json::to_vec_pretty(record).map_err(std::io::Error::other)?;
        crate::store::write_atomic(&self.dir, &self.path_of(&record.key), &bytes)
    }

    pub fn remove(&self, key: &UploadKey) {
        let _ = std::fs::remove_file(self.path_of(key));
    }

    /// Remove records nobody came back to for [`STALE`]: their sessions are long gone.
    pub fn sweep(&self) {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return;
        };
        for entry in entries.flatten() {
            let old = entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age > STALE);
            if old && entry.path().extension().is_some_and(|e| e == "json") {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_is_private_matches_only_the_same_file_and_hides_its_url() {
        let data = tempfile::tempdir().unwrap();
        let file = data.path().join("big.bin");
        std::fs::write(&file, vec![7u8; 3 << 20]).unwrap();
        let local = LocalFile::inspect(&file).unwrap();
        assert!(local.unchanged());
        let key = UploadKey::new(
            "c1",
            "me",
            "/Documents/big.bin",
            Conflict::Fail,
            &local.path,
        );
        let records = Records::new(data.path());
        assert!(records.load(&key).is_none());
        let record = UploadRecord::new(
            key.clone(),
            local.clone(),
            "https://up.example/s?t=k3yXyZ".into(),
            None,
        );
        records.save(&record).unwrap();
        assert!(!format!("{record:?}").contains("k3yXyZ"));
        let loaded = records.load(&key).unwrap();
        assert!(loaded.matches(&key, &local));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let name = key.file_name();
            let mode = std::fs::metadata(records.dir().join(&name))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
            let dir_mode = std::fs::metadata(records.dir())
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(dir_mode & 0o777, 0o700);
            assert!(!name.contains("big"), "no name shows in the folder");
        }
        // Another conflict behaviour is another upload; a changed file no longer matches.
        let other = UploadKey::new(
            "c1",
            "me",
            "/Documents/big.bin",
            Conflict::Replace,
            &local.path,
        );
        assert!(records.load(&other).is_none());
        let mut bytes = std::fs::read(&file).unwrap();
        bytes[(3 << 20) - 1] = 8;
        std::fs::write(&file, bytes).unwrap();
        let changed = LocalFile::inspect(&file).unwrap();
        assert_ne!(changed.edges, local.edges);
        assert!(!loaded.matches(&key, &changed));
        records.remove(&key);
        assert!(records.load(&key).is_none());
    }
}
