//! The tray, each platform's own way, drawing [`patchbay_desktop::tray::tray_model`] and handing its clicks back
//! as [`Event`]s:
//!
//! - Linux and the BSDs: a StatusNotifierItem with a `com.canonical.dbusmenu` menu, spoken over D-Bus ([`sni`]);
//!   no GTK, no libayatana.
//! - Windows and macOS: the notification-area icon (`Shell_NotifyIcon`) and the menu bar's status item
//!   (`NSStatusItem`), through `tray-icon`, Tauri's tray crate, built without its Linux (GTK) half ([`native`]).
//!   Both want their thread's message loop: the main thread runs it ([`main_loop`]: a Win32 message loop through
//!   winit on Windows, `NSApplication`'s run loop on macOS) and the service runs beside it.

mod icons;
#[cfg(any(windows, target_os = "macos"))]
pub mod main_loop;
#[cfg(any(windows, target_os = "macos"))]
mod native;
#[cfg(all(unix, not(target_os = "macos")))]
mod sni;

use patchbay_core::resident::TrayState;
use patchbay_desktop::tray::MenuAction;

#[cfg(any(windows, target_os = "macos"))]
pub use main_loop::Host;
#[cfg(any(windows, target_os = "macos"))]
pub use native::Tray;
#[cfg(all(unix, not(target_os = "macos")))]
pub use sni::{Host, Tray};

/// What the tray tells the service.
#[derive(Debug)]
pub enum Event {
    /// A menu entry was clicked.
    Menu(MenuAction),
    /// The tray came to show, or stopped showing.
    Presence(TrayState),
}
