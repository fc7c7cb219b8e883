//! *Start at login*: the resident service started when the person logs in — never the window, whose web view
//! would then sit in memory all day. Each platform its own way:
//!
//! - Linux and the BSDs: an XDG autostart entry, `~/.config/autostart/Patchbay.desktop` ([`xdg`]);
//! - macOS: a LaunchAgent, `~/Library/LaunchAgents/dev.patchbay.service.plist`, which launchd starts in each
//!   graphical login ([`launch_agent`]);
//! - Windows: the value `Patchbay` under `HKEY_CURRENT_USER\Software\Microsoft\Windows\CurrentVersion\Run`, which
//!   Explorer starts at sign-in and Task Manager's *Startup apps* can switch off ([`run_key`]).
//!
//! Whoever changes it (the tray's toggle, the window's setting) goes through [`Autostart`]; an entry that starts
//! another program (an older version's, a build that moved) is pointed at this service by [`Autostart::migrate`].

use std::path::Path;

#[cfg(any(target_os = "macos", test))]
pub mod launch_agent;
#[cfg(any(windows, test))]
pub mod run_key;
#[cfg(all(unix, not(target_os = "macos")))]
pub mod xdg;

#[cfg(target_os = "macos")]
use launch_agent as platform;
#[cfg(windows)]
use run_key as platform;
#[cfg(all(unix, not(target_os = "macos")))]
use xdg as platform;

/// Patchbay's *Start at login* entry on this platform.
#[derive(Debug, Clone)]
pub struct Autostart(platform::Entry);

impl Autostart {
    /// The entry that starts `program` (the service's executable) at login; `None` when there is no home folder
    /// to keep it in.
    pub fn for_program(program: &Path) -> Option<Self> {
        platform::Entry::for_program(program).map(Self)
    }

    /// Where the entry is, for the log: a file, or a registry value.
    pub fn location(&self) -> String {
        self.0.location()
    }

    /// Where a person looks when the entry cannot be changed ("your autostart folder (~/.config/autostart)").
    pub fn where_to_look() -> &'static str {
        platform::WHERE
    }

    /// Whether Patchbay starts at login.
    pub fn enabled(&self) -> bool {
        self.0.enabled()
    }

    /// Start at login (`true`) or not.
    pub fn set(&self, enabled: bool) -> std::io::Result<()> {
        self.0.set(enabled)
    }

    /// An entry that starts another program (an earlier version's, a build that moved) now starts this one.
    /// True when it was rewritten.
    pub fn migrate(&self) -> std::io::Result<bool> {
        self.0.migrate()
    }
}
