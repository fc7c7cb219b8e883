//! The service, assembled: the core with its health monitor, its watch of the data folder and the automations'
//! runner, and around it the
//! desktop (the tray, notifications, Start at login, opening the window). One loop takes the core's events (a
//! status changed: the tray, and a notification once per change) and the tray's (a click), until Quit or a
//! signal; then the core finishes what it does (a refresh is never cut between Microsoft's answer and the
//! seal), and the lock and status file go.

use crate::notify::notify;
use crate::tray::{Event, Host, Tray};
use crate::window;
use patchbay_core::automations::runner::{self, stopped_summary, Report};
use patchbay_core::automations::store::AutomationStore;
use patchbay_core::events::CoreEvent;
use patchbay_core::health::MonitorConfig;
use patchbay_core::model::{ConnectionStatus, ConnectionSummary};
use patchbay_core::resident::{ServiceLock, ServiceMode, ServiceStatus, TrayState};
use patchbay_core::{CoreConfig, Patchbay};
use patchbay_desktop::alerts::Alerts;
use patchbay_desktop::autostart::Autostart;
use patchbay_desktop::batch;
use patchbay_desktop::tray::{tray_model, MenuAction, TrayModel};
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// The desktop around the core: absent when headless.
struct Desktop {
    tray: Option<Tray>,
    autostart: Option<Autostart>,
    alerts: Alerts,
    data_dir: PathBuf,
    /// "2 automations stopped: Work mail needs reconnect", while connections stop automations.
    automations: Option<(String, Vec<String>)>,
}

impl Desktop {
    fn autostart_enabled(&self) -> bool {
        self.autostart.as_ref().is_some_and(Autostart::enabled)
    }

    fn model(&self, connections: &[ConnectionSummary]) -> TrayModel {
        tray_model(connections, self.autostart_enabled())
            .with_automations(self.automations.as_ref().map(|(line, _)| line.as_str()))
    }

    /// What stops automations now: a notification when a connection newly does.
    fn on_automations(&mut self, stopped: Option<(String, Vec<String>)>) {
        if let Some(note) = self.alerts.on_automations(stopped.as_ref()) {
            notify(note, self.data_dir.clone());
        }
        self.automations = stopped;
    }

    async fn show(&self, connections: &[ConnectionSummary]) {
        if let Some(tray) = &self.tray {
            tray.show(self.model(connections)).await;
        }
    }

    /// A connection's status changed: one notification per change into one that needs the person.
    fn on_status(&mut self, connection: &ConnectionSummary) {
        if let Some(note) = self.alerts.on_status(connection) {
            notify(note, self.data_dir.clone());
        }
    }

    fn toggle_autostart(&self) {
        let Some(autostart) = &self.autostart else {
            tracing::warn!("Start at login cannot be changed: there is no home folder");
            return;
        };
        let on = !autostart.enabled();
        match autostart.set(on) {
            Ok(()) => tracing::info!(on, entry = %autostart.location(), "Start at login"),
            Err(e) => tracing::warn!(
                "Start at login could not be changed ({}): {e}. Check {}.",
                autostart.location(),
                Autostart::where_to_look()
            ),
        }
    }
}

