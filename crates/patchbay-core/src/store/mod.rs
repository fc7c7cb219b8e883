//! Connection metadata (never a secret) in `connections.json`: versioned, written atomically (temp file + fsync +
//! rename), mode 0600, and changed only under a cross-process lock so the app and the CLI can run at once
//! without losing each other's updates. A file Patchbay cannot read is left untouched and reported.

use crate::error::{ErrorCode, ErrorInfo};
use crate::model::ConnectionInfo;
use serde::{Deserialize, Serialize};
mod files;
pub mod journal;

pub use files::{
    ensure_private_dir, open_private, write_atomic, write_atomic_unsynced, write_private,
};
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// 2: statuses moved out to `status/<id>.json`. Version 1 files are read as they are (their status is ignored,
/// the next check finds it again); a file written by a newer Patchbay is left alone.
pub const STORE_VERSION: u32 = 2;
pub(crate) const FILE_NAME: &str = "connections.json";
const LOCK_NAME: &str = ".lock";

/// What is kept about a connection in `connections.json`: what the UI sees of it, and how it signs in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectionRecord {
    #[serde(flatten)]
    pub info: ConnectionInfo,
    /// The redirect URI used at sign-in (a fix signs in the same way).
    pub redirect_uri: String,
    /// Its endpoints are the in-process sandbox's, resolved at each use (the port changes from run to run).
    /// Read it through [`ConnectionRecord::uses_hosted_sandbox`]: only a Sandbox connection may.
    #[serde(default)]
    pub hosted_sandbox: bool,
}

impl ConnectionRecord {
    /// Whether its endpoints are the sandbox Patchbay runs. Only a connection of the Sandbox environment: the
    /// list is a plain file, and the flag set on a connection to one of Microsoft's clouds (or a custom one)
    /// would send its real refresh token to whatever `sandbox.json` names. Such a flag is ignored.
    pub fn uses_hosted_sandbox(&self) -> bool {
        let sandbox = self.info.environment == crate::environment::EnvironmentId::Sandbox;
        if self.hosted_sandbox && !sandbox {
            tracing::warn!(
                connection = %self.info.id,
                "connections.json marks a connection that is not of the Sandbox environment as the sandbox's; ignored"
            );
        }
        self.hosted_sandbox && sandbox
    }
}

#[derive(Serialize, Deserialize)]
struct StoreFile {
    version: u32,
    connections: Vec<ConnectionRecord>,
}

pub struct Store {
    dir: PathBuf,
    /// The last parse of `connections.json`, with the version of the file it came from: a health sweep asks for
    /// records hundreds of times a second, and a file that did not change is not parsed again.
    cache: Mutex<Option<Cached>>,
}

/// A parse of `connections.json`: the file's stamp and a digest of its bytes when it was read.
struct Cached {
    stamp: FileStamp,
    digest: u64,
    records: Arc<Vec<ConnectionRecord>>,
}

fn digest(bytes: &[u8]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    bytes.hash(&mut h);
    h.finish()
}

/// One version of a file (or folder): a rename gives a new inode, a write a new mtime or length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileStamp {
    #[cfg(unix)]
    inode: u64,
    modified: Option<std::time::SystemTime>,
    len: u64,
}

impl FileStamp {
    /// Whether this version is old enough that a later change would show in the stamp: file systems keep
    /// coarse modification times (a few ms on ext4, 1 s on some), so two writes within one tick, with an inode
    /// number reused in between, could share a stamp. A stamp this recent is not trusted.
    pub fn is_settled(&self) -> bool {
        self.modified
            .and_then(|m| m.elapsed().ok())
            .is_some_and(|age| age >= std::time::Duration::from_secs(2))
    }

