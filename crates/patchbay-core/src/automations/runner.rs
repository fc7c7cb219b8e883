//! The engine running all day: every active automation polled once per its interval (jittered ±10 %, so
//! automations added together do not poll together), at most [`PER_MAILBOX`] of a mailbox's rounds reading
//! Graph at once, and a round started at once when a person asks (Run now) or when its connection is mended
//! (Fix: it catches up from its cursor). The service runs it; so does `patchbay automations run`.
//!
//! Everything it knows is in the data folder: the list of automations is read again when `automations.json`
//! changes, and Run now is a file (`automations/<id>/run-now`) that any process may write. The kernel says when
//! either is written (inotify, through the `notify` crate), so between polls the runner sleeps: it looks at the
//! folder on a timer only where the folder cannot be watched.

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
/// Where the automations' folder cannot be watched: how often to look for Run now and a changed list.
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
    let dir = run_now_dir(store);
    crate::store::ensure_private_dir(&dir)
        .map_err(|e| super::store::storage("create the folder of", &dir, e))?;
    let path = dir.join(&a.id);
    crate::store::write_private(&path, b"").map_err(|e| super::store::storage("write", &path, e))
}

/// `automations/run-now/`: one empty file per Run now asked, named by the automation's id. A folder of its own,
/// so that the kernel tells the runner of these and of the list only, not of every state an idle poll writes.
pub fn run_now_dir(store: &AutomationStore) -> std::path::PathBuf {
    store.dir().join(RUN_NOW)
}

fn take_run_now(store: &AutomationStore, id: &str) -> bool {
    std::fs::remove_file(run_now_dir(store).join(id)).is_ok()
}

/// Whether a change under the automations' folder is one the runner acts on: the list, or a Run now (not an
/// automation's own state, written each round, nor a temporary file on its way to becoming one).
fn wakes(path: &Path) -> bool {
    let name = |p: Option<&Path>| {
        p.and_then(Path::file_name)
            .and_then(|n| n.to_str())
            .map(str::to_string)
    };
    name(Some(path)).as_deref() == Some("automations.json")
        || name(path.parent()).as_deref() == Some(RUN_NOW)
}

