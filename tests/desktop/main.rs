//! Patchbay as a desktop sees it, over the real D-Bus protocols, with the real binaries:
//!
//! - `tray`: the resident service's tray (StatusNotifierItem + com.canonical.dbusmenu), one service per data
//!   folder, *Open Patchbay* starting a window process that ends when its window closes, Quit; no tray host,
//!   and headless;
//! - `window`: the window starting the service when none runs, second launches handing over to it, an older
//!   *Start at login* entry;
//! - `automations`: the service running them, and a revoked connection stopping one in the tray and in one
//!   notification;
//! - `keep_alive`: a revoked connection turning the tray and sending one notification, whose click opens the
//!   window at its Fix; a check made by another process reaching the tray; "Start at login";
//! - `first_run`: a home folder that has never seen Patchbay: the window starts the service and its tray at
//!   once, after `patchbay connect` from a terminal too, and every folder made on the way is private.
//!
//! Under Xvfb nothing shows a tray, but the tray still speaks D-Bus: the tests play the
//! `org.kde.StatusNotifierWatcher` (and `org.freedesktop.Notifications`) on their own session bus *before* they
//! start the service (`support`).
//!
//! They need a session bus and an X display: run them through `scripts/test`, which starts Xvfb and
//! `dbus-run-session`. Only one window may run per session bus (single instance) and one process can play the
//! tray's watcher, so they run one at a time (`.config/nextest.toml`, and a lock for plain `cargo test`).
//! `PATCHBAY_APP_BINARY` and `PATCHBAY_SERVICE_BINARY` run them against an installed package
//! (scripts/test-package).

mod automations;
mod first_run;
mod keep_alive;
mod support;
mod tray;
mod window;
