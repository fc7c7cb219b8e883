//! Starting one of Patchbay's programs, and what stopped it. The window starts the resident service when none
//! runs (and the service starts the window); each step that can fail — the data folder, the log file in it, the
//! program itself — is its own [`StartFailure`], said in words that name the folder, file or program and what to
//! do about it.
//!
//! A failure to start the *service* is kept, so that it is said where a person looks and not only in a log line:
//! in `service-start.json` in the data folder (for `patchbay doctor` and every window), and in the process that
//! failed (for its own *This computer*, when even the data folder could not be made). The service clears it
//! when it takes its place; a window that starts it clears it too.

use crate::clock;
use crate::store::write_atomic_unsynced;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

const RECORD_FILE: &str = "service-start.json";

/// Which step of starting a program failed, and how.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum StartFailure {
    /// The data folder (where the program's log goes) could not be created, or made private.
    DataFolder { path: PathBuf, error: String },
    /// The program's log file in the data folder could not be opened for writing.
    LogFile { path: PathBuf, error: String },
    /// The program is neither beside this one nor on `PATH`.
    NoProgram { name: String },
    /// The program is there, but the system would not run it.
    Program { path: PathBuf, error: String },
    /// It started, then ended on its own with a failure (`status`) while the process that started it watched;
    /// its log says why.
    Ended {
        program: PathBuf,
        status: String,
        log: Option<PathBuf>,
    },
}

impl StartFailure {
    pub fn data_folder(path: &Path, e: &std::io::Error) -> Self {
        Self::DataFolder {
            path: path.to_path_buf(),
            error: e.to_string(),
        }
    }

    pub fn log_file(path: &Path, e: &std::io::Error) -> Self {
        Self::LogFile {
            path: path.to_path_buf(),
            error: e.to_string(),
        }
    }

    pub fn no_program(name: &str) -> Self {
        Self::NoProgram { name: name.into() }
    }

    /// `program` could not be run. "No such file or directory" for a file that is there means the system could
    /// not find what it needs to run it (its loader or a library): said so, rather than "missing".
    pub fn program(program: &Path, e: &std::io::Error) -> Self {
        let error = if e.kind() == std::io::ErrorKind::NotFound && program.is_file() {
            format!("{e}; the file is there, so something it needs to run (its loader or a library) is missing")
        } else {
            e.to_string()
        };
        Self::Program {
            path: program.to_path_buf(),
            error,
        }
    }

    /// What failed, in words (a sentence's end: "its log file /… could not be opened: Permission denied").
    pub fn what(&self) -> String {
        match self {
            Self::DataFolder { path, error } => format!(
                "its data folder {} could not be created: {error}",
                path.display()
            ),
            Self::LogFile { path, error } => format!(
                "its log file {} could not be opened: {error}",
                path.display()
            ),
            Self::NoProgram { name } => {
                format!("its program, {name}, is neither beside Patchbay nor on PATH")
            }
            Self::Program { path, error } => {
                format!("its program {} could not be run: {error}", path.display())
            }
            Self::Ended {
                program, status, ..
            } => format!(
                "its program {} started, then ended ({status})",
                program.display()
            ),
        }
    }

    /// What to do about it.
    pub fn fix(&self) -> String {
        match self {
            Self::DataFolder { path, .. } => format!(
                "Check that {} is writable by you and the disk is not full, then open Patchbay again.",
                path.parent().unwrap_or(path).display()
            ),
            Self::LogFile { path, .. } => format!(
                "Check that {} is a file you own and can write (not a folder) and the disk is not full, then open \
                 Patchbay again.",
                path.display()
            ),
            Self::NoProgram { name } => {
                format!("Reinstall Patchbay: its package puts {name} beside the window.")
            }
            Self::Program { path, .. } => format!(
                "Check that {} is a program you may run, or reinstall Patchbay.",
                path.display()
            ),
            Self::Ended { log: Some(log), .. } => format!(
                "Its log, {}, says why. Fix that, then open Patchbay again.",
                log.display()
            ),
            Self::Ended { log: None, .. } => "Open Patchbay again; if it happens again, reinstall Patchbay.".into(),
        }
    }
}

impl std::fmt::Display for StartFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.what())
    }
}

