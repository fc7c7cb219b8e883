//! The desktop app as a desktop sees it, over the real D-Bus protocols, with the real app binary:
//!
//! - `tray`: the tray (StatusNotifierItem + com.canonical.dbusmenu), single instance and patchbay:// links on a
//!   second launch;
//! - `keep_alive`: a revoked connection turning the tray and sending one notification, whose click opens Fix;
//!   "Start at login".
//!
//! Under Xvfb nothing shows a tray, but the tray still speaks D-Bus: the tests play the
//! `org.kde.StatusNotifierWatcher` (and `org.freedesktop.Notifications`) on their own session bus *before* they
//! start the app (`support`).
//!
//! They need a session bus and an X display: run them through `scripts/test`, which starts Xvfb and
//! `dbus-run-session`. Only one Patchbay may run per session bus (single instance), so they run one at a time
//! (`.config/nextest.toml`, and a lock for plain `cargo test`). `PATCHBAY_APP_BINARY` runs them against an
//! installed app (scripts/test-package).

mod keep_alive;
mod support;
mod tray;