    /// The stamp of `path`, `None` when it does not exist.
    pub fn of(path: &Path) -> Option<FileStamp> {
        let meta = std::fs::metadata(path).ok()?;
        Some(FileStamp {
            #[cfg(unix)]
            inode: std::os::unix::fs::MetadataExt::ino(&meta),
            modified: meta.modified().ok(),
            len: meta.len(),
        })
    }
}

/// How long [`Store::lock`] waits for another holder before saying who it is.
pub const LOCK_WAIT: Duration = Duration::from_secs(10);

/// Held while a process changes the store; released on drop.
pub struct StoreLock {
    file: File,
}

impl Drop for StoreLock {
    fn drop(&mut self) {
        // The holder's name is there only while it holds the lock: an idle lock file is empty.
        let _ = self.file.set_len(0);
        let _ = self.file.unlock();
    }
}

fn storage_error(what: &str, path: &Path, e: impl std::fmt::Display) -> ErrorInfo {
    ErrorInfo::new(
        ErrorCode::Storage,
        format!("Patchbay could not {what}."),
        format!(
            "Check that {} is readable and writable by you and the disk is not full.",
            path.display()
        ),
    )
    .with_detail(e.to_string())
}

impl Store {
    pub fn new(dir: PathBuf) -> Self {
        Self {
            dir,
            cache: Mutex::new(None),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn file_path(&self) -> PathBuf {
        self.dir.join(FILE_NAME)
    }

    /// Take the cross-process lock. Holders keep it for milliseconds; a wait longer than [`LOCK_WAIT`] means a
    /// process is stuck holding it (say, behind a keychain prompt), and becomes an error naming that process
    /// rather than a frozen caller.
    pub fn lock(&self) -> Result<StoreLock, ErrorInfo> {
        self.lock_within(LOCK_WAIT)
    }

    pub(crate) fn lock_within(&self, wait: Duration) -> Result<StoreLock, ErrorInfo> {
        ensure_private_dir(&self.dir)
            .map_err(|e| storage_error("create its data folder", &self.dir, e))?;
        let path = self.dir.join(LOCK_NAME);
        let mut file = open_private(
            OpenOptions::new()
                .create(true)
                .truncate(false)
                .read(true)
                .write(true),
            &path,
        )
        .map_err(|e| storage_error("open its lock file", &path, e))?;
        let started = std::time::Instant::now();
        loop {
            match file.try_lock() {
                Ok(()) => break,
                Err(std::fs::TryLockError::WouldBlock) if started.elapsed() < wait => {
                    std::thread::sleep(Duration::from_millis(10));
                }
                Err(std::fs::TryLockError::WouldBlock) => {
                    let holder = std::fs::read_to_string(&path).unwrap_or_default();
                    let holder = holder.trim();
                    return Err(ErrorInfo::new(
                        ErrorCode::Storage,
                        "Patchbay's list of connections is busy.",
                        format!(
                            "{} has held it for over {} s; nothing was changed. If it is waiting for you (a \
                             keychain prompt), answer it; otherwise close it and try again.",
                            if holder.is_empty() { "Another Patchbay process" } else { holder },
                            wait.as_secs()
                        ),
                    ));
                }
                Err(std::fs::TryLockError::Error(e)) => {
                    return Err(storage_error("lock its data folder", &path, e))
                }
            }
        }
        // Who holds it, for a process that has to wait (never a secret: a program name and a pid).
        let me = format!(
            "{} (pid {})",
            std::env::current_exe()
                .ok()
                .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
                .unwrap_or_else(|| "Patchbay".into()),
            std::process::id()
        );
        let _ = file
            .set_len(0)
            .and_then(|()| std::io::Seek::rewind(&mut file))
            .and_then(|()| file.write_all(me.as_bytes()));
        Ok(StoreLock { file })
    }

    /// Read every record (no lock needed: writes are atomic renames).
    pub fn read(&self) -> Result<Vec<ConnectionRecord>, ErrorInfo> {
        Ok((*self.read_shared()?).clone())
    }

    /// Every record, shared: parsed again only when the file changed since the last read. A settled stamp is
    /// trusted as it is; a recent one (see [`FileStamp::is_settled`]) is confirmed by the bytes' digest, which is
    /// far cheaper than parsing them again.
    pub fn read_shared(&self) -> Result<Arc<Vec<ConnectionRecord>>, ErrorInfo> {
        let path = self.file_path();
        let Some(stamp) = FileStamp::of(&path) else {
            return Ok(Arc::new(Vec::new()));
        };
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(c) = cache.as_ref() {
            if c.stamp == stamp && stamp.is_settled() {
                return Ok(c.records.clone());
            }
        }
        // Stamped before reading: a file replaced in between is read again next time, never missed.
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Arc::new(Vec::new())),
            Err(e) => return Err(storage_error("read its connections", &path, e)),
        };
        let digest = digest(&bytes);
        if let Some(c) = cache.as_mut() {
            if c.digest == digest {
                c.stamp = stamp;
                return Ok(c.records.clone());
            }
        }
        let records = Arc::new(self.parse(&path, &bytes)?);
        *cache = Some(Cached {
            stamp,
            digest,
            records: records.clone(),
        });
        Ok(records)
    }