/// Run until Quit or SIGTERM/SIGINT (Ctrl-C on Windows). True when the core stopped in time. The tray is drawn
/// through `host` (on Windows and macOS, the main thread's loop; `None`: no tray).
pub async fn run(
    config: CoreConfig,
    lock: ServiceLock,
    mode: ServiceMode,
    version: &str,
    host: Option<Host>,
) -> bool {
    // Before anything is said of this service (its status file): a SIGTERM from then on ends it cleanly.
    let stop = CancellationToken::new();
    spawn_signal_handler(stop.clone());
    let data_dir = config.data_dir.clone();
    let core = Patchbay::new(config);
    let list = core.list().unwrap_or_else(|e| {
        tracing::warn!("{}", e.one_line());
        Vec::new()
    });
    let (tx, mut tray_events) = mpsc::unbounded_channel::<Event>();
    let mut desktop = match mode {
        ServiceMode::Desktop => Some(desktop(&data_dir, &list, tx.clone(), host.as_ref()).await),
        ServiceMode::Headless => None,
    };
    let mut status = ServiceStatus::new(version, mode, tray_state(desktop.as_ref()));
    publish(&lock, &status);
    // Subscribe before the monitor starts: the start-up sweep's findings must not be missed.
    let mut events = core.subscribe();
    core.start_background(MonitorConfig::from_env());
    // The automations, here all day (`patchbay automations run` runs the same runner in the foreground).
    let automations = AutomationStore::new(&data_dir);
    let mut stopped_line = stopped_summary(&automations, &list);
    if let Some(d) = desktop.as_mut() {
        // Stopped before this start: shown, and not announced again.
        let _ = d.alerts.on_automations(stopped_line.as_ref());
        d.automations = stopped_line.clone();
        d.show(&list).await;
    }
    let runner_stop = stop.child_token();
    let (reports_tx, mut reports) = mpsc::unbounded_channel();
    let runner = tokio::spawn(runner::run(core.clone(), runner_stop.clone(), reports_tx));
    tracing::info!("Patchbay's service is running");
    loop {
        tokio::select! {
            _ = stop.cancelled() => break,
            batch = batch::next(&mut events, &stop) => {
                let Some(batch) = batch else { break };
                for event in &batch.events {
                    if let CoreEvent::StatusChanged { connection, previous } = event {
                        say_status(connection, *previous);
                        if let Some(d) = desktop.as_mut() {
                            d.on_status(connection);
                        }
                    }
                }
                if batch.changes_connections() {
                    let list = core.list().unwrap_or_default();
                    // A connection that stopped automations may have settled (checked): say so now.
                    refresh_stopped(&automations, &list, &mut stopped_line, desktop.as_mut()).await;
                    if let Some(d) = desktop.as_mut() {
                        // Some events were missed: notify from the current statuses.
                        if batch.lagged {
                            for connection in &list {
                                d.on_status(connection);
                            }
                        }
                        d.show(&list).await;
                    }
                }
            }
            Some(report) = reports.recv() => {
                say_round(&report);
                if let (Some(d), Ok(r)) = (desktop.as_ref(), &report.round) {
                    if report.automation.notify {
                        if let Some(note) = patchbay_desktop::alerts::delivered(&report.automation.name, &r.delivered_subjects) {
                            notify(note, d.data_dir.clone());
                        }
                    }
                }
                let list = core.list().unwrap_or_default();
                refresh_stopped(&automations, &list, &mut stopped_line, desktop.as_mut()).await;
            }
            Some(event) = tray_events.recv() => match event {
                Event::Menu(action) => {
                    if handle_menu(&core, desktop.as_ref(), &data_dir, action) {
                        break;
                    }
                    if let Some(d) = &desktop {
                        d.show(&core.list().unwrap_or_default()).await;
                    }
                }
                Event::Presence(tray) => {
                    match &tray {
                        TrayState::Shown => tracing::info!("the tray shows Patchbay"),
                        TrayState::Absent { reason } => tracing::info!("running without a tray: {reason}"),
                        TrayState::Off => {}
                    }
                    status.tray = tray;
                    publish(&lock, &status);
                }
            },
        }
    }
    tracing::info!("stopping");
    runner_stop.cancel();
    let _ = runner.await;
    if let Some(tray) = desktop.as_ref().and_then(|d| d.tray.as_ref()) {
        tray.stop().await;
    }
    let clean = core.shutdown(Duration::from_secs(5)).await;
    drop(lock);
    tracing::info!(clean, "Patchbay's service stopped");
    clean
}

/// The desktop around the core: Start at login (an older version's entry now starts this service), the tray.
async fn desktop(
    data_dir: &Path,
    list: &[ConnectionSummary],
    events: mpsc::UnboundedSender<Event>,
    host: Option<&Host>,
) -> Desktop {
    let autostart = std::env::current_exe()
        .ok()
        .and_then(|exe| Autostart::for_program(&exe));
    if let Some(auto) = &autostart {
        match auto.migrate() {
            Ok(true) => {
                tracing::info!(entry = %auto.location(), "Start at login now starts the service")
            }
            Ok(false) => {}
            Err(e) => tracing::warn!("could not update {}: {e}", auto.location()),
        }
    }
    let mut desktop = Desktop {
        tray: None,
        autostart,
        alerts: Alerts::seeded(list),
        data_dir: data_dir.to_path_buf(),
        automations: None,
    };
    match host {
        Some(host) => match Tray::start(desktop.model(list), events, host).await {
            Ok(tray) => desktop.tray = Some(tray),
            Err(reason) => tracing::info!("running without a tray: {reason}"),
        },
        None => tracing::info!("running without a tray: no main-thread loop to show it from"),
    }
    desktop
}

/// What the tray looks like to `patchbay doctor`: shown until the tray says otherwise.
fn tray_state(desktop: Option<&Desktop>) -> TrayState {
    match desktop {
        None => TrayState::Off,
        Some(d) if d.tray.is_none() => TrayState::Absent {
            reason: "no desktop session bus to show it on".into(),
        },
        Some(_) => TrayState::Shown,
    }
}

