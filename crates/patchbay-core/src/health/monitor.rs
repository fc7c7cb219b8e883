//! The health monitor: every connection checked at start-up, every 15 minutes (configurable) and whenever
//! asked ("Check now", the tray's "Check all now"), a bounded number at a time, so a sweep of 500 connections
//! costs a handful of round trips of wall time. Connections Microsoft could not be reached for are looked at
//! again sooner (30 s, doubling up to the interval), so the return of the network is noticed within a minute
//! or two. Each sweep gets a fresh token for every connection (a refresh once the token is older than the
//! interval), because only the refresh grant learns that Microsoft revoked a sign-in.
//!
//! Alongside, a watcher ([`super::watch`]) hears the changes other processes make to the data folder, so this
//! process's view, tray and notifications follow them within a second.

use super::check::CheckOptions;
use super::Health;
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

#[derive(Debug, Clone)]
pub struct MonitorConfig {
    /// Between sweeps (default 15 minutes).
    pub interval: Duration,
    /// Checks in flight at once.
    pub concurrency: usize,
    /// Sweep at start-up.
    pub at_start: bool,
    /// First wait before an unreachable connection is tried again (doubles up to `interval`).
    pub retry_unreachable_after: Duration,
}

impl Default for MonitorConfig {
    fn default() -> Self {
        Self {
            interval: Duration::from_secs(15 * 60),
            concurrency: 128,
            at_start: true,
            retry_unreachable_after: Duration::from_secs(30),
        }
    }
}

impl MonitorConfig {
    /// The defaults, with `PATCHBAY_CHECK_INTERVAL_SECS` (at least 1) overriding the interval: for tests and
    /// people who want it sooner or later.
    pub fn from_env() -> Self {
        let mut config = Self::default();
        if let Some(secs) = std::env::var("PATCHBAY_CHECK_INTERVAL_SECS")
            .ok()
            .and_then(|v| v.trim().parse::<u64>().ok())
            .filter(|s| *s >= 1)
        {
            config.interval = Duration::from_secs(secs);
            config.retry_unreachable_after = config.retry_unreachable_after.min(config.interval);
        }
        config
    }
}

/// The longest wait before an unreachable connection is tried again: the return of the network is noticed
/// within two minutes.
const RETRY_UNREACHABLE_AT_MOST: Duration = Duration::from_secs(120);

/// Checks in flight for a "Check now" without a monitor (a window): as many as a person's connections.
const CONCURRENCY_ON_DEMAND: usize = 32;

/// A request to check now.
#[derive(Debug)]
pub(crate) enum CheckRequest {
    All,
    Some(Vec<String>),
}

/// What the rest of the core uses to reach a running monitor.
#[derive(Default)]
pub(crate) struct MonitorControl {
    requests: std::sync::Mutex<Option<mpsc::UnboundedSender<CheckRequest>>>,
}

impl MonitorControl {
    fn set(&self, tx: mpsc::UnboundedSender<CheckRequest>) {
        *self.requests.lock().unwrap_or_else(|p| p.into_inner()) = Some(tx);
    }

    /// Hand `request` to the running monitor; back when none runs.
    fn send(&self, request: CheckRequest) -> Result<(), CheckRequest> {
        match self
            .requests
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
        {
            Some(tx) => tx.send(request).map_err(|e| e.0),
            None => Err(request),
        }
    }

    pub(crate) fn running(&self) -> bool {
        self.requests
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            .is_some_and(|tx| !tx.is_closed())
    }
}

impl Health {
    /// Keep this process's view of every connection current, whoever changes them (this process, or another
    /// one writing the data folder), publishing an event per change. Stops with [`crate::Patchbay::shutdown`].
    /// A second call does nothing.
    pub fn start_watching(&self) {
        if self
            .watching
            .swap(true, std::sync::atomic::Ordering::SeqCst)
            || self.tasks.stopping()
        {
            return;
        }
        self.registry.activate();
        let registry = self.registry.clone();
        let data_dir = self.connections.store.dir().to_path_buf();
        self.tasks.run(move |cancel| async move {
            super::watch::watch(registry, data_dir, cancel).await
        });
    }

    /// Start the background work of a long-running process: the watcher of the data folder and the health
    /// monitor. Both stop with [`crate::Patchbay::shutdown`]. A second call does nothing.
    pub fn start_background(self: &Arc<Self>, config: MonitorConfig) {
        if self.monitor.running() || self.tasks.stopping() {
            return;
        }
        self.start_watching();
        let (tx, rx) = mpsc::unbounded_channel();
        self.monitor.set(tx);
        let health = self.clone();
        self.tasks
            .run(move |cancel| async move { health.monitor(config, rx, cancel).await });
    }

    /// Check every connection now, shown as checking until done: by this process's monitor when it runs one,
    /// else by a task of its own (a window, which runs no sweeps).
    pub fn check_all_now(self: &Arc<Self>) {
        self.check_soon(CheckRequest::All)
    }