/// The kernel's watch of the automations' folder (the list) and of its `run-now` folder; each change that
/// matters sends on `tx`. `None` (and why, in the log) where it cannot watch.
fn watch(dir: &Path, tx: mpsc::UnboundedSender<()>) -> Option<notify::RecommendedWatcher> {
    use notify::Watcher;
    let run_now = dir.join(RUN_NOW);
    let started = crate::store::ensure_private_dir(&run_now)
        .map_err(notify::Error::io)
        .and_then(|()| {
            let mut watcher =
                notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
                    match event {
                        Ok(event) if !event.paths.iter().any(|p| wakes(p)) => {}
                        // A change that matters, or the kernel dropped events (look at everything).
                        _ => {
                            let _ = tx.send(());
                        }
                    }
                })?;
            watcher.watch(dir, notify::RecursiveMode::NonRecursive)?;
            watcher.watch(&run_now, notify::RecursiveMode::NonRecursive)?;
            Ok(watcher)
        });
    match started {
        Ok(w) => Some(w),
        Err(e) => {
            tracing::warn!(
                dir = %dir.display(),
                "the automations' folder cannot be watched ({e}); looking at it every {} ms instead",
                TICK.as_millis()
            );
            None
        }
    }
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
    let mut events = core.subscribe();
    let mut next: HashMap<String, Instant> = HashMap::new();
    let mut running: HashMap<String, tokio::task::JoinHandle<()>> = HashMap::new();
    let mut slots: HashMap<String, Arc<Semaphore>> = HashMap::new();
    let mut list: Vec<Automation> = Vec::new();
    let mut seen_at: Option<Option<SystemTime>> = None;
    let (woke_tx, mut woke) = mpsc::unbounded_channel();
    let watcher = watch(store.dir(), woke_tx);
    // Each round's end (its automation's id): a Run now written while it ran is taken then.
    let (ended_tx, mut ended) = mpsc::unbounded_channel::<String>();
    let mut just_ended: Option<String> = None;
    // Look at the folder (the list's stamp, each Run now) on the first pass and after each change the kernel
    // reports; every pass where it cannot watch.
    let mut look = true;
    loop {
        // The list, again whenever its file changed (any process may have added, paused or removed one).
        let stamp = if look {
            modified(&store.path())
        } else {
            seen_at.flatten()
        };
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
            let asked = (look || just_ended.as_deref() == Some(a.id.as_str()))
                && take_run_now(&store, &a.id);
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
            let (core, a, reports, ended) =
                (core.clone(), a.clone(), reports.clone(), ended_tx.clone());
            let id = a.id.clone();
            running.insert(
                id,
                tokio::spawn(async move {
                    let round = engine::round_limited(&core, &a, Some(&slot)).await;
                    tracing::debug!(automation = %a.id, ?round, "round");
                    let id = a.id.clone();
                    let _ = reports.send(Report {
                        automation: a,
                        round,
                    });
                    let _ = ended.send(id);
                }),
            );
        }
        // Until the next poll is due (a poll starts on time), a change in the folder, a round's end (its
        // automation polls again on its own time, or at once if Run now was written while it ran), or —
        // unwatched — a tick to look for Run now.
        let longest = if watcher.is_some() {
            Duration::from_secs(3600)
        } else {
            TICK
        };
        let wake = list
            .iter()
            .filter(|a| !a.paused && !running.contains_key(&a.id))
            .filter_map(|a| next.get(&a.id))
            .min()
            .map_or(longest, |t| {
                t.saturating_duration_since(Instant::now()).min(longest)
            });
        // Watched, the folder is looked at again only when the kernel says it changed; a Run now for a round
        // still running is taken when that round ends.
        look = watcher.is_none();
        just_ended = None;
        tokio::select! {
            _ = stop.cancelled() => break,
            _ = tokio::time::sleep(wake) => {}
            Some(id) = ended.recv() => {
                running.remove(&id);
                just_ended = Some(id);
            }
            _ = woke.recv(), if watcher.is_some() => {
                look = true;
                // A burst of writes (a list saved, several Run now at once) is one look.
                while woke.try_recv().is_ok() {}
            }
            event = events.recv() => {
                // A connection mended (Fix, or Graph reachable again): its automations catch up now.
                if let Ok(CoreEvent::StatusChanged { connection, .. }) = event {
                    if connection.status == ConnectionStatus::Healthy {
                        for a in list.iter().filter(|a| a.connections().contains(&connection.id.as_str())) {
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
        .filter_map(|a| {
            view(store, a, &|id| {
                connections
                    .iter()
                    .find(|c| c.id == id)
                    .map(|c| c.name.clone())
            })
            .ok()
        })
        .filter(|v| v.state == super::AutomationState::Stopped)
        .map(|v| v.automation)
        .collect();
    if stopped.is_empty() {
        return None;
    }
    let mut because: Vec<String> = Vec::new();
    let mut ids: Vec<String> = Vec::new();
    for a in &stopped {
        // The connection that stopped it: one that is not healthy (the trigger's, or one its action uses).
        let culprit = a
            .connections()
            .into_iter()
            .find(|id| {
                connections
                    .iter()
                    .find(|c| c.id == *id)
                    .is_none_or(|c| c.status != ConnectionStatus::Healthy)
            })
            .unwrap_or(&a.connection_id)
            .to_string();
        if ids.contains(&culprit) {
            continue;
        }
        ids.push(culprit.clone());
        because.push(match connections.iter().find(|c| c.id == culprit) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::automations::{Action, Trigger};

    #[test]
    fn only_the_list_and_run_now_wake_the_runner() {
        let dir = Path::new("/data/automations");
        assert!(wakes(&dir.join("automations.json")));
        assert!(wakes(&dir.join(RUN_NOW).join("a1")));
        assert!(!wakes(&dir.join("a1").join(RUN_NOW)));
        assert!(!wakes(&dir.join("a1").join("state.json")));
        assert!(!wakes(&dir.join("a1").join(".state.json.tmp")));
        assert!(!wakes(&dir.join(".automations.json.tmp")));
    }

    /// With an hour between polls, a Run now written by another process is heard from the kernel and run at once.
    #[tokio::test]
    async fn run_now_from_another_process_runs_at_once_between_polls() {
        let data = tempfile::tempdir().unwrap();
        let core = Patchbay::with_key_store(
            crate::config::CoreConfig::with_data_dir(data.path().to_path_buf()),
            Box::<crate::vault::MemoryKeyStore>::default(),
        );
        let store = AutomationStore::new(data.path());
        store
            .add(Automation {
                id: "a1".into(),
                name: "n".into(),
                connection_id: "gone".into(),
                trigger: Trigger::EventChanged { days: 1 },
                action: Action::Run {
                    argv: vec!["true".into()],
                },
                paused: false,
                notify: false,
                poll_secs: 3600,
                created_at: "2025-01-01T00:00:00Z".into(),
            })
            .unwrap();
        let stop = CancellationToken::new();
        let (tx, mut rx) = mpsc::unbounded_channel();
        let runner = tokio::spawn(run(core, stop.clone(), tx));
        let wait = Duration::from_secs(10);
        // Its first round at start (its connection is gone: an error, reported).
        let first = tokio::time::timeout(wait, rx.recv())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(first.automation.id, "a1");
        // Nothing more for an hour …
        assert!(
            tokio::time::timeout(Duration::from_millis(1500), rx.recv())
                .await
                .is_err(),
            "no round before its time"
        );
        // … unless asked.
        request_run_now(&store, "a1").unwrap();
        let asked = tokio::time::timeout(wait, rx.recv())
            .await
            .expect("Run now was heard")
            .unwrap();
        assert_eq!(asked.automation.id, "a1");
        assert!(
            !run_now_dir(&store).join("a1").exists(),
            "Run now taken once"
        );
        // A new automation written by another process polls at once too.
        let mut second = store.get("a1").unwrap();
        second.id = "a2".into();
        store.add(second).unwrap();
        let added = tokio::time::timeout(wait, rx.recv())
            .await
            .expect("the new automation was seen")
            .unwrap();
        assert_eq!(added.automation.id, "a2");
        stop.cancel();
        runner.await.unwrap();
    }
}
