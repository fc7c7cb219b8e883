//! One refresh at a time per connection, in this process and across processes (the app and any number of
//! `patchbay` commands). Inside a process an async mutex per connection queues the callers; across processes
//! an exclusive `flock` on `locks/<id>.lock` does. Whoever gets the lock second finds the token the first one
//! stored and does not refresh again, so N concurrent callers cause one refresh request.

use crate::error::{ErrorCode, ErrorInfo};
use crate::store::ensure_private_dir;
use crate::tokens::RefreshError;
use std::collections::HashMap;
use std::fs::{File, OpenOptions, TryLockError};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::OwnedMutexGuard;

/// How often a waiting process tries the file lock again. A refresh holds it for one round trip.
const POLL: Duration = Duration::from_millis(10);

pub struct ConnectionLocks {
    dir: PathBuf,
    local: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    /// The last time Microsoft could not be reached for a connection (Unix ms), and what it said: callers that
    /// queued behind that refresh share its answer.
    failures: Mutex<HashMap<String, (std::time::Instant, RefreshError)>>,
}

/// Held while one connection's tokens are refreshed; released on drop.
pub struct ConnectionGuard {
    file: File,
    _local: OwnedMutexGuard<()>,
}

impl Drop for ConnectionGuard {
    fn drop(&mut self) {
        let _ = self.file.unlock();
    }
}

fn lock_error(e: impl std::fmt::Display, path: &std::path::Path) -> ErrorInfo {
    ErrorInfo::new(
        ErrorCode::Storage,
        "Patchbay could not lock a connection for its refresh.",
        format!(
            "Check that {} is writable by you and the disk is not full.",
            path.display()
        ),
    )
    .with_detail(e.to_string())
}

impl ConnectionLocks {
    pub fn new(data_dir: &std::path::Path) -> Self {
        Self {
            dir: data_dir.join("locks"),
            local: Mutex::new(HashMap::new()),
            failures: Mutex::new(HashMap::new()),
        }
    }

    fn path(&self, id: &str) -> PathBuf {
        self.dir.join(format!("{id}.lock"))
    }

    /// Wait for the connection's lock (in this process first, then across processes).
    pub async fn acquire(&self, id: &str) -> Result<ConnectionGuard, ErrorInfo> {
        let local = {
            let mut map = self.local.lock().unwrap_or_else(|p| p.into_inner());
            map.entry(id.to_string()).or_default().clone()
        };
        let local = local.lock_owned().await;
        ensure_private_dir(&self.dir).map_err(|e| lock_error(e, &self.dir))?;
        let path = self.path(id);
        let file = crate::store::open_private(
            OpenOptions::new().create(true).truncate(false).write(true),
            &path,
        )
        .map_err(|e| lock_error(e, &path))?;
        loop {
            match file.try_lock() {
                Ok(()) => break,
                Err(TryLockError::WouldBlock) => tokio::time::sleep(POLL).await,
                Err(TryLockError::Error(e)) => return Err(lock_error(e, &path)),
            }
        }
        Ok(ConnectionGuard {
            file,
            _local: local,
        })
    }

    /// Remember that a refresh of `id` could not reach Microsoft just now.
    pub fn note_failure(&self, id: &str, error: RefreshError) {
        self.failures
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(id.to_string(), (std::time::Instant::now(), error));
    }

    /// The failure a refresh of `id` met after `asked` (the caller queued behind it), if any. On the monotonic
    /// clock: a failure noted in the same millisecond as a later question is not taken for its answer.
    pub fn failed_since(&self, id: &str, asked: std::time::Instant) -> Option<RefreshError> {
        self.failures
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(id)
            .filter(|(at, _)| *at > asked)
            .map(|(_, e)| e.clone())
    }

    /// Forget a removed connection's lock file.
    pub fn remove(&self, id: &str) {
        let _ = std::fs::remove_file(self.path(id));
        self.local
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn holders_of_one_connection_take_turns_across_lock_sets() {
        let dir = tempfile::tempdir().unwrap();
        // Two sets stand for two processes: each has its own file handles.
        let a = Arc::new(ConnectionLocks::new(dir.path()));
        let b = Arc::new(ConnectionLocks::new(dir.path()));
        let inside = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for i in 0..8 {
            let locks = if i % 2 == 0 { a.clone() } else { b.clone() };
            let (inside, most) = (inside.clone(), most.clone());
            tasks.push(tokio::spawn(async move {
                let _g = locks.acquire("conn-1").await.unwrap();
                let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(5)).await;
                inside.fetch_sub(1, Ordering::SeqCst);
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        assert_eq!(most.load(Ordering::SeqCst), 1);
        // Another connection is not blocked by this one.
        let _one = a.acquire("conn-1").await.unwrap();
        let _other = b.acquire("conn-2").await.unwrap();
    }
}
