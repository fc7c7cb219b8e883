//! The running app's view of every connection, and the one source of its events. Whenever something may have
//! changed — a check finished, a command ran, another process wrote the data folder — the view is read again
//! from disk and compared with the last one: a connection added, removed or renamed publishes
//! `ConnectionsChanged`, a status (or its reason) that moved publishes `StatusChanged`. So there is one event
//! per change, whoever made it, and none when nothing changed.

use crate::connections::{summarize, Connections};
use crate::error::ErrorInfo;
use crate::events::{CoreEvent, EventBus};
use crate::model::ConnectionSummary;
use crate::store::FileStamp;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

#[derive(Default)]
struct State {
    /// Off until the app starts its background work; the CLI never turns it on.
    active: bool,
    view: Vec<ConnectionSummary>,
    checking: HashSet<String>,
    stamps: (Option<FileStamp>, Option<FileStamp>),
}

pub struct Registry {
    connections: Arc<Connections>,
    events: EventBus,
    state: Mutex<State>,
}

/// The summary without what changes on every check, to tell an edit of the list from a status update.
fn identity(c: &ConnectionSummary) -> ConnectionSummary {
    ConnectionSummary::new(
        c.info.clone(),
        crate::model::ConnectionStatus::Healthy,
        None,
    )
}

/// The events that lead from `old` to `new`.
pub(crate) fn diff(old: &[ConnectionSummary], new: &[ConnectionSummary]) -> Vec<CoreEvent> {
    let mut events = Vec::new();
    let before: HashMap<&str, &ConnectionSummary> =
        old.iter().map(|c| (c.id.as_str(), c)).collect();
    let list_changed = old.len() != new.len()
        || new.iter().any(|c| {
            before
                .get(c.id.as_str())
                .is_none_or(|b| identity(b) != identity(c))
        });
    if list_changed {
        events.push(CoreEvent::ConnectionsChanged);
    }
    for c in new {
        if let Some(b) = before.get(c.id.as_str()) {
            if b.status != c.status || b.status_reason != c.status_reason {
                events.push(CoreEvent::StatusChanged {
                    connection: c.clone(),
                    previous: b.status,
                });
            }
        }
    }
    events
}