    pub fn parse(&self, path: &Path, bytes: &[u8]) -> Result<Vec<ConnectionRecord>, ErrorInfo> {
        let text = std::str::from_utf8(bytes).map_err(|e| {
            ErrorInfo::new(
                ErrorCode::Storage,
                "Patchbay's list of connections is damaged.",
                format!(
                    "Patchbay left {} untouched. Restore it from a backup, or move it away to start with an empty list.",
                    path.display()
                ),
            )
            .with_detail(e.to_string())
        })?;
        #[derive(Deserialize)]
        struct Version {
            version: u32,
        }
        let damaged = |e: serde_json::Error| {
            ErrorInfo::new(
                ErrorCode::Storage,
                "Patchbay's list of connections is damaged.",
                format!(
                    "Patchbay left {} untouched. Restore it from a backup, or move it away to start with an empty list.",
                    path.display()
                ),
            )
            .with_detail(e.to_string())
        };
        let version: Version = serde_json::from_str(text).map_err(damaged)?;
        if version.version > STORE_VERSION {
            return Err(ErrorInfo::new(
                ErrorCode::Storage,
                "Your connections were saved by a newer Patchbay.",
                "Update Patchbay to use them. This version left them untouched.",
            ));
        }
        let file: StoreFile = serde_json::from_str(text).map_err(damaged)?;
        Ok(file.connections)
    }

