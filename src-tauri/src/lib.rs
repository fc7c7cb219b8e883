//! Patchbay's desktop shell: window, tray, single instance, deep links, and thin commands over the core.

mod commands;
pub mod state;
pub mod tray;

use patchbay_core::model::ConnectionStatus;
use patchbay_core::{CoreConfig, Patchbay};
use state::AppState;
use tauri::{AppHandle, Builder, Emitter, Manager, Runtime, WindowEvent};

pub const MAIN_WINDOW: &str = "main";
/// Emitted (no payload) whenever the list of connections changes.
pub const CONNECTIONS_CHANGED: &str = "connections-changed";

/// How the shell is put together; tests on the mock runtime switch the desktop integrations off.
#[derive(Debug, Clone)]
pub struct AppOptions {
    pub core: CoreConfig,
    /// Single instance, deep links and the tray: they need a desktop session.
    pub desktop_integration: bool,
}

impl AppOptions {
    pub fn from_env() -> Self {
        Self {
            core: CoreConfig::from_env(),
            desktop_integration: true,
        }
    }
}

/// Show, unminimise and focus the main window.
pub fn show_main_window<R: Runtime>(app: &AppHandle<R>) {
    if let Some(window) = app.get_webview_window(MAIN_WINDOW) {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
}

/// Name the process "Patchbay" for the desktop. On Linux the tray item's Title (what panels and
/// accessibility tools read) is GLib's application name, which otherwise falls back to the binary's name.
fn set_app_name() {
    // g_get_application_name() falls back to the program name, so there is nothing to ask first; setup runs once.
    #[cfg(target_os = "linux")]
    glib::set_application_name("Patchbay");
}

/// Tell the UI to reload the list and bring the tray up to date.
pub fn connections_changed<R: Runtime>(app: &AppHandle<R>) {
    let _ = app.emit(CONNECTIONS_CHANGED, ());
    refresh_tray(app);
}

fn refresh_tray<R: Runtime>(app: &AppHandle<R>) {
    let Some(state) = app.try_state::<AppState>() else {
        return;
    };
    match state.core.list() {
        Ok(list) => {
            let broken = list
                .iter()
                .filter(|c| c.status == ConnectionStatus::NeedsRepair)
                .count();
            if let Err(e) = tray::refresh(app, &tray::tray_model(list.len(), broken)) {
                tracing::warn!("could not update the tray: {e}");
            }
        }
        Err(e) => tracing::warn!(
            "could not read the connections for the tray: {}",
            e.one_line()
        ),
    }
}

/// A `patchbay://oauth/callback?…` link reached the app (directly or from a second launch).
fn handle_deep_link<R: Runtime>(app: &AppHandle<R>, url: &str) {
    show_main_window(app);
    let Some(state) = app.try_state::<AppState>() else {
        return;
    };
    if let Err(e) = state.core.deliver_callback(url) {
        tracing::warn!("{}", e.one_line());
    }
}

/// Add Patchbay's plugins, state, commands and handlers to a builder (the real one or Tauri's mock).
pub fn build_app<R: Runtime>(builder: Builder<R>, options: AppOptions) -> Builder<R> {
    let mut builder = builder;
    if options.desktop_integration {
        // Single instance first: a second launch (with or without a patchbay:// link) lands in the running one;
        // its deep-link feature forwards the link to `on_open_url` below.
        builder = builder
            .plugin(tauri_plugin_single_instance::init(|app, _argv, _cwd| {
                tracing::info!("second launch: focusing the running Patchbay");
                show_main_window(app);
            }))
            .plugin(tauri_plugin_deep_link::init());
    }
    let desktop = options.desktop_integration;
    builder
        .manage(AppState::new(Patchbay::new(options.core)))
        .invoke_handler(tauri::generate_handler![
            commands::list_connectors,
            commands::list_environments,
            commands::builtin_app,
            commands::redirect_advice,
            commands::list_connections,
            commands::rename_connection,
            commands::remove_connection,
            commands::start_connect,
            commands::cancel_connect,
            commands::report_sign_in_page_error,
            commands::diagnose,
            commands::open_url,
        ])
        .setup(move |app| {
            if desktop {
                set_app_name();
                tray::create(app.handle(), &tray::tray_model(0, 0))?;
                refresh_tray(app.handle());
                setup_deep_links(app.handle());
            }
            Ok(())
        })
        .on_window_event(|window, event| {
            // Closing the window keeps Patchbay in the tray; Quit in the tray menu ends it.
            if let WindowEvent::CloseRequested { api, .. } = event {
                if window.label() == MAIN_WINDOW {
                    api.prevent_close();
                    let _ = window.hide();
                }
            }
        })
}

fn setup_deep_links<R: Runtime>(app: &AppHandle<R>) {
    use tauri_plugin_deep_link::DeepLinkExt;
    // On Linux and Windows the scheme handler is registered at run time (a .desktop file with %u, set as the
    // default handler); installers do it too.
    #[cfg(any(target_os = "linux", windows))]
    if let Err(e) = app.deep_link().register_all() {
        tracing::warn!("patchbay:// links will not reach Patchbay: {e}");
    }
    let handle = app.clone();
    app.deep_link().on_open_url(move |event| {
        for url in event.urls() {
            handle_deep_link(&handle, url.as_str());
        }
    });
}

/// Run the desktop app.
pub fn run() {
    init_logging();
    let options = AppOptions::from_env();
    tracing::info!(data_dir = %options.core.data_dir.display(), "starting Patchbay");
    build_app(tauri::Builder::default(), options)
        .run(tauri::generate_context!())
        .expect("Patchbay could not start its window");
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("PATCHBAY_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
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
        assert!(err["message"].as_str().unwrap().contains("patchbay list"));
        let err = invoke(
            &webview,
            "open_url",
            serde_json::json!({"url": "file:///etc/passwd"}),
        )
        .unwrap_err();
        assert_eq!(err["code"], "invalid_input");
    }
}
