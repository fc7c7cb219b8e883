//! The resident service as every Patchbay process sees it. The service (`patchbay-service`) is the part that
//! runs all day: the health monitor, the tray, notifications (and next, automations). It cooperates with the
//! window, the CLI and the MCP server through the data folder like everything else:
//!
//! - `service.lock`: one service per data folder (so one per user), held for the service's life with the
//!   platform's file lock (`flock` on Linux and macOS, `LockFileEx` on Windows, through `std::fs::File::try_lock`).
//!   Any process can tell whether a service runs by whether the lock is free, which no crash can leave wrong (the
//!   kernel releases a dead process's lock).
//! - `service.json`: what the running service says of itself (pid, version, desktop or headless, whether its
//!   tray shows and why not), for `patchbay doctor`, *This computer* and the window. Never a secret.
//! - `service-start.json`: why the last attempt to start it failed, until it starts ([`start`]).
//!
//! No file here assumes the data folder exists: on a first run, the service (or the window starting it) is
//! what creates it.

pub mod start;

use crate::clock;
use crate::error::{ErrorCode, ErrorInfo};
use crate::store::{ensure_private_dir, open_private_lock, write_atomic_unsynced};
use serde::{Deserialize, Serialize};
use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::time::Duration;
use ts_rs::TS;

const LOCK_FILE: &str = "service.lock";
const STATUS_FILE: &str = "service.json";

/// How the service runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ServiceMode {
    /// On a desktop: a tray (when the desktop shows one) and notifications.
    Desktop,
    /// With no desktop (a server, a VM, a systemd user unit): checks and, next, automations; no tray.
    Headless,
}

/// Whether the service's tray icon shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum TrayState {
    /// A tray host shows it.
    Shown,
    /// It cannot show, and why (no tray host on this desktop, no session bus).
    Absent { reason: String },
    /// Headless: there is no tray to show.
    Off,
}

/// What the running service says of itself in `service.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ServiceStatus {
    pub pid: u32,
    /// Its version line (`0.1.0 (commit …)`).
    pub version: String,
    pub mode: ServiceMode,
    /// RFC 3339.
    pub started_at: String,
    pub tray: TrayState,
}

impl ServiceStatus {
    pub fn new(version: &str, mode: ServiceMode, tray: TrayState) -> Self {
        Self {
            pid: std::process::id(),
            version: version.to_string(),
            mode,
            started_at: clock::now_rfc3339(),
            tray,
        }
    }
}

/// Whether a service runs for a data folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resident {
    /// It runs, and says this of itself (`None`: it has not written its status yet).
    Running(Option<ServiceStatus>),
    NotRunning,
}

fn storage_error(what: &str, path: &Path, e: impl std::fmt::Display) -> ErrorInfo {
    ErrorInfo::new(
        ErrorCode::Storage,
        format!("Patchbay's service could not {what}."),
        format!(
            "Check that {} is writable by you and the disk is not full.",
            path.display()
        ),
    )
    .with_detail(e.to_string())
}

fn open_lock(data_dir: &Path) -> Result<File, ErrorInfo> {
    ensure_private_dir(data_dir)
        .map_err(|e| storage_error("create the data folder", data_dir, e))?;
    let path = data_dir.join(LOCK_FILE);
    open_private_lock(&path).map_err(|e| storage_error("open its lock", &path, e))
}

/// The service's hold on its data folder; released (and its status removed) when dropped.
pub struct ServiceLock {
    file: File,
    data_dir: PathBuf,
}

impl ServiceLock {
    /// Become the service for `data_dir`. `Ok(None)` when another process is it. A window probing at the same
    /// moment holds the lock for a few microseconds: that is waited out, up to half a second.
    pub fn claim(data_dir: &Path) -> Result<Option<ServiceLock>, ErrorInfo> {
        let file = open_lock(data_dir)?;
        let started = std::time::Instant::now();
        loop {
            match file.try_lock() {
                Ok(()) => {
                    // It starts: whatever stopped an earlier start is no longer true.
                    start::clear_failure(data_dir);
                    return Ok(Some(ServiceLock {
                        file,
                        data_dir: data_dir.to_path_buf(),
                    }));
                }
                Err(TryLockError::WouldBlock) if started.elapsed() < Duration::from_millis(500) => {
                    std::thread::sleep(Duration::from_millis(20));
                }
                Err(TryLockError::WouldBlock) => return Ok(None),
                Err(TryLockError::Error(e)) => {
                    return Err(storage_error(
                        "lock the data folder",
                        &data_dir.join(LOCK_FILE),
                        e,
                    ))
                }
            }
        }
    }

    /// Say what this service is (written whole, for any process to read).
    pub fn publish(&self, status: &ServiceStatus) -> Result<(), ErrorInfo> {
        let path = self.data_dir.join(STATUS_FILE);
        let bytes = serde_json::to_vec_pretty(status)
            .map_err(|e| storage_error("describe itself", &path, e))?;
        write_atomic_unsynced(&self.data_dir, &path, &bytes)
            .map_err(|e| storage_error("write its status", &path, e))
    }
}

impl Drop for ServiceLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(self.data_dir.join(STATUS_FILE));
        let _ = self.file.unlock();
    }
}

/// Whether a service runs for `data_dir`, and what it says of itself. Never blocks.
pub fn probe(data_dir: &Path) -> Resident {
    let Ok(file) = OpenOptions::new().read(true).open(data_dir.join(LOCK_FILE)) else {
        return Resident::NotRunning;
    };
    // A shared lock is had at once unless the service holds its exclusive one.
    match file.try_lock_shared() {
        Ok(()) => {
            let _ = file.unlock();
            Resident::NotRunning
        }
        Err(_) => Resident::Running(
            std::fs::read(data_dir.join(STATUS_FILE))
                .ok()
                .and_then(|b| serde_json::from_slice(&b).ok()),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_service_per_data_folder_and_everyone_can_tell() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(probe(dir.path()), Resident::NotRunning);
        let lock = ServiceLock::claim(dir.path())
            .unwrap()
            .expect("the first claims it");
        assert_eq!(probe(dir.path()), Resident::Running(None));
        let status = ServiceStatus::new("0.1.0", ServiceMode::Headless, TrayState::Off);
        lock.publish(&status).unwrap();
        assert_eq!(probe(dir.path()), Resident::Running(Some(status)));
        // A second would-be service is told no (after waiting out a probe's moment).
        assert!(ServiceLock::claim(dir.path()).unwrap().is_none());
        drop(lock);
        assert_eq!(probe(dir.path()), Resident::NotRunning);
        assert!(!dir.path().join(STATUS_FILE).exists());
        assert!(ServiceLock::claim(dir.path()).unwrap().is_some());
    }

    #[test]
    fn the_first_service_of_a_home_makes_its_data_folder_and_clears_an_earlier_failure() {
        let home = tempfile::tempdir().unwrap();
        let data = home.path().join(".local/share/patchbay");
        assert_eq!(probe(&data), Resident::NotRunning, "no folder: none runs");
        start::record_failure(&data, start::StartFailure::no_program("patchbay-service"));
        let lock = ServiceLock::claim(&data)
            .unwrap()
            .expect("the first claims it");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&data), 0o700);
            assert_eq!(mode(&data.join(LOCK_FILE)), 0o600);
        }
        assert_eq!(start::last_failure(&data), None, "it started after all");
        drop(lock);
    }
}
