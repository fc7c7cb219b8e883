//! Patchbay's desktop shell: window, tray, single instance, deep links, and thin commands over the core.

mod commands;
pub mod state;
pub mod tray;

use patchbay_core::{CoreConfig, Patchbay};
use state::AppState;
use tauri::{AppHandle, Builder, Manager, Runtime, WindowEvent};

pub const MAIN_WINDOW: &str = "main";

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

/// Add Patchbay's plugins, state, commands and handlers to a builder (the real one or Tauri's mock).
pub fn build_app<R: Runtime>(builder: Builder<R>, options: AppOptions) -> Builder<R> {
    let mut builder = builder;
    if options.desktop_integration {
        // Single instance first: a second launch (or a patchbay:// link opened while running) lands here.
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
            commands::open_url,
        ])
        .setup(move |app| {
            if desktop {
                tray::create(app.handle(), &tray::tray_model(0, 0))?;
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
