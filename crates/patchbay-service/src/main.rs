// An installed service opens no console window at login on Windows (a build from source keeps its console, for
// its log and Ctrl-C).
#![cfg_attr(all(windows, not(debug_assertions)), windows_subsystem = "windows")]

//! `patchbay-service`: the part of Patchbay that runs all day. It checks every connection (at start-up, every 15
//! minutes, on demand), shows their state in the tray, notifies when one breaks, and starts the window when
//! asked; the window (`patchbay-app`, with WebKit) runs only while it is open. It shares the data folder with the
//! window, the CLI and the MCP server, and holds no state they cannot read back there.
//!
//! On a machine with no desktop (`--headless`, or on Linux no display to be found) it runs without a tray or
//! notifications: what breaks is said in its log (the journal, under the packages' systemd user unit). On Windows
//! and macOS the tray wants the main thread's message loop, so there the service runs on a thread beside it
//! ([`tray::main_loop`]).

mod notify;
mod service;
mod tray;
mod window;

use clap::Parser;
use patchbay_core::resident::{ServiceLock, ServiceMode};
use patchbay_core::CoreConfig;
use std::process::ExitCode;

/// Keep Patchbay's connections checked in the background, with a tray icon and notifications.
///
/// Started at login (Start at login), by the window when it is not running, or by `systemctl --user` on a
/// machine without a desktop. One runs per user (per data folder); a second start finds it and exits.
#[derive(Debug, Parser)]
#[command(name = "patchbay-service", version = version_line())]
struct Args {
    /// No tray and no notifications, for a machine without a desktop (a server, a VM). Also chosen when no
    /// display is found. A Secret Service (gnome-keyring, KeePassXC) must still be running and unlocked.
    #[arg(long)]
    headless: bool,
}

fn version_line() -> &'static str {
    static LINE: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        patchbay_core::about::version_line(env!("CARGO_PKG_VERSION"), env!("PATCHBAY_COMMIT"))
    });
    LINE.as_str()
}

/// Whether there is a desktop to show a tray and notifications on: on Linux and the BSDs, an X or Wayland
/// display; on Windows and macOS, always (the service starts in the person's own session: at login, or from
/// the window).
fn desktop_session() -> bool {
    if cfg!(any(windows, target_os = "macos")) {
        return true;
    }
    ["DISPLAY", "WAYLAND_DISPLAY"]
        .iter()
        .any(|v| std::env::var_os(v).is_some_and(|v| !v.is_empty()))
}

fn main() -> ExitCode {
    let args = Args::parse();
    init_logging();
    let config = CoreConfig::from_env();
    let lock = match ServiceLock::claim(&config.data_dir) {
        Ok(Some(lock)) => lock,
        Ok(None) => {
            let pid = match patchbay_core::resident::probe(&config.data_dir) {
                patchbay_core::resident::Resident::Running(Some(s)) => format!(" (pid {})", s.pid),
                _ => String::new(),
            };
            tracing::info!(
                data_dir = %config.data_dir.display(),
                "Patchbay's service is already running for this data folder{pid}; this one ends"
            );
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            tracing::error!("{}", e.one_line());
            return ExitCode::FAILURE;
        }
    };
    let mode = if args.headless {
        ServiceMode::Headless
    } else if desktop_session() {
        ServiceMode::Desktop
    } else {
        tracing::info!("no display (DISPLAY, WAYLAND_DISPLAY): running headless, without a tray");
        ServiceMode::Headless
    };
    tracing::info!(
        data_dir = %config.data_dir.display(),
        mode = ?mode,
        "starting Patchbay's service {}",
        version_line()
    );
    // Two workers: the service's work is a handful of tasks that wait; each check is a round trip.
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("patchbay-service")
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            tracing::error!("could not start: {e}");
            return ExitCode::FAILURE;
        }
    };
    let serve = move |host: Option<tray::Host>| {
        runtime.block_on(service::run(config, lock, mode, version_line(), host))
    };
    #[cfg(any(windows, target_os = "macos"))]
    let clean = match mode {
        ServiceMode::Desktop => tray::main_loop::run(serve),
        ServiceMode::Headless => serve(None),
    };
    #[cfg(not(any(windows, target_os = "macos")))]
    let clean = serve(Some(tray::Host));
    if clean {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// `PATCHBAY_LOG` (a tracing filter) to stderr, `info` by default: the journal under systemd, a log file in
/// the data folder when the window starts it. Libraries that log mail stay at info whatever it says.
fn init_logging() {
    patchbay_core::logging::init("info");
}