    /// Check these connections now (see [`Health::check_all_now`]).
    pub fn check_now(self: &Arc<Self>, ids: Vec<String>) {
        self.check_soon(CheckRequest::Some(ids))
    }

    fn check_soon(self: &Arc<Self>, request: CheckRequest) {
        let request = match self.monitor.send(request) {
            Ok(()) => return,
            Err(request) => request,
        };
        let health = self.clone();
        self.tasks.run(move |_cancel| async move {
            let ids = match request {
                CheckRequest::Some(ids) => ids,
                CheckRequest::All => match health.connections.store.read() {
                    Ok(records) => records.into_iter().map(|r| r.info.id).collect(),
                    Err(e) => {
                        tracing::warn!("check now: {}", e.one_line());
                        return;
                    }
                },
            };
            if ids.is_empty() {
                return;
            }
            let options = CheckOptions {
                force_refresh: true,
                ..CheckOptions::default()
            };
            health
                .sweep(&ids, options, true, CONCURRENCY_ON_DEMAND)
                .await;
            health.registry.checks_finished(ids.len());
        });
    }

    /// Check `ids`, shown as checking while it lasts when `visible`. A sweep under way finishes even when
    /// Patchbay is quitting (shutdown waits a few seconds for it): cutting a refresh between Microsoft's answer
    /// and the seal would lose the rotated refresh token.
    async fn sweep(
        self: &Arc<Self>,
        ids: &[String],
        options: CheckOptions,
        visible: bool,
        concurrency: usize,
    ) -> Vec<Result<super::CheckOutcome, crate::error::ErrorInfo>> {
        if visible {
            self.registry.set_checking(ids, true);
        }
        let outcomes = self.check_connections(ids, options, concurrency).await;
        if visible {
            self.registry.set_checking(ids, false);
        }
        outcomes
    }

    async fn monitor(
        self: Arc<Self>,
        config: MonitorConfig,
        mut requests: mpsc::UnboundedReceiver<CheckRequest>,
        cancel: CancellationToken,
    ) {
        let options = CheckOptions {
            force_refresh: false,
            // A little under the interval, so every scheduled sweep refreshes.
            max_token_age: Some(config.interval.mul_f64(0.9)),
        };
        let mut next_sweep = if config.at_start {
            Instant::now()
        } else {
            Instant::now() + config.interval
        };
        let mut shown_checking = config.at_start;
        let mut unreachable: HashSet<String> = HashSet::new();
        let mut retry_wait = config.retry_unreachable_after;
        let mut retry_at: Option<Instant> = None;
        loop {
            let wake = retry_at.map_or(next_sweep, |r| r.min(next_sweep));
            let (ids, visible) = tokio::select! {
                _ = cancel.cancelled() => return,
                _ = tokio::time::sleep_until(wake) => {
                    if Instant::now() >= next_sweep {
                        next_sweep = Instant::now() + config.interval;
                        (None, std::mem::take(&mut shown_checking))
                    } else {
                        (Some(unreachable.iter().cloned().collect::<Vec<_>>()), false)
                    }
                }
                Some(request) = requests.recv() => match request {
                    CheckRequest::All => (None, true),
                    CheckRequest::Some(ids) => (Some(ids), true),
                },
            };
            let ids = match ids {
                Some(ids) => ids,
                None => match self.connections.store.read() {
                    Ok(records) => records.into_iter().map(|r| r.info.id).collect(),
                    Err(e) => {
                        tracing::warn!("health monitor: {}", e.one_line());
                        continue;
                    }
                },
            };
            if ids.is_empty() {
                retry_at = None;
                continue;
            }
            let started = std::time::Instant::now();
            // A check a person asked for ("Check now") really asks Microsoft: a refresh-token grant, the only
            // way to learn of a revocation while the access token is still valid.
            let options = if visible {
                CheckOptions {
                    force_refresh: true,
                    ..options
                }
            } else {
                options
            };
            let outcomes = self.sweep(&ids, options, visible, config.concurrency).await;
            if cancel.is_cancelled() {
                return;
            }
            let found = super::check::unreachable_ids(&outcomes);
            for id in &ids {
                unreachable.remove(id);
            }
            unreachable.extend(found);
            if unreachable.is_empty() {
                retry_wait = config.retry_unreachable_after;
                retry_at = None;
            } else {
                retry_at = Some(Instant::now() + retry_wait);
                retry_wait = (retry_wait * 2).min(config.interval.min(RETRY_UNREACHABLE_AT_MOST));
            }
            tracing::info!(
                connections = ids.len(),
                unreachable = unreachable.len(),
                ms = started.elapsed().as_millis() as u64,
                "health check finished"
            );
            self.registry.checks_finished(ids.len());
        }
    }
}
