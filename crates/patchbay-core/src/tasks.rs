//! Background work that can be stopped. Every task the core starts (a sign-in flow, the health monitor, the
//! watcher of the data folder) is owned by a handle holding its cancellation token and its join handle
//! (GitButler's watcher does the same): dropping the handle cancels the task, and [`Tasks::shutdown`] cancels
//! everything and waits, with a limit, for it to end — so the app can exit without cutting a refresh in half.

use std::future::Future;
use std::time::Duration;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// One task: cancelled when dropped.
pub struct TaskHandle {
    cancel: CancellationToken,
    join: Option<JoinHandle<()>>,
}

impl TaskHandle {
    /// Run `work` (given its own cancellation token, a child of `parent`) on the current Tokio runtime.
    pub fn spawn<F, Fut>(parent: &CancellationToken, work: F) -> Self
    where
        F: FnOnce(CancellationToken) -> Fut,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let cancel = parent.child_token();
        let join = tokio::spawn(work(cancel.clone()));
        Self {
            cancel,
            join: Some(join),
        }
    }

    pub fn cancel(&self) {
        self.cancel.cancel();
    }

    pub fn is_finished(&self) -> bool {
        self.join.as_ref().is_none_or(JoinHandle::is_finished)
    }

    /// Cancel and wait up to `limit` for the task to end (then abort it). True when it ended by itself.
    pub async fn stop(mut self, limit: Duration) -> bool {
        self.cancel.cancel();
        let Some(join) = self.join.take() else {
            return true;
        };
        let abort = join.abort_handle();
        match tokio::time::timeout(limit, join).await {
            Ok(_) => true,
            Err(_) => {
                abort.abort();
                false
            }
        }
    }
}

impl Drop for TaskHandle {
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}

/// The tasks of one [`crate::Patchbay`]: one root token, one tracker.
#[derive(Default)]
pub struct Tasks {
    root: CancellationToken,
    tracker: TaskTracker,
}

impl Tasks {
    /// The token every task of this core descends from; cancelled by [`Tasks::shutdown`].
    pub fn root(&self) -> &CancellationToken {
        &self.root
    }

    /// Whether shutdown has begun (no new work should start).
    pub fn stopping(&self) -> bool {
        self.root.is_cancelled()
    }

    /// Spawn tracked work that receives a child of the root token.
    pub fn spawn<F, Fut>(&self, work: F) -> TaskHandle
    where
        F: FnOnce(CancellationToken) -> Fut,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let cancel = self.root.child_token();
        let join = self.tracker.spawn(work(cancel.clone()));
        TaskHandle {
            cancel,
            join: Some(join),
        }
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
    async fn dropping_a_handle_cancels_its_task() {
        let tasks = Tasks::default();
        let ended = Arc::new(AtomicBool::new(false));
        let flag = ended.clone();
        let handle = tasks.spawn(|cancel| async move {
            cancel.cancelled().await;
            flag.store(true, Ordering::SeqCst);
        });
        drop(handle);
        assert!(tasks.shutdown(Duration::from_secs(2)).await);
        assert!(ended.load(Ordering::SeqCst));
    }

    #[tokio::test]
    async fn shutdown_waits_for_work_to_finish_and_reports_a_stuck_task() {
        let tasks = Tasks::default();
        let _polite = tasks.spawn(|cancel| async move { cancel.cancelled().await });
        assert!(tasks.shutdown(Duration::from_secs(2)).await);

        let tasks = Tasks::default();
        let _stuck = tasks.spawn(|_cancel| async move {
            tokio::time::sleep(Duration::from_secs(60)).await;
        });
        assert!(!tasks.shutdown(Duration::from_millis(50)).await);
    }

    #[tokio::test]
    async fn work_run_for_the_core_lifetime_runs_until_shutdown() {
        let tasks = Tasks::default();
        let ended = Arc::new(AtomicBool::new(false));
        let flag = ended.clone();
        tasks.run(|cancel| async move {
            cancel.cancelled().await;
            flag.store(true, Ordering::SeqCst);
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!ended.load(Ordering::SeqCst), "nothing stopped it yet");
        assert!(tasks.shutdown(Duration::from_secs(2)).await);
        assert!(ended.load(Ordering::SeqCst));
    }

    #[tokio::test]
    async fn stop_cancels_and_waits() {
        let parent = CancellationToken::new();
        let handle = TaskHandle::spawn(&parent, |cancel| async move { cancel.cancelled().await });
        assert!(!handle.is_finished());
        assert!(handle.stop(Duration::from_secs(2)).await);
    }
}
