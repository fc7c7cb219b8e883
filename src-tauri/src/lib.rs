//! Patchbay's window: the wizard, the connections, preview, This computer — and thin commands over the core,
//! whose events it turns into the page's Tauri events. It is started on demand (the menu entry, the tray's *Open
//! Patchbay*, a notification's click, a `patchbay://` link) and ends when its window closes, so nothing of
//! WebKit stays in memory. The part that runs all day is the resident service (`patchbay-service`): started here
//! when it is not running, it does the health checks, the tray and the notifications. The two share only the
//! data folder.

mod commands;
mod deep_link;
mod events;
mod notify;
mod service;
pub mod state;
mod window;

pub use service::{ensure_service, ServiceStart};
pub use window::{open_fix, show_main_window};

use patchbay_core::{CoreConfig, Patchbay};
use patchbay_desktop::launch::{BACKGROUND_ARG, FIX_ARG};
use state::AppState;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tauri::{AppHandle, Builder, Manager, RunEvent, Runtime, WindowEvent};

pub const MAIN_WINDOW: &str = "main";
/// Emitted (no payload) whenever the list of connections changes.
pub const CONNECTIONS_CHANGED: &str = "connections-changed";
/// Emitted with the core's `status_changed` event (`{kind, connection, previous}`) when a status changes.
pub const CONNECTION_STATUS: &str = "connection-status";
/// Emitted with the core's `checks_finished` event when a round of checks ends.
pub const CHECKS_FINISHED: &str = "checks-finished";
/// Emitted with a connection id: open its Fix (from the tray or a notification, through the service).
pub const OPEN_FIX: &str = "open-fix";

/// How the shell is put together; tests on the mock runtime switch the desktop integrations off.
#[derive(Debug, Clone)]
pub struct AppOptions {
    pub core: CoreConfig,
    /// Single instance, deep links and the window itself: they need a desktop session.
    pub desktop_integration: bool,
    /// Watch the data folder, so the page hears of every change, whoever made it.
    pub watch: bool,
    /// Start the resident service when it is not running.
    pub start_service: bool,
}

impl AppOptions {
    pub fn from_env() -> Self {
        let mut core = CoreConfig::from_env();
        // The window carries no sandbox of its own: the Sandbox environment runs as patchbay-sandbox.
        core.sandbox = patchbay_core::sandbox_host::SandboxHosting::Process;
        Self {
            core,
            desktop_integration: true,
            watch: true,
            start_service: true,
        }
    }
}

/// What the shell remembers between events.
#[derive(Default)]
pub struct ShellState {
    /// A Fix asked for (`--fix`, a second launch) before the window's page could hear it; the page takes it on
    /// load.
    pending_fix: Mutex<Option<String>>,
    /// Set when the page has loaded: work that can wait (registering patchbay:// links) waits for it.
    pub page_ready: Arc<PageReady>,
}

/// A one-way latch: the page has asked for its first data.
#[derive(Default)]
pub struct PageReady {
    ready: Mutex<bool>,
    changed: std::sync::Condvar,
}

impl PageReady {
    pub fn set(&self) {
        *self.ready.lock().unwrap_or_else(|p| p.into_inner()) = true;
        self.changed.notify_all();
    }

    /// Wait until the page is ready, or ten seconds at most (a page that never loads must not keep links
    /// unregistered).
    pub fn wait(&self) {
        let guard = self.ready.lock().unwrap_or_else(|p| p.into_inner());
        let _ = self
            .changed
            .wait_timeout_while(guard, Duration::from_secs(10), |ready| !*ready);
    }
}

impl ShellState {
    pub fn take_pending_fix(&self) -> Option<String> {
        self.pending_fix
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
    }
}

