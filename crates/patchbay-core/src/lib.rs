//! Patchbay's core. Knows nothing of Tauri: the desktop shell and the `patchbay` CLI both drive it.

pub mod catalogue;
pub mod environment;
pub mod error;
pub mod model;