fn publish(lock: &ServiceLock, status: &ServiceStatus) {
    if let Err(e) = lock.publish(status) {
        tracing::warn!("{}", e.one_line());
    }
}

/// A click in the tray. True for Quit.
fn handle_menu(
    core: &Patchbay,
    desktop: Option<&Desktop>,
    data_dir: &Path,
    action: MenuAction,
) -> bool {
    match action {
        MenuAction::Open | MenuAction::OpenConnection(_) => window::open(data_dir, None),
        MenuAction::Fix(id) => {
            tracing::info!(connection = %id, "opening its Fix");
            window::open(data_dir, Some(&id));
        }
        MenuAction::CheckAll => {
            tracing::info!("check all now (tray)");
            core.check_all_now();
        }
        MenuAction::ToggleAutostart => {
            if let Some(d) = desktop {
                d.toggle_autostart();
            }
        }
        MenuAction::Quit => {
            tracing::info!("Quit (tray)");
            return true;
        }
    }
    false
}

/// Each automation round that did something, in the log.
fn say_round(report: &Report) {
    let name = &report.automation.name;
    let id = &report.automation.id;
    match &report.round {
        Err(e) => tracing::warn!(automation = %id, "{name}: {}", e.one_line()),
        Ok(r) => {
            if let Some(why) = &r.stopped {
                tracing::warn!(automation = %id, "{name} stopped: {why}");
            }
            if let Some(e) = &r.error {
                tracing::warn!(automation = %id, "{name}: {e}");
            }
            if r.delivered + r.retrying + r.failed > 0 {
                tracing::info!(
                    automation = %id,
                    delivered = r.delivered,
                    retrying = r.retrying,
                    failed = r.failed,
                    "{name}"
                );
            }
        }
    }
}

/// Every status change in the log: on a machine without a desktop, the log is where a person hears of it.
fn say_status(c: &ConnectionSummary, previous: patchbay_core::model::ConnectionStatus) {
    let reason = c.status_reason.as_deref().unwrap_or("");
    if c.facts.needs_attention {
        tracing::warn!(connection = %c.id, ?previous, "{} {}: {reason}", c.name, c.status.words());
    } else {
        tracing::info!(connection = %c.id, ?previous, now = ?c.status, "status changed");
    }
}

/// SIGTERM (systemd, launchd, a log-out) and SIGINT (Ctrl-C) end the service cleanly; on Windows, Ctrl-C and
/// closing its console (a build run from a terminal). The handlers are in place when this returns.
fn spawn_signal_handler(stop: CancellationToken) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let (Ok(mut term), Ok(mut int)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        ) else {
            tracing::warn!(
                "SIGTERM and SIGINT cannot be handled: they will end the service abruptly"
            );
            return;
        };
        tokio::spawn(async move {
            tokio::select! {
                _ = term.recv() => tracing::info!("SIGTERM"),
                _ = int.recv() => tracing::info!("SIGINT"),
            }
            stop.cancel();
        });
    }
    #[cfg(windows)]
    {
        use tokio::signal::windows::{ctrl_c, ctrl_close};
        // An installed service has no console (it is a windowed program): the tray's Quit ends it.
        let (Ok(mut interrupt), Ok(mut close)) = (ctrl_c(), ctrl_close()) else {
            tracing::debug!("no console: Quit in the tray ends the service");
            return;
        };
        tokio::spawn(async move {
            tokio::select! {
                _ = interrupt.recv() => tracing::info!("Ctrl-C"),
                _ = close.recv() => tracing::info!("console closed"),
            }
            stop.cancel();
        });
    }
}

/// What stops automations, again: logged, and shown and notified when it changed. While a connection that
/// stops them is still being checked its words are not settled ("checking"), so nothing is said until the check
/// ends (the status change that follows calls this again).
async fn refresh_stopped(
    automations: &AutomationStore,
    list: &[ConnectionSummary],
    stopped_line: &mut Option<(String, Vec<String>)>,
    desktop: Option<&mut Desktop>,
) {
    let now = stopped_summary(automations, list);
    if now == *stopped_line {
        return;
    }
    let checking = now.as_ref().is_some_and(|(_, ids)| {
        list.iter()
            .any(|c| ids.contains(&c.id) && c.status == ConnectionStatus::Checking)
    });
    if checking {
        return;
    }
    match &now {
        Some((line, _)) => tracing::warn!("{line}"),
        None => tracing::info!("no automation is stopped"),
    }
    if let Some(d) = desktop {
        d.on_automations(now.clone());
        d.show(list).await;
    }
    *stopped_line = now;
}
