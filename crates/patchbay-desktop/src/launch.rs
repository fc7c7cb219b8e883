//! Starting Patchbay's other program: the service starts the window (the tray's *Open Patchbay*, a
//! notification's click), the window starts the service when it is not running. Each finds the other beside
//! itself (an installed package puts both in `/usr/bin`, a build both in `target/…`), else on `PATH`;
//! `PATCHBAY_WINDOW_BINARY` and `PATCHBAY_SERVICE_BINARY` say where for tests of an installed package.
//!
//! A started program is on its own: a process group of its own (closing a terminal or ending a test's process
//! group does not end it; on Windows, a console's Ctrl-C does not reach it, and it opens no console window of
//! its own) and nothing of ours on its standard input.

use patchbay_core::resident::start::StartFailure;
use patchbay_core::store::{ensure_private_dir, open_private};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};

/// The window's program name.
pub const WINDOW: &str = "patchbay-app";
/// The resident service's program name.
pub const SERVICE: &str = "patchbay-service";

/// The window's argument to open a connection's Fix at once: `patchbay-app --fix ID`.
pub const FIX_ARG: &str = "--fix";
/// What earlier versions' *Start at login* entries passed the window: start into the tray, no window. Now it
/// means: make sure the service runs, and end.
pub const BACKGROUND_ARG: &str = "--background";

/// Where the program `name` is: its environment override, beside this executable, or on `PATH`.
pub fn locate(name: &str) -> Option<PathBuf> {
    let var = match name {
        WINDOW => "PATCHBAY_WINDOW_BINARY",
        SERVICE => "PATCHBAY_SERVICE_BINARY",
        _ => "",
    };
    patchbay_core::desktop_entry::sibling_program(name, var)
}

/// The service's log, in the data folder, when the window starts it.
pub const SERVICE_LOG: &str = "service.log";
/// The window's log, in the data folder, when the service starts it.
pub const WINDOW_LOG: &str = "window.log";

/// A log file grows to this before it is started afresh (the previous one kept as `<name>.1`).
const LOG_LIMIT: u64 = 1 << 20;

/// `path` opened for appending, its folder created first (private: on a first run nothing else has made the
/// data folder yet). Several processes may write it (a window handing over to a running one), so no one
/// truncates it under another; once over [`LOG_LIMIT`] it is set aside first.
fn open_log(path: &Path) -> Result<std::fs::File, StartFailure> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        ensure_private_dir(dir).map_err(|e| StartFailure::data_folder(dir, &e))?;
    }
    if std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.len() > LOG_LIMIT) {
        let mut old = path.as_os_str().to_owned();
        old.push(".1");
        let _ = std::fs::rename(path, old);
    }
    open_private(path, std::fs::OpenOptions::new().create(true).append(true))
        .map_err(|e| StartFailure::log_file(path, &e))
}

/// Start `program` with `args`, detached; its output goes to `log` (or nowhere). Each step that fails says
/// which it was: the log's folder, the log file, or the program.
pub fn spawn_detached(
    program: &Path,
    args: &[&str],
    log: Option<&Path>,
) -> Result<Child, StartFailure> {
    let mut command = Command::new(program);
    command.args(args).stdin(Stdio::null());
    match log {
        Some(path) => {
            let file = open_log(path)?;
            let copy = file
                .try_clone()
                .map_err(|e| StartFailure::log_file(path, &e))?;
            command.stdout(copy).stderr(file);
        }
        None => {
            command.stdout(Stdio::null()).stderr(Stdio::null());
        }
    }
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    #[cfg(windows)]
    {
        // Process creation flags (winbase.h).
        const CREATE_NEW_PROCESS_GROUP: u32 = 0x0000_0200;
        const CREATE_NO_WINDOW: u32 = 0x0800_0000;
        std::os::windows::process::CommandExt::creation_flags(
            &mut command,
            CREATE_NEW_PROCESS_GROUP | CREATE_NO_WINDOW,
        );
    }
    command
        .spawn()
        .map_err(|e| StartFailure::program(program, &e))
}

