//! Windows: a Win32 message loop on the main thread, through winit (no window is ever made: it only pumps the
//! messages the notification-area icon's hidden window receives, and runs the service's jobs).

use super::SERVICE_THREAD;
use winit::application::ApplicationHandler;
use winit::event::WindowEvent;
use winit::event_loop::{ActiveEventLoop, EventLoop, EventLoopProxy};
use winit::window::WindowId;

type Job = Box<dyn FnOnce(&ActiveEventLoop) + Send>;

/// Runs jobs on the loop's thread.
#[derive(Clone)]
pub struct Host(EventLoopProxy<Job>);

impl Host {
    /// Run `job` on the loop's thread, after what was posted before. Dropped once the loop has ended.
    pub fn post(&self, job: impl FnOnce() + Send + 'static) {
        let _ = self.0.send_event(Box::new(move |_| job()));
    }
}

struct Jobs;

impl ApplicationHandler<Job> for Jobs {
    fn resumed(&mut self, _event_loop: &ActiveEventLoop) {}

    fn window_event(&mut self, _: &ActiveEventLoop, _: WindowId, _: WindowEvent) {}

    fn user_event(&mut self, event_loop: &ActiveEventLoop, job: Job) {
        job(event_loop);
    }
}

/// Run the message loop here and `service` beside it, until `service` returns (its result is this one's). Without
/// a loop, the service runs here, without a tray.
pub fn run(service: impl FnOnce(Option<Host>) -> bool + Send + 'static) -> bool {
    let event_loop = match EventLoop::<Job>::with_user_event().build() {
        Ok(event_loop) => event_loop,
        Err(e) => {
            tracing::warn!("no message loop for the tray ({e}): running without a tray");
            return service(None);
        }
    };
    let proxy = event_loop.create_proxy();
    let host = Host(proxy.clone());
    let worker = std::thread::Builder::new()
        .name(SERVICE_THREAD.into())
        .spawn(move || {
            let clean = service(Some(host));
            let _ = proxy.send_event(Box::new(|event_loop: &ActiveEventLoop| event_loop.exit()));
            clean
        });
    let worker = match worker {
        Ok(worker) => worker,
        Err(e) => {
            tracing::error!("could not start the service's thread: {e}");
            return false;
        }
    };
    if let Err(e) = event_loop.run_app(&mut Jobs) {
        tracing::warn!("the tray's message loop ended: {e}");
    }
    worker.join().unwrap_or(false)
}
