//! Desktop policy that needs no window toolkit: what the tray shows ([`tray`]), when a notification goes out
//! and what it says ([`alerts`]) and how it is shown on each platform ([`notify`]), how the core's events are
//! taken in batches ([`batch`]), *Start at login* ([`autostart`]) and how Patchbay's two programs start each
//! other ([`launch`]). The resident
//! service and the window both use it; there is no GTK, GDK, WebKit or Tauri anywhere in its dependency tree,
//! so the part of Patchbay that runs all day does not carry them.

pub mod alerts;
pub mod autostart;
pub mod batch;
pub mod launch;
pub mod notify;
pub mod tray;
