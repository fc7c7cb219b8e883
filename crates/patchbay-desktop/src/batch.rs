//! The core's events, taken in batches: events that arrive together (a sweep of hundreds of connections) are
//! handled as one, so a tray is rebuilt once, not once per connection. A receiver that fell behind is told so
//! ([`Batch::lagged`]): it reloads everything instead of trusting the events it has.

use patchbay_core::events::CoreEvent;
use tokio::sync::broadcast::error::{RecvError, TryRecvError};
use tokio::sync::broadcast::Receiver;
use tokio_util::sync::CancellationToken;

/// What arrived since the last batch.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Batch {
    pub events: Vec<CoreEvent>,
    /// Some events were missed: reload the connections rather than trust `events` alone.
    pub lagged: bool,
}

impl Batch {
    /// Whether the list or a status changed (the tray and the window's list are stale).
    pub fn changes_connections(&self) -> bool {
        self.lagged
            || self.events.iter().any(|e| {
                matches!(
                    e,
                    CoreEvent::ConnectionsChanged | CoreEvent::StatusChanged { .. }
                )
            })
    }
}

/// Wait for the next event, then take every event already queued behind it. `None` when `cancel` fires or the
/// channel closed (after handing out what it still held).
pub async fn next(events: &mut Receiver<CoreEvent>, cancel: &CancellationToken) -> Option<Batch> {
    let mut batch = Batch::default();
    let first = tokio::select! {
        _ = cancel.cancelled() => return None,
        event = events.recv() => event,
    };
    match first {
        Ok(event) => batch.events.push(event),
        Err(RecvError::Lagged(_)) => batch.lagged = true,
        Err(RecvError::Closed) => return None,
    }
    loop {
        match events.try_recv() {
            Ok(event) => batch.events.push(event),
            Err(TryRecvError::Lagged(_)) => batch.lagged = true,
            Err(TryRecvError::Empty) | Err(TryRecvError::Closed) => return Some(batch),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::sync::broadcast;

    #[tokio::test]
    async fn queued_events_come_as_one_batch_and_falling_behind_is_said() {
        let (tx, mut rx) = broadcast::channel(4);
        let cancel = CancellationToken::new();
        tx.send(CoreEvent::ConnectionsChanged).unwrap();
        tx.send(CoreEvent::ChecksFinished { checked: 2 }).unwrap();
        let batch = next(&mut rx, &cancel).await.unwrap();
        assert_eq!(batch.events.len(), 2);
        assert!(!batch.lagged);
        assert!(batch.changes_connections());

        for n in 0..10 {
            tx.send(CoreEvent::ChecksFinished { checked: n }).unwrap();
        }
        let batch = next(&mut rx, &cancel).await.unwrap();
        assert!(batch.lagged, "{batch:?}");
        assert!(batch.changes_connections());

        cancel.cancel();
        assert_eq!(next(&mut rx, &cancel).await, None);
    }
}
