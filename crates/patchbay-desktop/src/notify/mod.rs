//! Desktop notifications, each platform's own way: the Freedesktop `Notify` call on the session bus (Linux, the
//! BSDs), a toast through Windows' `ToastNotificationManager` (WinRT, [`windows`]), a request to macOS's
//! `UNUserNotificationCenter` ([`macos`]). What they say and when is [`crate::alerts`]'s; everything here is
//! plain text (the Freedesktop body is the exception: see [`crate::alerts::Note::body_for`]).
//!
//! [`send_plain`] shows a note that nothing waits on (the window's one note as it ends). The resident service's
//! notes open the connection's Fix when clicked: on Linux it sends them with notify-rust, which follows the
//! Freedesktop actions; on Windows with [`windows::send`] and a click handler; on macOS a click is left to
//! macOS (see [`macos`]).

#[cfg(all(unix, not(target_os = "macos")))]
mod freedesktop;
#[cfg(target_os = "macos")]
pub mod macos;
#[cfg(any(windows, test))]
pub mod windows;

use crate::alerts::Note;

/// Show `note` with no action and nothing waiting for a click. `Err` in words when the platform would not show it
/// (no notification service on the bus; on macOS, a program outside Patchbay.app).
pub fn send_plain(note: &Note) -> Result<(), String> {
    #[cfg(all(unix, not(target_os = "macos")))]
    return freedesktop::send_plain(note);
    #[cfg(target_os = "macos")]
    return macos::send(note);
    #[cfg(windows)]
    return windows::send(note, None);
}