/// Start Patchbay's program `name` ([`WINDOW`] or [`SERVICE`]) as [`spawn_detached`] does, found by [`locate`].
/// The program's path, with the child.
pub fn start(
    name: &str,
    args: &[&str],
    log: Option<&Path>,
) -> Result<(PathBuf, Child), StartFailure> {
    let program = locate(name).ok_or_else(|| StartFailure::no_program(name))?;
    let child = spawn_detached(&program, args, log)?;
    Ok((program, child))
}

/// Reap `child` when it ends, from a thread of its own, so a long-running parent leaves no zombie behind.
pub fn reap(child: Child) {
    reap_then(child, |_| {});
}

/// As [`reap`], then tell `ended` how it ended.
pub fn reap_then(mut child: Child, ended: impl FnOnce(ExitStatus) + Send + 'static) {
    let _ = std::thread::Builder::new()
        .name("reap".into())
        .spawn(move || {
            if let Ok(status) = child.wait() {
                ended(status);
            }
        });
}

/// Whether a program that ended this way failed on its own, rather than ending well or being ended on purpose
/// (SIGTERM, SIGINT, SIGHUP: a logout, `systemctl stop`, a person).
pub fn failed_on_its_own(status: ExitStatus) -> bool {
    if status.success() {
        return false;
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        const ENDED_ON_PURPOSE: [i32; 3] = [1, 2, 15]; // SIGHUP, SIGINT, SIGTERM
        if status
            .signal()
            .is_some_and(|s| ENDED_ON_PURPOSE.contains(&s))
        {
            return false;
        }
    }
    true
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn a_program_started_in_a_home_that_never_saw_patchbay_makes_the_data_folder() {
        let home = tempfile::tempdir().unwrap();
        let data = home.path().join(".local/share/patchbay");
        let log = data.join(SERVICE_LOG);
        let mut child = spawn_detached(Path::new("/bin/sh"), &["-c", "echo started"], Some(&log))
            .unwrap_or_else(|f| panic!("it did not start: {f}"));
        assert!(child.wait().unwrap().success());
        assert_eq!(mode(&data), 0o700, "the data folder is open to others");
        assert_eq!(mode(&log), 0o600, "the log is open to others");
        assert_eq!(std::fs::read_to_string(&log).unwrap(), "started\n");
    }

    #[test]
    fn each_step_that_fails_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let run = |log: &Path| spawn_detached(Path::new("/bin/true"), &[], Some(log)).unwrap_err();
        // The folder: something else is where it should be.
        std::fs::write(dir.path().join("blocked"), b"").unwrap();
        let failure = run(&dir.path().join("blocked/patchbay/service.log"));
        assert!(
            matches!(&failure, StartFailure::DataFolder { path, .. } if path.ends_with("blocked/patchbay")),
            "{failure:?}"
        );
        // The log file: a folder where it should be.
        let log = dir.path().join("data/service.log");
        std::fs::create_dir_all(&log).unwrap();
        let failure = run(&log);
        assert!(
            matches!(&failure, StartFailure::LogFile { path, .. } if *path == log),
            "{failure:?}"
        );
        // The program.
        let missing = dir.path().join("patchbay-service");
        let failure = spawn_detached(&missing, &[], None).unwrap_err();
        assert!(
            matches!(&failure, StartFailure::Program { path, .. } if *path == missing),
            "{failure:?}"
        );
        assert!(failure.what().contains("could not be run"), "{failure}");
        let failure = start("patchbay-no-such-program", &[], None).unwrap_err();
        assert_eq!(
            failure,
            StartFailure::no_program("patchbay-no-such-program")
        );
    }

    #[test]
    fn ended_on_purpose_is_no_failure() {
        let status = |script: &str| {
            Command::new("/bin/sh")
                .args(["-c", script])
                .status()
                .unwrap()
        };
        assert!(!failed_on_its_own(status("exit 0")));
        assert!(failed_on_its_own(status("exit 1")));
        assert!(!failed_on_its_own(status("kill -TERM $$")));
        assert!(failed_on_its_own(status("kill -SEGV $$")));
    }
}
