//! Where each connection stands, and how that is found out.
//!
//! - [`record`]: what is kept per connection (`status/<id>.json`, never a secret) and how it reads as a status
//!   a person sees;
//! - [`check`]: one check of one connection (a fresh token, then a cheap Graph probe), classified;
//! - [`monitor`]: checks at start-up, every 15 minutes and on demand, with bounded concurrency;
//! - [`registry`]: the running app's view of every connection, which publishes an event whenever a
//!   connection's status (or the list) changes — whoever caused it, this process or another one;
//! - `watch`: the kernel's word that another process wrote the data folder.

pub mod check;
pub mod monitor;
pub mod record;
pub mod registry;
mod watch;

pub use check::{CheckOptions, CheckOutcome};
pub use monitor::MonitorConfig;
pub use record::{HealthRecord, HealthStore, Verdict};
pub use registry::Registry;

use crate::connections::Connections;
use crate::tasks::Tasks;
use crate::tokens::TokenManager;
use monitor::MonitorControl;
use std::sync::Arc;

/// Where each connection stands: one check ([`check`]), many at once, and the monitor that runs them on a
/// schedule ([`monitor`]). It checks through the token manager and records what it finds beside the connection.
pub struct Health {
    tokens: Arc<TokenManager>,
    connections: Arc<Connections>,
    registry: Arc<Registry>,
    monitor: MonitorControl,
    /// Whether the watcher of the data folder runs.
    watching: std::sync::atomic::AtomicBool,
    tasks: Tasks,
}

impl Health {
    pub(crate) fn new(
        tokens: Arc<TokenManager>,
        connections: Arc<Connections>,
        registry: Arc<Registry>,
        tasks: Tasks,
    ) -> Self {
        Self {
            tokens,
            connections,
            registry,
            monitor: MonitorControl::default(),
            watching: Default::default(),
            tasks,
        }
    }
}