/// `--fix ID` among the arguments: the connection whose Fix to open.
fn fix_arg(args: &[String]) -> Option<String> {
    args.iter()
        .position(|a| a == FIX_ARG)
        .and_then(|i| args.get(i + 1))
        .cloned()
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
                // decides whether the window comes up); `--fix ID` (the service, for a tray entry or a
                // notification) opens that Fix; a plain second launch focuses the running window.
                if argv.iter().skip(1).any(|a| a.starts_with("patchbay:")) {
                    return;
                }
                if let Some(id) = fix_arg(&argv) {
                    return open_fix(app, &id);
                }
                tracing::info!("second launch: focusing the running Patchbay");
                show_main_window(app);
            }))
            .plugin(tauri_plugin_deep_link::init());
    }
    let watch = options.watch;
    let start_service = options.start_service;
    let data_dir = options.core.data_dir.clone();
    let closed_dir = data_dir.clone();
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
            commands::more_preview,
            commands::browse_files,
            commands::more_files,
            commands::site_libraries,
            commands::open_chat,
            commands::more_chat,
            commands::team_channels,
            commands::chat_choices,
            commands::team_choices,
            commands::admin_consent_link,
            commands::assistant_setup,
            commands::assistant_writes,
            commands::list_automations,
            commands::automation_history,
            commands::add_automation,
            commands::test_automation,
            commands::set_automation_paused,
            commands::remove_automation,
            commands::run_automation_now,
            commands::retry_automation,
        ])
        .setup(move |app| {
            let handle = app.handle();
            let core = app.state::<AppState>().core.clone();
            // The core spawns its tasks on Tokio; setup runs on the main thread, outside Tauri's runtime.
            let runtime = tauri::async_runtime::handle();
            let _inside = runtime.inner().enter();
            if watch {
                events::forward_events(handle, &core);
                core.start_watching();
            }
            if start_service {
                let started = std::time::Instant::now();
                // A failure is logged, and kept for This computer and `patchbay doctor`; the window opens anyway.
                let _ = ensure_service(&data_dir);
                tracing::debug!(
                    ms = started.elapsed().as_millis() as u64,
                    "service looked for"
                );
            }
            if desktop {
                let started = std::time::Instant::now();
                window::create_main_window(handle)?;
                tracing::debug!(ms = started.elapsed().as_millis() as u64, "window built");
                let args: Vec<String> = std::env::args().collect();
                if let Some(id) = fix_arg(&args) {
                    open_fix(handle, &id);
                }
                let started = std::time::Instant::now();
                deep_link::setup_deep_links(handle);
                tracing::debug!(
                    ms = started.elapsed().as_millis() as u64,
                    "patchbay:// links registered"
                );
            }
            Ok(())
        })
        .on_window_event(move |window, event| {
            if let WindowEvent::Destroyed = event {
                if window.label() == MAIN_WINDOW {
                    window::window_closed(&closed_dir);
                }
            }
        })
}

/// This build: the package version (Cargo's, which tauri.conf.json does not override) and the commit that
/// `patchbay-build` stamped. `patchbay --version` says the same.
pub fn about<R: Runtime>(app: &AppHandle<R>) -> patchbay_core::about::About {
    patchbay_core::about::About::new(
        &app.package_info().version.to_string(),
        env!("PATCHBAY_COMMIT"),
    )
}

/// Run the window.
pub fn run() {
    init_logging();
    let options = AppOptions::from_env();
    tracing::info!(
        data_dir = %options.core.data_dir.display(),
        "starting Patchbay {}",
        patchbay_core::about::version_line(env!("CARGO_PKG_VERSION"), env!("PATCHBAY_COMMIT"))
    );
    // An earlier version's Start at login entry starts the window into the tray: the service does that now.
    // Start it (it rewrites the entry to start itself) and end, before any of the window is built.
    if std::env::args().any(|a| a == BACKGROUND_ARG) {
        tracing::info!("started as an older Start at login entry: starting the service instead");
        let _ = ensure_service(&options.core.data_dir);
        return;
    }
    let app = build_app(tauri::Builder::default(), options)
        .build(tauri::generate_context!())
        .expect("Patchbay could not start its window");
    app.run(|app, event| {
        if let RunEvent::Exit = event {
            let core = app.state::<AppState>().core.clone();
            let clean = tauri::async_runtime::block_on(core.shutdown(Duration::from_secs(5)));
            tracing::info!(clean, "Patchbay stopped");
        }
    });
}