    /// Read, change and write the records under the lock. `f`'s error leaves the file as it was.
    pub fn update<T>(
        &self,
        f: impl FnOnce(&mut Vec<ConnectionRecord>) -> Result<T, ErrorInfo>,
    ) -> Result<T, ErrorInfo> {
        let _lock = self.lock()?;
        let mut records = self.read()?;
        let out = f(&mut records)?;
        let text = serde_json::to_vec_pretty(&StoreFile {
            version: STORE_VERSION,
            connections: records,
        })
        .map_err(|e| storage_error("encode its connections", &self.dir, e))?;
        write_atomic(&self.dir, &self.file_path(), &text)
            .map_err(|e| storage_error("save its connections", &self.dir, e))?;
        Ok(out)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::model::ConnectionSummary;

    pub fn record(id: &str) -> ConnectionRecord {
        ConnectionRecord {
            info: ConnectionSummary::example(id).info,
            redirect_uri: "http://localhost".into(),
            hosted_sandbox: false,
        }
    }

    fn add(records: &mut Vec<ConnectionRecord>, r: ConnectionRecord) -> Result<(), ErrorInfo> {
        records.push(r);
        Ok(())
    }

    #[test]
    fn records_round_trip_with_private_permissions() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path().join("data"));
        assert!(store.read().unwrap().is_empty());
        store.update(|r| add(r, record("a"))).unwrap();
        assert_eq!(store.read().unwrap(), vec![record("a")]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(store.file_path())
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
            let dir_mode = std::fs::metadata(store.dir()).unwrap().permissions().mode();
            assert_eq!(dir_mode & 0o777, 0o700);
            // A folder left open to others (made by hand) is tightened on the next write.
            std::fs::set_permissions(store.dir(), std::fs::Permissions::from_mode(0o755)).unwrap();
            store.update(|r| add(r, record("b"))).unwrap();
            let dir_mode = std::fs::metadata(store.dir()).unwrap().permissions().mode();
            assert_eq!(dir_mode & 0o777, 0o700);
        }
        let text = std::fs::read_to_string(store.file_path()).unwrap();
        assert!(text.contains("\"version\": 2"));
        assert!(
            !text.contains("status"),
            "statuses live in status/, not here: {text}"
        );
    }

    #[test]
    fn a_version_1_file_is_read_and_its_old_status_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path().to_path_buf());
        let mut v1 = serde_json::to_value(record("a")).unwrap();
        v1["status"] = "needs_repair".into();
        v1["status_reason"] = "Revoked.".into();
        v1["last_refreshed_at"] = "2026-11-26T00:00:00Z".into();
        v1["has_client_secret"] = true.into();
        v1.as_object_mut().unwrap().remove("hosted_sandbox");
        let file = serde_json::json!({"version": 1, "connections": [v1]});
        std::fs::write(store.file_path(), file.to_string()).unwrap();
        let records = store.read().unwrap();
        assert_eq!(records.len(), 1);
        assert!(records[0].info.has_client_secret);
        assert!(!records[0].hosted_sandbox);
    }

    #[test]
    fn a_failed_update_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path().to_path_buf());
        store.update(|r| add(r, record("a"))).unwrap();
        let err = store
            .update(|r| {
                r.clear();
                Err::<(), _>(ErrorInfo::new(ErrorCode::Internal, "no", "no"))
            })
            .unwrap_err();
        assert_eq!(err.code, ErrorCode::Internal);
        assert_eq!(store.read().unwrap().len(), 1);
    }

    #[test]
    fn damaged_and_newer_files_are_reported_and_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path().to_path_buf());
        std::fs::write(store.file_path(), "{ not json").unwrap();
        let err = store.update(|r| add(r, record("a"))).unwrap_err();
        assert!(err.title.contains("damaged"), "{err:?}");
        assert_eq!(
            std::fs::read_to_string(store.file_path()).unwrap(),
            "{ not json"
        );
        std::fs::write(store.file_path(), r#"{"version": 9, "connections": []}"#).unwrap();
        assert!(store.read().unwrap_err().title.contains("newer Patchbay"));
    }

    #[test]
    fn concurrent_writers_in_many_threads_lose_no_update() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().to_path_buf();
        let threads: Vec<_> = (0..8)
            .map(|i| {
                let path = path.clone();
                std::thread::spawn(move || {
                    // A Store per thread: each opens its own lock file handle, as separate processes do.
                    let store = Store::new(path);
                    for j in 0..10 {
                        store
                            .update(|r| add(r, record(&format!("t{i}-{j}"))))
                            .unwrap();
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(Store::new(path).read().unwrap().len(), 80);
    }

    #[test]
    fn a_lock_held_too_long_is_an_error_naming_its_holder() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path().join("data"));
        let held = store.lock().unwrap();
        let e = store
            .lock_within(Duration::from_millis(100))
            .err()
            .expect("busy");
        assert_eq!(e.code, ErrorCode::Storage);
        assert!(e.title.contains("busy"), "{}", e.title);
        assert!(
            e.message.contains(&format!("(pid {})", std::process::id())),
            "{}",
            e.message
        );
        drop(held);
        assert!(store.lock_within(Duration::from_millis(100)).is_ok());
    }
}
