//! Hearing other processes' changes to the data folder: the window, the resident service, the CLI and the MCP
//! server each write `connections.json` and `status/<id>.json`, and each running one must see the others'
//! writes within a second (a `patchbay check` that finds a connection broken turns the tray and notifies).
//!
//! The kernel says when those files change (inotify on Linux, through the `notify` crate), so an idle Patchbay
//! reads nothing and wakes for nothing: no timer polls the folder. Writes are atomic renames, often many at
//! once (a sweep writes one status per connection), so the events of a short moment are taken together and
//! the view is read once. Where the folder cannot be watched (inotify's watch limit reached, a file system
//! without it) the watcher says so in the log and looks every two seconds instead.

use super::Registry;
use crate::store::ensure_private_dir;
use notify::{RecursiveMode, Watcher};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// How long to gather events before reading the view again: a sweep's burst of writes becomes one read.
const GATHER: Duration = Duration::from_millis(30);
/// Where the folder cannot be watched: how often to look instead.
const FALLBACK_EVERY: Duration = Duration::from_secs(2);

/// Whether a changed path is one the view is made of: the list, or a connection's status (not a temporary
/// file on its way to becoming one, which starts with a dot).
fn matters(data_dir: &Path, path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    if name.starts_with('.') {
        return false;
    }
    match path.parent() {
        Some(parent) if parent == data_dir => name == crate::store::FILE_NAME,
        Some(parent) if parent == data_dir.join("status") => name.ends_with(".json"),
        _ => false,
    }
}

/// Start the kernel's watch of `data_dir` and `data_dir/status`; each change that matters wakes `tx`.
fn start(
    data_dir: &Path,
    tx: mpsc::UnboundedSender<()>,
) -> notify::Result<notify::RecommendedWatcher> {
    let dir = data_dir.to_path_buf();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        match event {
            Ok(event) if event.paths.iter().any(|p| matters(&dir, p)) => {
                let _ = tx.send(());
            }
            Ok(_) => {}
            // The kernel dropped events (its queue overflowed): read everything again.
            Err(e) => {
                tracing::debug!("data folder watch: {e}");
                let _ = tx.send(());
            }
        }
    })?;
    watcher.watch(data_dir, RecursiveMode::NonRecursive)?;
    watcher.watch(&data_dir.join("status"), RecursiveMode::NonRecursive)?;
    Ok(watcher)
}

/// Keep `registry`'s view current with what other processes write, until `cancel`.
pub(crate) async fn watch(registry: Arc<Registry>, data_dir: PathBuf, cancel: CancellationToken) {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let watcher = ensure_private_dir(&data_dir.join("status"))
        .map_err(notify::Error::io)
        .and_then(|()| start(&data_dir, tx));
    let _watcher = match watcher {
        Ok(w) => {
            tracing::debug!(dir = %data_dir.display(), "watching the data folder");
            w
        }
        Err(e) => {
            tracing::warn!(
                dir = %data_dir.display(),
                "the data folder cannot be watched ({e}); looking at it every {} s instead",
                FALLBACK_EVERY.as_secs()
            );
            return poll(registry, cancel).await;
        }
    };
    // Anything written between the view's first read and the watch's start.
    registry.poll();
    loop {
        tokio::select! {
            _ = cancel.cancelled() => return,
            woke = rx.recv() => if woke.is_none() { return },
        }
        tokio::time::sleep(GATHER).await;
        while rx.try_recv().is_ok() {}
        registry.refresh();
    }
}

/// Without the kernel's help: look at the files' stamps every few seconds.
async fn poll(registry: Arc<Registry>, cancel: CancellationToken) {
    loop {
        tokio::select! {
            _ = cancel.cancelled() => return,
            _ = tokio::time::sleep(FALLBACK_EVERY) => registry.poll(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_list_and_the_statuses_matter() {
        let dir = Path::new("/d");
        assert!(matters(dir, Path::new("/d/connections.json")));
        assert!(matters(dir, Path::new("/d/status/abc.json")));
        assert!(!matters(dir, Path::new("/d/status/.tmpXYZ")));
        assert!(!matters(dir, Path::new("/d/.tmp123")));
        assert!(!matters(dir, Path::new("/d/locks/abc.lock")));
        assert!(!matters(dir, Path::new("/d/secrets/abc.sealed")));
        assert!(!matters(dir, Path::new("/d/sandbox-tenant.json")));
        assert!(!matters(dir, Path::new("/elsewhere/connections.json")));
    }
}
