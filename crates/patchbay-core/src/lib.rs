//! Patchbay's core. Knows nothing of Tauri: the desktop shell and the `patchbay` CLI both drive it.

pub mod catalogue;
pub mod config;
pub mod diagnose;
pub mod environment;
pub mod error;
pub mod model;
pub mod oauth;
pub mod secrets;
pub mod service;
pub mod store;
pub mod vault;

pub use config::CoreConfig;
pub use service::Patchbay;
