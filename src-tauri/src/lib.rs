//! Patchbay's desktop shell: window, tray, notifications, single instance, deep links, and thin commands over
//! the core. The core does the work and publishes what changed; this file turns its events into Tauri events,
//! the tray and notifications.
//!
//! Patchbay lives in the tray all day, so closing the window destroys it (and its web view, most of the
//! memory); "Open Patchbay" builds it again. Only "Quit" ends the process.

mod commands;
pub mod notify;
pub mod state;
mod status;
pub mod tray;
mod window;

pub use status::{autostart_enabled, on_tray_menu, set_autostart};
pub use window::{open_fix, show_main_window};

use patchbay_core::health::MonitorConfig;
use patchbay_core::{CoreConfig, Patchbay};
use state::AppState;
use std::sync::Mutex;
use std::time::Duration;
use tauri::{AppHandle, Builder, Manager, RunEvent, Runtime, WindowEvent};

pub const MAIN_WINDOW: &str = "main";
/// Emitted (no payload) whenever the list of connections changes.
pub const CONNECTIONS_CHANGED: &str = "connections-changed";
/// Emitted with the core's `status_changed` event (`{kind, connection, previous}`) when a status changes.
pub const CONNECTION_STATUS: &str = "connection-status";
/// Emitted with the core's `checks_finished` event when a round of checks ends.
pub const CHECKS_FINISHED: &str = "checks-finished";
/// Emitted with a connection id: open its Fix (from the tray or a notification).
pub const OPEN_FIX: &str = "open-fix";
/// The argument the login item starts Patchbay with: straight to the tray, no window.
pub const BACKGROUND_ARG: &str = "--background";

/// How the shell is put together; tests on the mock runtime switch the desktop integrations off.
#[derive(Debug, Clone)]
pub struct AppOptions {
    pub core: CoreConfig,
    /// Single instance, deep links, the tray, autostart and the window itself: they need a desktop session.
    pub desktop_integration: bool,
    /// The health monitor and the watcher of the data folder (`None`: not started).
    pub monitor: Option<MonitorConfig>,
}

impl AppOptions {
    pub fn from_env() -> Self {
        Self {
            core: CoreConfig::from_env(),
            desktop_integration: true,
            monitor: Some(MonitorConfig::from_env()),
        }
    }
}

/// What the shell remembers between events.
#[derive(Default)]
pub struct ShellState {
    /// Which statuses were announced: a notification goes out once per change into a broken or at-risk status.
    alerts: Mutex<patchbay_desktop::alerts::Alerts>,
    /// A Fix asked for (tray, notification) before the window's page could hear it; the page takes it on load.
    pending_fix: Mutex<Option<String>>,
}

impl ShellState {
    pub fn take_pending_fix(&self) -> Option<String> {
        self.pending_fix
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
    }
}

/// Name the process "Patchbay" for the desktop. On Linux the tray item's Title (what panels and
/// accessibility tools read) is GLib's application name, which otherwise falls back to the binary's name.
fn set_app_name() {
    #[cfg(target_os = "linux")]
    glib::set_application_name("Patchbay");
}

/// A `patchbay://` link reached the app (directly or from a second launch). Any web page can open one, so the
/// window comes up only for a link that completed a sign-in waiting for it: a forged link neither raises nor
/// focuses anything.
fn handle_deep_link<R: Runtime>(app: &AppHandle<R>, url: &str) {
    let Some(state) = app.try_state::<AppState>() else {
        return;
    };
    match state.core.deliver_callback(url) {
        Ok(()) => show_main_window(app),
        Err(e) => tracing::warn!("{}", e.one_line()),
    }
}

