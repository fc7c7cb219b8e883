//! Domain events the core publishes on a channel; the desktop shell turns them into Tauri events, the tray and
//! notifications. They carry summaries and statuses, never a token.

use crate::model::{ConnectionStatus, ConnectionSummary};
use serde::Serialize;
use tokio::sync::broadcast;
use ts_rs::TS;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
#[allow(clippy::large_enum_variant)] // a few per minute at most
pub enum CoreEvent {
    /// The list changed: a connection was added, removed, renamed or fixed, here or in another process.
    ConnectionsChanged,
    /// One connection's status (or its reason) changed.
    StatusChanged {
        connection: ConnectionSummary,
        previous: ConnectionStatus,
    },
    /// A round of checks ended (times such as "last checked" moved; statuses that changed were sent already).
    ChecksFinished { checked: u32 },
}

/// A broadcast channel: every subscriber gets every event; one that falls behind is told so (and reloads).
/// Clones publish on the same channel.
#[derive(Clone)]
pub struct EventBus {
    tx: broadcast::Sender<CoreEvent>,
}

impl Default for EventBus {
    fn default() -> Self {
        Self {
            // Room for a sweep of many connections marked checking and back.
            tx: broadcast::channel(4096).0,
        }
    }
}

impl EventBus {
    pub fn subscribe(&self) -> broadcast::Receiver<CoreEvent> {
        self.tx.subscribe()
    }

    pub(crate) fn publish(&self, event: CoreEvent) {
        // No subscriber (the CLI) is fine.
        let _ = self.tx.send(event);
    }
}