/// The last failure to start the service for a data folder, and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StartRecord {
    /// RFC 3339.
    pub at: String,
    pub failure: StartFailure,
}

/// This process's own last failure, for a data folder it may not have been able to write in.
static IN_THIS_PROCESS: Mutex<Option<(PathBuf, StartRecord)>> = Mutex::new(None);

fn remembered() -> std::sync::MutexGuard<'static, Option<(PathBuf, StartRecord)>> {
    IN_THIS_PROCESS.lock().unwrap_or_else(|p| p.into_inner())
}

/// Keep `failure` to start the service for `data_dir`: in the data folder where it can be written, and in this
/// process in any case.
pub fn record_failure(data_dir: &Path, failure: StartFailure) -> StartRecord {
    let record = StartRecord {
        at: clock::now_rfc3339(),
        failure,
    };
    *remembered() = Some((data_dir.to_path_buf(), record.clone()));
    let path = data_dir.join(RECORD_FILE);
    let written = serde_json::to_vec_pretty(&record)
        .map_err(std::io::Error::other)
        .and_then(|bytes| write_atomic_unsynced(data_dir, &path, &bytes));
    if let Err(e) = written {
        tracing::debug!(
            "could not keep the service's start failure in {}: {e}",
            path.display()
        );
    }
    record
}

/// The last failure to start the service for `data_dir`, as kept by any process (or this one), if the service
/// has not started since.
pub fn last_failure(data_dir: &Path) -> Option<StartRecord> {
    std::fs::read(data_dir.join(RECORD_FILE))
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .or_else(|| {
            remembered()
                .as_ref()
                .filter(|(dir, _)| dir == data_dir)
                .map(|(_, record)| record.clone())
        })
}

/// The service started (or took its place): no failure to tell any more.
pub fn clear_failure(data_dir: &Path) {
    let mut mine = remembered();
    if mine.as_ref().is_some_and(|(dir, _)| dir == data_dir) {
        *mine = None;
    }
    let _ = std::fs::remove_file(data_dir.join(RECORD_FILE));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_is_kept_for_every_process_until_the_service_starts() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(last_failure(dir.path()), None);
        let log = dir.path().join("service.log");
        let e = std::io::Error::from(std::io::ErrorKind::PermissionDenied);
        let record = record_failure(dir.path(), StartFailure::log_file(&log, &e));
        assert!(dir.path().join(RECORD_FILE).is_file());
        assert_eq!(last_failure(dir.path()), Some(record.clone()));
        assert!(
            record.failure.what().contains(&log.display().to_string()),
            "{}",
            record.failure
        );
        clear_failure(dir.path());
        assert_eq!(last_failure(dir.path()), None);
    }

    #[test]
    fn a_data_folder_that_cannot_be_made_is_still_told_by_this_process() {
        let dir = tempfile::tempdir().unwrap();
        // A file where the data folder's parent should be: nothing can be written under it.
        std::fs::write(dir.path().join("home"), b"").unwrap();
        let data = dir.path().join("home/patchbay");
        let e = std::fs::create_dir_all(&data).unwrap_err();
        let record = record_failure(&data, StartFailure::data_folder(&data, &e));
        assert_eq!(last_failure(&data), Some(record.clone()));
        assert_eq!(
            last_failure(dir.path()),
            None,
            "only for its own data folder"
        );
        let what = record.failure.what();
        assert!(what.starts_with("its data folder "), "{what}");
        assert!(what.contains("home/patchbay"), "{what}");
        assert!(
            record.failure.fix().contains("writable"),
            "{}",
            record.failure.fix()
        );
        clear_failure(&data);
        assert_eq!(last_failure(&data), None);
    }

    #[test]
    fn a_program_that_is_there_but_cannot_run_is_not_called_missing() {
        let dir = tempfile::tempdir().unwrap();
        let program = dir.path().join("patchbay-service");
        std::fs::write(&program, b"").unwrap();
        let e = std::io::Error::from(std::io::ErrorKind::NotFound);
        let what = StartFailure::program(&program, &e).what();
        assert!(what.contains("the file is there"), "{what}");
        let gone = dir.path().join("gone");
        let what = StartFailure::program(&gone, &e).what();
        assert!(!what.contains("the file is there"), "{what}");
    }
}
