//! `patchbay://` links: registered as the scheme's handler where a build from source needs it, and each link that
//! reaches the app handed to the core, which completes the sign-in waiting for it.

use crate::state::AppState;
use crate::{show_main_window, ShellState};
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
    // On Linux and Windows the scheme handler is registered at run time (a .desktop file with %u, set as the
    // default handler) for builds from source. An installed package's desktop entry already claims the scheme
    // for every user: registering again would put a per-user entry in front of it that `dpkg -r` cannot remove.
    // Once the page is up (see `page_ready`), off the main thread: it runs xdg-mime, a shell script, and may
    // write a desktop entry, some 100 ms of work that would otherwise compete with the page's first paint.
    #[cfg(any(target_os = "linux", windows))]
    {
        let handle = app.clone();
        let ready = app.state::<ShellState>().page_ready.clone();
        std::thread::spawn(move || {
            ready.wait();
            if !links_open_this_executable() {
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
