//! The main thread's message loop, which the tray of Windows and macOS needs, with the service beside it on a
//! thread of its own: [`run`] starts both and returns when the service has ended; [`Host::post`] runs a job on
//! the loop's thread (where the tray lives, since its parts may not leave it).

#[cfg(target_os = "macos")]
mod macos;
#[cfg(windows)]
mod windows;

#[cfg(target_os = "macos")]
pub use macos::{run, Host};
#[cfg(windows)]
pub use windows::{run, Host};

/// The name of the service's thread.
const SERVICE_THREAD: &str = "patchbay-service";
