//! macOS: `NSApplication`'s run loop on the main thread (AppKit wants its status items there), as an accessory
//! app: a menu bar item, no Dock icon, no menu bar of its own. Jobs reach it through the main dispatch queue.

use super::SERVICE_THREAD;
use dispatch2::DispatchQueue;
use objc2::MainThreadMarker;
use objc2_app_kit::{NSApplication, NSApplicationActivationPolicy};

/// Runs jobs on the main thread.
#[derive(Clone)]
pub struct Host;

impl Host {
    /// Run `job` on the main thread, after what was posted before.
    pub fn post(&self, job: impl FnOnce() + Send + 'static) {
        DispatchQueue::main().exec_async(job);
    }
}

/// Run AppKit's loop here and `service` beside it; when `service` returns, the process ends with its result
/// (AppKit's loop does not hand the main thread back). Off the main thread, the service runs here, without a
/// tray.
pub fn run(service: impl FnOnce(Option<Host>) -> bool + Send + 'static) -> bool {
    let Some(main_thread) = MainThreadMarker::new() else {
        tracing::warn!("not on the main thread: running without a tray");
        return service(None);
    };
    let app = NSApplication::sharedApplication(main_thread);
    app.setActivationPolicy(NSApplicationActivationPolicy::Accessory);
    let worker = std::thread::Builder::new()
        .name(SERVICE_THREAD.into())
        .spawn(move || {
            let clean = service(Some(Host));
            std::process::exit(if clean { 0 } else { 1 });
        });
    if let Err(e) = worker {
        tracing::error!("could not start the service's thread: {e}");
        return false;
    }
    app.run();
    true
}