/// `PATCHBAY_LOG` to stderr (`info` by default); colours only on a terminal: a log file (or a test reading it)
/// gets plain text. Libraries that log mail stay at info whatever it says.
fn init_logging() {
    patchbay_core::logging::init("info");
}

#[cfg(test)]
mod tests {
    use super::*;
    use tauri::ipc::{CallbackFn, InvokeBody};
    use tauri::test::{get_ipc_response, mock_builder, mock_context, noop_assets, INVOKE_KEY};
    use tauri::webview::InvokeRequest;

    /// The window's options for a test: its own data folder, nothing of the desktop touched.
    fn options(dir: &tempfile::TempDir) -> AppOptions {
        AppOptions {
            core: CoreConfig::with_data_dir(dir.path().to_path_buf()),
            desktop_integration: false,
            watch: false,
            start_service: false,
        }
    }

    fn app() -> (tauri::App<tauri::test::MockRuntime>, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let app = build_app(mock_builder(), options(&dir))
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
        // The window runs no monitor: Check now checks in this process, here nothing.
        assert_eq!(
            invoke(&webview, "check_connections", serde_json::json!({})).unwrap(),
            serde_json::Value::Null
        );
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

    #[test]
    fn this_computer_names_what_stopped_the_service_from_starting() {
        let (app, dir) = app();
        let webview = tauri::WebviewWindowBuilder::new(&app, MAIN_WINDOW, Default::default())
            .build()
            .unwrap();
        // A folder where the service's log should be: whether or not its program can be found from this test,
        // starting it fails, at a step of its own.
        std::fs::create_dir_all(dir.path().join("service.log")).unwrap();
        let failure = ensure_service(dir.path()).expect_err("the service cannot start here");
        let checks = invoke(&webview, "diagnose", serde_json::json!({})).unwrap();
        let service = checks
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == "service")
            .unwrap_or_else(|| panic!("no service check: {checks}"))
            .clone();
        assert_eq!(service["status"], "failed", "{service}");
        let summary = service["summary"].as_str().unwrap();
        assert!(summary.contains("could not start"), "{summary}");
        assert!(summary.contains(&failure.what()), "{summary}");
        assert_eq!(
            service["fix"].as_str(),
            Some(failure.fix().as_str()),
            "{service}"
        );
    }

    #[test]
    fn only_the_main_window_may_call_patchbays_commands() {
        // The app's real access control list (src-tauri/build.rs, capabilities/main.json), on the mock runtime.
        let dir = tempfile::tempdir().unwrap();
        let app = build_app(mock_builder(), options(&dir))
            .build(tauri::generate_context!())
            .unwrap();
        let main = tauri::WebviewWindowBuilder::new(&app, MAIN_WINDOW, Default::default())
            .build()
            .unwrap();
        // Another window with a capability of its own (as a help or mail viewer would get): it may listen to
        // events, and that is all. Without the app manifest, every app command would be open to it.
        app.add_capability(
            tauri::ipc::CapabilityBuilder::new("other-window")
                .window("other")
                .permission("core:event:allow-listen"),
        )
        .unwrap();
        let other = tauri::WebviewWindowBuilder::new(&app, "other", Default::default())
            .build()
            .unwrap();
        // Every command the handler registers, from the main window: none is refused by the ACL.
        let source = include_str!("lib.rs");
        let start = source.find("generate_handler![").expect("the handler list");
        let list = &source[start + "generate_handler![".len()..];
        let commands: Vec<&str> = list[..list.find(']').unwrap()]
            .split(',')
            .map(|c| c.trim().trim_start_matches("commands::"))
            .filter(|c| !c.is_empty())
            .collect();
        assert!(commands.len() > 20, "{commands:?}");
        for cmd in &commands {
            if let Err(e) = invoke(&main, cmd, serde_json::json!({})) {
                assert!(
                    !e.to_string().contains("not allowed"),
                    "{cmd} is refused to the main window: {e}"
                );
            }
        }
        // From any other window, each is refused before it runs.
        for cmd in &commands {
            let e = invoke(&other, cmd, serde_json::json!({})).unwrap_err();
            assert!(
                e.to_string().contains("not allowed"),
                "{cmd} from another window: {e}"
            );
        }
    }
}
