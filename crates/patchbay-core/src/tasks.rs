//! Background work that can be stopped. Every task the core starts (a sign-in flow, the health monitor, the
//! watcher of the data folder, the shell's event loop) runs under a child of one cancellation token and is
//! tracked, so [`Tasks::shutdown`] cancels everything and waits, with a limit, for it to end — the app exits
//! without cutting a refresh in half. (A sign-in's own token is also kept by the flow registry, which cancels
//! it alone.)

use std::future::Future;
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// The tasks of one [`crate::Patchbay`]: one root token, one tracker. Clones share them.
#[derive(Default, Clone)]
pub struct Tasks {
    root: CancellationToken,
    tracker: TaskTracker,
}

impl Tasks {
    /// Whether shutdown has begun (no new work should start).
    pub fn stopping(&self) -> bool {
        self.root.is_cancelled()
    }

    /// Spawn tracked work that lives as long as the core (the monitor, a sign-in, the shell's event loop): it
    /// gets a child of the root token, so only [`Tasks::shutdown`] (or the work's own token, handed out
    /// elsewhere) stops it.
    pub fn run<F, Fut>(&self, work: F)
    where
        F: FnOnce(CancellationToken) -> Fut,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let cancel = self.root.child_token();
        drop(self.tracker.spawn(work(cancel)));
    }

    /// Cancel every task and wait up to `limit` for all of them. True when all ended in time.
    pub async fn shutdown(&self, limit: Duration) -> bool {
        self.root.cancel();
        self.tracker.close();
        tokio::time::timeout(limit, self.tracker.wait())
            .await
            .is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;

    #[tokio::test]
    async fn work_runs_until_shutdown_which_waits_for_it() {
        let tasks = Tasks::default();
        let ended = Arc::new(AtomicBool::new(false));
        let flag = ended.clone();
        tasks.run(|cancel| async move {
            cancel.cancelled().await;
            flag.store(true, Ordering::SeqCst);
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!ended.load(Ordering::SeqCst), "nothing stopped it yet");
        assert!(!tasks.stopping());
        assert!(tasks.shutdown(Duration::from_secs(2)).await);
        assert!(ended.load(Ordering::SeqCst));
        assert!(tasks.stopping());
    }

    #[tokio::test]
    async fn shutdown_reports_a_task_that_does_not_stop() {
        let tasks = Tasks::default();
        tasks.run(|_cancel| async move {
            tokio::time::sleep(Duration::from_secs(60)).await;
        });
        assert!(!tasks.shutdown(Duration::from_millis(50)).await);
    }
}
