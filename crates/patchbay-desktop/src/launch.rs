//! Starting Patchbay's other program: the service starts the window (the tray's *Open Patchbay*, a
//! notification's click), the window starts the service when it is not running. Each finds the other beside
//! itself (an installed package puts both in `/usr/bin`, a build both in `target/…`), else on `PATH`;
//! `PATCHBAY_WINDOW_BINARY` and `PATCHBAY_SERVICE_BINARY` say where for tests of an installed package.
//!
//! A started program is on its own: a process group of its own (closing a terminal or ending a test's process
//! group does not end it) and nothing of ours on its standard input.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

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

/// A log file grows to this before it is started afresh (the previous one kept as `<name>.1`).
const LOG_LIMIT: u64 = 1 << 20;

/// `path` opened for appending: several processes may write it (a window handing over to a running one), so no
/// one truncates it under another; once over [`LOG_LIMIT`] it is set aside first.
fn open_log(path: &Path) -> std::io::Result<std::fs::File> {
    if std::fs::metadata(path).is_ok_and(|m| m.len() > LOG_LIMIT) {
        let mut old = path.as_os_str().to_owned();
        old.push(".1");
        let _ = std::fs::rename(path, old);
    }
    patchbay_core::store::open_private(std::fs::OpenOptions::new().create(true).append(true), path)
}

/// Start `program` with `args`, detached; its output goes to `log` (or nowhere).
pub fn spawn_detached(program: &Path, args: &[&str], log: Option<&Path>) -> std::io::Result<Child> {
    let mut command = Command::new(program);
    command.args(args).stdin(Stdio::null());
    match log.map(open_log).transpose()? {
        Some(file) => {
            command.stdout(file.try_clone()?).stderr(file);
        }
        None => {
            command.stdout(Stdio::null()).stderr(Stdio::null());
        }
    }
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    command.spawn()
}

/// Reap `child` when it ends, from a thread of its own, so a long-running parent leaves no zombie behind.
pub fn reap(mut child: Child) {
    let _ = std::thread::Builder::new()
        .name("reap".into())
        .spawn(move || {
            let _ = child.wait();
        });
}
