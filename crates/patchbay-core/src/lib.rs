//! Patchbay's core. Knows nothing of Tauri: the desktop shell and the `patchbay` CLI both drive it.
//!
//! [`Patchbay`] is the object both hold. Its work lives in modules named after it: [`connect`] (sign-in, new or
//! again), [`tokens`] (access tokens, refreshed single-flight), [`health`] (checks, the monitor and the app's
//! view), [`graph`] (Microsoft Graph), [`preview`] (inbox and agenda in one round trip), [`diagnose`] (this computer), with [`store`], [`vault`] and
//! [`secrets`] underneath, [`events`] and [`tasks`] for long-lived work.

pub mod about;
pub mod agents;
pub mod automations;
pub mod body;
pub mod browser;
pub mod catalogue;
pub mod clock;
pub mod config;
pub mod connect;
pub mod connections;
pub mod desktop_entry;
pub mod diagnose;
pub mod environment;
pub mod error;
pub mod events;
pub mod fault;
pub mod files;
#[doc(hidden)]
pub mod fuzzing;
pub mod graph;
pub mod health;
pub mod html_visible;
pub mod logging;
pub mod model;
pub mod net;
pub mod oauth;
mod patchbay;
pub mod preview;
pub mod resident;
pub mod sandbox_host;
pub mod secrets;
pub mod store;
pub mod tasks;
pub mod teams;
pub mod tokens;
pub mod vault;

pub use config::CoreConfig;
pub use patchbay::Patchbay;
