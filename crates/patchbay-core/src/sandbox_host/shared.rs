//! One sandbox per data folder, whichever Patchbay process started it: the window, the service, the CLI and the
//! MCP server all use the same one while it runs, so mail delivered through its control endpoints, delta tokens
//! and the demo calendar's changes are the same for all of them (a sandbox keeps its mailboxes in memory; only the
//! tenant is in `sandbox-tenant.json`). The process that starts one says where it listens in `sandbox.json`;
//! the others find it there, checking that it still answers. It ends with the process that started it; the next
//! to need one starts another (its mailboxes then start afresh, and delta tokens of the old one answer 410).

use std::path::{Path, PathBuf};

const FILE: &str = "sandbox.json";
const LOCK: &str = "sandbox.lock";

/// Where a running sandbox listens, as its starter wrote it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Listing {
    pub pid: u32,
    pub base_url: url::Url,
    pub graph_url: url::Url,
    pub authority_template: String,
    pub users: Vec<(String, String)>,
}

pub struct Shared {
    dir: PathBuf,
}

impl Shared {
    pub fn new(data_dir: &Path) -> Self {
        Self {
            dir: data_dir.to_path_buf(),
        }
    }

    /// Held while a process looks for a sandbox and, finding none, starts one: two processes at once never
    /// start two.
    pub fn lock(&self) -> Option<std::fs::File> {
        let path = self.dir.join(LOCK);
        let locked = crate::store::open_private_lock(&path).and_then(|file| {
            file.lock()?;
            Ok(file)
        });
        match locked {
            Ok(file) => Some(file),
            Err(e) => {
                // Not fatal (at worst two processes each start a sandbox), but said: the data folder has a problem.
                tracing::warn!("could not take {}: {e}", path.display());
                None
            }
        }
    }

    /// The sandbox another process runs for this data folder, if it still answers.
    pub async fn find(&self) -> Option<Listing> {
        let bytes = std::fs::read(self.dir.join(FILE)).ok()?;
        let listing: Listing = serde_json::from_slice(&bytes).ok()?;
        // Only a sandbox on this computer: the file is the user's own (the data folder is 0700), but a
        // listing that sent sign-ins elsewhere would carry sandbox tokens there.
        let local = |u: &url::Url| {
            u.scheme() == "http"
                && (matches!(u.host(), Some(url::Host::Ipv4(a)) if a.is_loopback())
                    || matches!(u.host(), Some(url::Host::Ipv6(a)) if a.is_loopback()))
        };
        let authority =
            url::Url::parse(&listing.authority_template.replace("{tenant}", "t")).ok()?;
        if !(local(&listing.base_url) && local(&listing.graph_url) && local(&authority)) {
            tracing::warn!("sandbox.json names a sandbox that is not on this computer: not used");
            return None;
        }
        let home = listing.base_url.join("_sandbox").ok()?;
        let answer = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(2))
            .no_proxy()
            .build()
            .ok()?
            .get(home)
            .send()
            .await
            .ok()?;
        answer.status().is_success().then_some(listing)
    }

    /// Say where this process's sandbox listens.
    pub fn publish(&self, listing: &Listing) {
        let path = self.dir.join(FILE);
        if let Ok(bytes) = serde_json::to_vec_pretty(listing) {
            if let Err(e) = crate::store::write_atomic_unsynced(&self.dir, &path, &bytes) {
                tracing::warn!("could not write {}: {e}", path.display());
            }
        }
    }

    /// This process's sandbox ends: take its listing down (unless another process's replaced it).
    pub fn withdraw(&self) {
        let path = self.dir.join(FILE);
        let ours = std::fs::read(&path)
            .ok()
            .and_then(|b| serde_json::from_slice::<Listing>(&b).ok())
            .is_some_and(|l| l.pid == std::process::id());
        if ours {
            let _ = std::fs::remove_file(path);
        }
    }
}