/// Add Patchbay's plugins, state, commands and handlers to a builder (the real one or Tauri's mock).
pub fn build_app<R: Runtime>(builder: Builder<R>, options: AppOptions) -> Builder<R> {
    let mut builder = builder;
    let desktop = options.desktop_integration;
    if desktop {
        // Single instance first: a second launch (with or without a patchbay:// link) lands in the running one;
        // its deep-link feature forwards the link to `on_open_url` below.
        builder = builder
            .plugin(tauri_plugin_single_instance::init(|app, argv, _cwd| {
                // A second launch carrying a patchbay:// link is the deep-link plugin's (handle_deep_link
                // decides whether the window comes up); a plain second launch focuses the running Patchbay.
                if argv.iter().skip(1).any(|a| a.starts_with("patchbay:")) {
                    return;
                }
                tracing::info!("second launch: focusing the running Patchbay");
                show_main_window(app);
            }))
            .plugin(tauri_plugin_deep_link::init())
            .plugin(tauri_plugin_autostart::init(
                tauri_plugin_autostart::MacosLauncher::LaunchAgent,
                Some(vec![BACKGROUND_ARG]),
            ));
    }
    let monitor = options.monitor.clone();
    builder
        .manage(AppState::new(Patchbay::new(options.core)))
        .manage(ShellState::default())
        .invoke_handler(tauri::generate_handler![
            commands::list_connectors,
            commands::list_environments,
            commands::builtin_app,
            commands::redirect_advice,
            commands::list_connections,
            commands::rename_connection,
            commands::remove_connection,
            commands::start_connect,
            commands::start_fix,
            commands::cancel_connect,
            commands::report_sign_in_page_error,
            commands::check_connections,
            commands::update_client_secret,
            commands::diagnose,
            commands::diagnostics_report,
            commands::about,
            commands::reset_vault,
            commands::open_url,
            commands::autostart,
            commands::set_autostart,
            commands::take_pending_fix,
            commands::preview_connection,
            commands::cached_preview,
            commands::more_inbox,
            commands::more_agenda,
        ])
        .setup(move |app| {
            let handle = app.handle();
            let core = app.state::<AppState>().core.clone();
            // The core spawns its tasks on Tokio; setup runs on the main thread, outside Tauri's runtime.
            let runtime = tauri::async_runtime::handle();
            let _inside = runtime.inner().enter();
            if let (Some(shell), Ok(list)) = (app.try_state::<ShellState>(), core.list()) {
                *shell.alerts.lock().unwrap_or_else(|p| p.into_inner()) =
                    patchbay_desktop::alerts::Alerts::seeded(&list);
            }
            if let Some(config) = monitor {
                status::forward_events(handle, &core);
                core.start_background(config);
            }
            if desktop {
                // The window before the application name: GDK names its hidden client-leader window after the
                // application when the first window is made, and tools that look a window up by its name
                // ("Patchbay") must find the real one, not that 10×10 helper.
                if std::env::args().any(|a| a == BACKGROUND_ARG) {
                    tracing::info!("started at login: in the tray, no window");
                } else {
                    let started = std::time::Instant::now();
                    window::create_main_window(handle)?;
                    tracing::debug!(ms = started.elapsed().as_millis() as u64, "window built");
                }
                set_app_name();
                let started = std::time::Instant::now();
                let list = core.list().unwrap_or_default();
                tray::create(
                    handle,
                    &patchbay_desktop::tray::tray_model(&list, autostart_enabled(handle)),
                )?;
                tracing::debug!(ms = started.elapsed().as_millis() as u64, "tray created");
                let started = std::time::Instant::now();
                setup_deep_links(handle);
                tracing::debug!(
                    ms = started.elapsed().as_millis() as u64,
                    "patchbay:// links registered"
                );
            }
            Ok(())
        })
        .on_window_event(|window, event| {
            if let WindowEvent::Destroyed = event {
                if window.label() == MAIN_WINDOW {
                    window::window_closed(window.app_handle());
                }
            }
        })
}

fn setup_deep_links<R: Runtime>(app: &AppHandle<R>) {
    use tauri_plugin_deep_link::DeepLinkExt;
    // On Linux and Windows the scheme handler is registered at run time (a .desktop file with %u, set as the
    // default handler) for builds from source. An installed package's desktop entry already claims the scheme
    // for every user: registering again would put a per-user entry in front of it that `dpkg -r` cannot remove.
    #[cfg(any(target_os = "linux", windows))]
    if !links_open_this_executable() {
        if let Err(e) = app.deep_link().register_all() {
            tracing::warn!("patchbay:// links will not reach Patchbay: {e}");
        }
    }
    let handle = app.clone();
    app.deep_link().on_open_url(move |event| {
        for url in event.urls() {
            handle_deep_link(&handle, url.as_str());
        }
    });
}

/// This build: the package version (Cargo's, which tauri.conf.json does not override) and the commit that
/// `patchbay-build` stamped. `patchbay --version` says the same.
pub fn about<R: Runtime>(app: &AppHandle<R>) -> patchbay_core::about::About {
    patchbay_core::about::About::new(
        &app.package_info().version.to_string(),
        env!("PATCHBAY_COMMIT"),
    )
}

/// Whether the desktop already opens patchbay:// links with this very executable (an installed package).
#[cfg(target_os = "linux")]
fn links_open_this_executable() -> bool {
    let handler = patchbay_core::desktop_entry::scheme_handler("patchbay");
    match (handler, std::env::current_exe()) {
        (Ok(Some(handler)), Ok(exe)) if handler.runs(&exe) => {
            tracing::info!(entry = %handler.desktop_id, "patchbay:// links already open this Patchbay");
            true
        }
        _ => false,
    }
}

/// Windows installers register the scheme per machine; the run-time registration is per user and harmless.
#[cfg(windows)]
fn links_open_this_executable() -> bool {
    false
}

