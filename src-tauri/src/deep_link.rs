//! `patchbay://` links: registered as the scheme's handler where a build from source needs it, and each link that
//! reaches the app handed to the core, which completes the sign-in waiting for it.

use crate::show_main_window;
use crate::state::AppState;
use tauri::{AppHandle, Manager, Runtime};

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

pub(crate) fn setup_deep_links<R: Runtime>(app: &AppHandle<R>) {
    use tauri_plugin_deep_link::DeepLinkExt;
    // On Linux and Windows the scheme handler is registered at run time for builds from source: on Linux a
    // .desktop file with %u, set as the default handler; on Windows `HKEY_CURRENT_USER\Software\Classes\patchbay`
    // with this executable's `"…" "%1"` command. An installed package already claims the scheme (the desktop entry
    // for every user; on Windows the installer's registry keys): registering again would put a per-user entry in
    // front of it that uninstalling cannot remove. On macOS the scheme is the app bundle's (Info.plist's
    // CFBundleURLTypes, written by the bundler from the deep-link plugin's configuration), and links arrive as
    // Apple events: nothing to register at run time.
    // Once the page is up (see `page_ready`), off the main thread: it runs xdg-mime, a shell script, and may
    // write a desktop entry, some 100 ms of work that would otherwise compete with the page's first paint.
    #[cfg(any(target_os = "linux", windows))]
    {
        let handle = app.clone();
        let ready = app.state::<crate::ShellState>().page_ready.clone();
        std::thread::spawn(move || {
            ready.wait();
            if !links_open_this_executable(&handle) {
                if let Err(e) = handle.deep_link().register_all() {
                    tracing::warn!("patchbay:// links will not reach Patchbay: {e}");
                }
            }
        });
    }
    let handle = app.clone();
    app.deep_link().on_open_url(move |event| {
        for url in event.urls() {
            handle_deep_link(&handle, url.as_str());
        }
    });
}

/// Whether the desktop already opens patchbay:// links with this very executable (an installed package).
#[cfg(target_os = "linux")]
fn links_open_this_executable<R: Runtime>(_app: &AppHandle<R>) -> bool {
    let handler = patchbay_core::desktop_entry::scheme_handler("patchbay");
    match (handler, std::env::current_exe()) {
        (Ok(Some(handler)), Ok(exe)) if handler.runs(&exe) => {
            tracing::info!(entry = %handler.desktop_id, "patchbay:// links already open this Patchbay");
            true
        }
        _ => false,
    }
}

/// Whether the registry (`HKEY_CLASSES_ROOT`: the user's keys over the machine's) already opens patchbay:// links
/// with this very executable, as the installer left it.
#[cfg(windows)]
fn links_open_this_executable<R: Runtime>(app: &AppHandle<R>) -> bool {
    use tauri_plugin_deep_link::DeepLinkExt;
    match app.deep_link().is_registered("patchbay") {
        Ok(true) => {
            tracing::info!("patchbay:// links already open this Patchbay");
            true
        }
        Ok(false) => false,
        Err(e) => {
            tracing::debug!("could not read the patchbay:// registration: {e}");
            false
        }
    }
}
