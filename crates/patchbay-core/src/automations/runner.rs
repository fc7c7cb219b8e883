//! The engine running all day: every active automation polled once per its interval (jittered ±10 %, so
//! automations added together do not poll together), at most [`PER_MAILBOX`] of a mailbox's rounds reading
//! Graph at once, and a round started at once when a person asks (Run now) or when its connection is mended
//! (Fix: it catches up from its cursor). The service runs it; so does `patchbay automations run`.
//!
//! Everything it knows is in the data folder: the list of automations is read again when `automations.json`
//! changes, and Run now is a file (`automations/<id>/run-now`) that any process may write.

use super::engine::{self, Round};
use super::store::AutomationStore;
use super::view;
use super::Automation;
use crate::error::ErrorInfo;
use crate::events::CoreEvent;
use crate::model::ConnectionStatus;
use crate::Patchbay;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use tokio::sync::{mpsc, Semaphore};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// Outlook's limit: four concurrent requests per mailbox (per app). A round has at most one request in flight.
pub const PER_MAILBOX: usize = 4;
const RUN_NOW: &str = "run-now";
const TICK: Duration = Duration::from_millis(500);

/// What a round reports to whoever runs the runner (the service's log and tray, the CLI's stderr).
#[derive(Debug)]
pub struct Report {
    pub automation: Automation,
    pub round: Result<Round, ErrorInfo>,
}

/// Ask the running engine (whichever process runs it) to run `id` now. Returns at once.
pub fn request_run_now(store: &AutomationStore, id: &str) -> Result<(), ErrorInfo> {
    let a = store.get(id)?;
    let dir = store.folder_of(&a.id);
    crate::store::ensure_private_dir(&dir)
        .map_err(|e| super::store::storage("create the folder of", &dir, e))?;
    let path = dir.join(RUN_NOW);
    crate::store::write_private(&path, b"").map_err(|e| super::store::storage("write", &path, e))
}

fn take_run_now(folder: &Path) -> bool {
    std::fs::remove_file(folder.join(RUN_NOW)).is_ok()
}

fn jittered(secs: u64) -> Duration {
    Duration::from_secs_f64(secs as f64 * (0.9 + rand::random::<f64>() * 0.2))
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// Run automations until `stop`, each round's report sent to `reports`.
pub async fn run(core: Patchbay, stop: CancellationToken, reports: mpsc::UnboundedSender<Report>) {
    let store = AutomationStore::new(&core.config().data_dir);
    let http = reqwest::Client::new();
    let mut events = core.subscribe();
    let mut next: HashMap<String, Instant> = HashMap::new();
    let mut running: HashMap<String, tokio::task::JoinHandle<()>> = HashMap::new();
    let mut slots: HashMap<String, Arc<Semaphore>> = HashMap::new();
    let mut list: Vec<Automation> = Vec::new();
    let mut seen_at: Option<Option<SystemTime>> = None;
    loop {
        // The list, again whenever its file changed (any process may have added, paused or removed one).
        let stamp = modified(&store.path());
        if seen_at != Some(stamp) {
            match store.list() {
                Ok(l) => {
                    list = l;
                    seen_at = Some(stamp);
                }
                Err(e) => tracing::warn!("{}", e.one_line()),
            }
            next.retain(|id, _| list.iter().any(|a| &a.id == id));
        }
        running.retain(|_, h| !h.is_finished());
        let now = Instant::now();
        for a in &list {
            if a.paused || running.contains_key(&a.id) {
                continue;
            }
            let asked = take_run_now(&store.folder_of(&a.id));
            if !asked && next.get(&a.id).is_some_and(|t| *t > now) {
                continue;
            }
            if asked {
                tracing::info!(automation = %a.id, "run now");
            }
            next.insert(a.id.clone(), now + jittered(a.poll_secs));
            let slot = slots
                .entry(a.connection_id.clone())
                .or_insert_with(|| Arc::new(Semaphore::new(PER_MAILBOX)))
                .clone();
            let (core, http, a, reports) = (core.clone(), http.clone(), a.clone(), reports.clone());
            let id = a.id.clone();
            running.insert(
                id,
                tokio::spawn(async move {
                    let round = engine::round_limited(&core, &a, &http, Some(&slot)).await;
                    tracing::debug!(automation = %a.id, ?round, "round");
                    let _ = reports.send(Report {
                        automation: a,
                        round,
                    });
                }),
            );
        }
        // Until the next poll is due (a poll starts on time, not on the next tick), or a tick to look for Run now.
        let wake = list
            .iter()
            .filter(|a| !a.paused && !running.contains_key(&a.id))
            .filter_map(|a| next.get(&a.id))
            .min()
            .map_or(TICK, |t| {
                t.saturating_duration_since(Instant::now()).min(TICK)
            });
        tokio::select! {
            _ = stop.cancelled() => break,
            _ = tokio::time::sleep(wake) => {}
            event = events.recv() => {
                // A connection mended (Fix, or Graph reachable again): its automations catch up now.
                if let Ok(CoreEvent::StatusChanged { connection, .. }) = event {
                    if connection.status == ConnectionStatus::Healthy {
                        for a in list.iter().filter(|a| a.connection_id == connection.id) {
                            next.remove(&a.id);
                        }
                    }
                }
            }
        }
    }
    // A round in flight finishes what it does (its action and the record of it) before the process ends.
    for (_, h) in running {
        let _ = tokio::time::timeout(Duration::from_secs(5), h).await;
    }
}

/// "2 automations stopped: Work mail needs reconnect" — what the tray, a notification and the window say when
/// connections stop automations; `None` when none is stopped.
pub fn stopped_summary(
    store: &AutomationStore,
    connections: &[crate::model::ConnectionSummary],
) -> Option<(String, Vec<String>)> {
    let stopped: Vec<Automation> = store
        .list()
        .ok()?
        .into_iter()
        .filter_map(|a| view(store, a).ok())
        .filter(|v| v.state == super::AutomationState::Stopped)
        .map(|v| v.automation)
        .collect();
    if stopped.is_empty() {
        return None;
    }
    let mut because: Vec<String> = Vec::new();
    let mut ids: Vec<String> = Vec::new();
    for a in &stopped {
        if ids.contains(&a.connection_id) {
            continue;
        }
        ids.push(a.connection_id.clone());
        because.push(match connections.iter().find(|c| c.id == a.connection_id) {
            Some(c) if c.status != ConnectionStatus::Healthy => {
                format!("{} {}", c.name, c.status.words())
            }
            Some(c) => format!("{} needs a look", c.name),
            None => "its connection was removed".into(),
        });
    }
    let n = stopped.len();
    Some((
        format!(
            "{n} automation{} stopped: {}",
            if n == 1 { "" } else { "s" },
            because.join(", ")
        ),
        ids,
    ))
}