/// Run the desktop app.
pub fn run() {
    init_logging();
    let options = AppOptions::from_env();
    tracing::info!(
        data_dir = %options.core.data_dir.display(),
        "starting Patchbay {}",
        patchbay_core::about::version_line(env!("CARGO_PKG_VERSION"), env!("PATCHBAY_COMMIT"))
    );
    let app = build_app(tauri::Builder::default(), options)
        .build(tauri::generate_context!())
        .expect("Patchbay could not start its window");
    app.run(|app, event| match event {
        // The last window closed: stay in the tray. (Quit asks with an exit code and is let through.)
        RunEvent::ExitRequested {
            code: None, api, ..
        } => api.prevent_exit(),
        RunEvent::Exit => {
            let core = app.state::<AppState>().core.clone();
            let clean = tauri::async_runtime::block_on(core.shutdown(Duration::from_secs(5)));
            tracing::info!(clean, "Patchbay stopped");
        }
        _ => {}
    });
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("PATCHBAY_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // Colours only on a terminal: a log file (or a test reading it) gets plain text.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}

#[cfg(test)]
mod tests {
    use super::*;
    use tauri::ipc::{CallbackFn, InvokeBody};
    use tauri::test::{get_ipc_response, mock_builder, mock_context, noop_assets, INVOKE_KEY};
    use tauri::webview::InvokeRequest;

    fn app() -> (tauri::App<tauri::test::MockRuntime>, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let options = AppOptions {
            core: CoreConfig::with_data_dir(dir.path().to_path_buf()),
            desktop_integration: false,
            monitor: None,
        };
        let app = build_app(mock_builder(), options)
            .build(mock_context(noop_assets()))
            .unwrap();
        (app, dir)
    }

    fn invoke(
        webview: &tauri::WebviewWindow<tauri::test::MockRuntime>,
        cmd: &str,
        args: serde_json::Value,
    ) -> Result<serde_json::Value, serde_json::Value> {
        get_ipc_response(
            webview,
            InvokeRequest {
                cmd: cmd.into(),
                callback: CallbackFn(0),
                error: CallbackFn(1),
                url: "tauri://localhost".parse().unwrap(),
                body: InvokeBody::Json(args),
                headers: Default::default(),
                invoke_key: INVOKE_KEY.to_string(),
            },
        )
        .map(|b| b.deserialize::<serde_json::Value>().unwrap())
    }

    #[test]
    fn commands_answer_on_the_mock_runtime() {
        let (app, _dir) = app();
        let webview = tauri::WebviewWindowBuilder::new(&app, MAIN_WINDOW, Default::default())
            .build()
            .unwrap();
        let connectors = invoke(&webview, "list_connectors", serde_json::json!({})).unwrap();
        assert_eq!(connectors[0]["id"], "outlook365");
        assert_eq!(
            connectors[0]["default_scopes"].as_array().unwrap().len(),
            16
        );
        let envs = invoke(&webview, "list_environments", serde_json::json!({})).unwrap();
        assert_eq!(envs.as_array().unwrap().len(), 6);
        let connections = invoke(&webview, "list_connections", serde_json::json!({})).unwrap();
        assert_eq!(connections, serde_json::json!([]));
        let advice = invoke(
            &webview,
            "redirect_advice",
            serde_json::json!({"redirectUri": null, "confidential": false}),
        )
        .unwrap();
        assert_eq!(advice["redirect_uri"], "http://localhost");
        // Errors cross as { code, title, message }.
        let err = invoke(
            &webview,
            "remove_connection",
            serde_json::json!({"id": "missing"}),
        )
        .unwrap_err();
        assert_eq!(err["code"], "not_found");
        // In the window's own words: where to look, never a command line.
        let message = err["message"].as_str().unwrap();
        assert!(message.contains("Your connections"), "{message}");
        assert!(!message.contains("patchbay list"), "{message}");
        let err = invoke(
            &webview,
            "open_url",
            serde_json::json!({"url": "file:///etc/passwd"}),
        )
        .unwrap_err();
        assert_eq!(err["code"], "invalid_input");
        // Without a monitor, Check now says so instead of pretending.
        let err = invoke(&webview, "check_connections", serde_json::json!({})).unwrap_err();
        assert_eq!(err["code"], "internal");
        // A client secret only ever travels in; an unknown connection is named.
        let err = invoke(
            &webview,
            "update_client_secret",
            serde_json::json!({"id": "missing", "secret": "s3cret", "expiresOn": null}),
        )
        .unwrap_err();
        assert_eq!(err["code"], "not_found");
        assert!(!err.to_string().contains("s3cret"));
        assert_eq!(
            invoke(&webview, "take_pending_fix", serde_json::json!({})).unwrap(),
            serde_json::Value::Null
        );
        let report = invoke(&webview, "diagnostics_report", serde_json::json!({})).unwrap();
        assert!(report.as_str().unwrap().contains("Connections (0)"));
    }
}