impl Registry {
    pub(crate) fn new(connections: Arc<Connections>, events: EventBus) -> Self {
        Self {
            connections,
            events,
            state: Mutex::default(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn is_active(&self) -> bool {
        self.lock().active
    }

    pub(crate) fn checking(&self) -> HashSet<String> {
        self.lock().checking.clone()
    }

    /// Every connection with its status, those being checked here as checking.
    pub(crate) fn list(&self) -> Result<Vec<ConnectionSummary>, ErrorInfo> {
        self.connections.summaries(&self.checking())
    }

    pub(crate) fn get(&self, id: &str) -> Result<ConnectionSummary, ErrorInfo> {
        let busy = self.lock().checking.contains(id);
        self.connections.summary(id, busy)
    }

    fn stamps(&self) -> (Option<FileStamp>, Option<FileStamp>) {
        (
            FileStamp::of(&self.connections.store.file_path()),
            FileStamp::of(self.connections.health.dir()),
        )
    }

    /// Start keeping the view (the app, at start-up).
    pub(crate) fn activate(&self) {
        let stamps = self.stamps();
        let view = self
            .connections
            .summaries(&HashSet::new())
            .unwrap_or_default();
        let mut st = self.lock();
        st.active = true;
        st.view = view;
        st.stamps = stamps;
    }

    /// Read the view again and publish what changed.
    pub(crate) fn refresh(&self) {
        let mut st = self.lock();
        if !st.active {
            return;
        }
        st.stamps = self.stamps();
        let new = match self.connections.summaries(&st.checking) {
            Ok(v) => v,
            Err(e) => {
                tracing::warn!("could not read the connections: {}", e.one_line());
                return;
            }
        };
        let events = diff(&st.view, &new);
        st.view = new;
        drop(st);
        for e in events {
            self.events.publish(e);
        }
    }

    /// One connection may have changed: read its status again (not the whole list, which a sweep of hundreds
    /// would otherwise read once per connection).
    pub(crate) fn refresh_one(&self, id: &str) {
        let mut st = self.lock();
        if !st.active {
            return;
        }
        let Some(pos) = st.view.iter().position(|c| c.id == id) else {
            drop(st);
            return self.refresh();
        };
        let old = st.view[pos].clone();
        let record = crate::store::ConnectionRecord {
            info: old.info.clone(),
            redirect_uri: String::new(),
            hosted_sandbox: false,
        };
        let health = self.connections.health.read(id);
        let busy = st.checking.contains(id);
        let new = summarize(record, health, crate::clock::now_unix(), busy);
        let events = diff(std::slice::from_ref(&old), std::slice::from_ref(&new));
        st.view[pos] = new;
        drop(st);
        for e in events {
            self.events.publish(e);
        }
    }

    /// The watcher's tick: read again only when `connections.json` or `status/` changed on disk (or changed so
    /// recently that another change may hide behind the same stamp).
    pub(crate) fn poll(&self) {
        let changed = {
            let st = self.lock();
            let now = self.stamps();
            // A stamp changed, or is too recent to tell a second write in the same tick from the first.
            let unsettled = [now.0, now.1]
                .iter()
                .any(|s| s.is_some_and(|s| !s.is_settled()));
            st.active && (st.stamps != now || unsettled)
        };
        if changed {
            self.refresh();
        }
    }

    /// Mark connections as being checked (or not any more).
    pub(crate) fn set_checking(&self, ids: &[String], on: bool) {
        {
            let mut st = self.lock();
            for id in ids {
                if on {
                    st.checking.insert(id.clone());
                } else {
                    st.checking.remove(id);
                }
            }
        }
        self.refresh();
    }

    /// A sweep ended: the UI reloads its times ("last checked") once per sweep, not once per connection.
    pub(crate) fn checks_finished(&self, checked: usize) {
        self.refresh();
        if self.is_active() {
            self.events.publish(CoreEvent::ChecksFinished {
                checked: checked as u32,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ConnectionStatus;

    fn summary(id: &str, status: ConnectionStatus) -> ConnectionSummary {
        let mut s = ConnectionSummary::example(id);
        s.set_status(status, None);
        s
    }

    #[test]
    fn only_real_changes_make_events() {
        let a = summary("a", ConnectionStatus::Healthy);
        let b = summary("b", ConnectionStatus::Healthy);
        assert!(diff(&[a.clone(), b.clone()], &[a.clone(), b.clone()]).is_empty());

        // A check that only moved the times: no event.
        let mut checked = a.clone();
        checked.checked_at = Some("2026-11-29T10:00:00Z".into());
        assert!(diff(std::slice::from_ref(&a), &[checked]).is_empty());

        // A status change: one event with the previous status.
        let mut broken = a.clone();
        broken.set_status(ConnectionStatus::NeedsReconnect, Some("Revoked.".into()));
        assert_eq!(
            diff(std::slice::from_ref(&a), std::slice::from_ref(&broken)),
            vec![CoreEvent::StatusChanged {
                connection: broken,
                previous: ConnectionStatus::Healthy
            }]
        );

        // Added, removed or renamed: the list changed.
        assert_eq!(
            diff(std::slice::from_ref(&a), &[a.clone(), b.clone()]),
            vec![CoreEvent::ConnectionsChanged]
        );
        assert_eq!(
            diff(&[a.clone(), b.clone()], std::slice::from_ref(&b)),
            vec![CoreEvent::ConnectionsChanged]
        );
        let mut renamed = a.clone();
        renamed.info.name = "Work".into();
        assert_eq!(diff(&[a], &[renamed]), vec![CoreEvent::ConnectionsChanged]);
    }
}
