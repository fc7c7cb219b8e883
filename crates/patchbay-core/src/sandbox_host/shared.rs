//! One sandbox per data folder, whichever Patchbay process started it: the window, the service, the CLI and the
//! MCP server all use the same one while it runs, so mail delivered through its control endpoints, delta tokens
//! and the demo calendar's changes are the same for all of them (a sandbox keeps its mailboxes in memory; only the
//! tenant is in `sandbox-tenant.json`). The process that starts one says where it listens in `sandbox.json`;
//! the others find it there. It ends with the process that started it; the next to need one starts another (its
//! mailboxes then start afresh, and delta tokens of the old one answer 410).
//!
//! `sandbox.json` is bound to the sandbox that its writer started: it holds that sandbox's random key, and a
//! reader trusts a listing only once the sandbox answering at its address proves it holds the key (HMAC of a
//! fresh challenge, `GET /_sandbox/proof`), and again before every use, so a program that took the port after
//! the sandbox ended (or answers in its place) is never sent a sign-in. A listing without a key, or whose
//! sandbox does not prove it, is not used: this process starts its own.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use std::path::{Path, PathBuf};

const FILE: &str = "sandbox.json";
const LOCK: &str = "sandbox.lock";
/// What the proof is of (the sandbox's `proof.rs` uses the same).
const CONTEXT: &[u8] = b"patchbay-sandbox-proof/1\0";

/// A sandbox's proof key, as its listing holds it (base64url). Its `Debug` says nothing of it.
#[derive(Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct ProofKey(pub String);

impl std::fmt::Debug for ProofKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ProofKey(..)")
    }
}

/// Where a running sandbox listens, as its starter wrote it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Listing {
    pub pid: u32,
    pub base_url: url::Url,
    pub graph_url: url::Url,
    pub authority_template: String,
    pub users: Vec<(String, String)>,
    /// The sandbox's key: with it, a reader checks that the sandbox answering at `base_url` is this one. Empty
    /// in a listing written before there were keys (never trusted).
    #[serde(default)]
    pub proof_key: ProofKey,
}

pub struct Shared {
    dir: PathBuf,
}

/// Whether the sandbox at `listing.base_url` proves it holds the listing's key.
pub async fn proves(listing: &Listing) -> bool {
    let Ok(key) = URL_SAFE_NO_PAD.decode(&listing.proof_key.0) else {
        return false;
    };
    if key.len() < 16 {
        return false;
    }
    let challenge: [u8; 32] = rand::random();
    let Ok(mut url) = listing.base_url.join("_sandbox/proof") else {
        return false;
    };
    url.query_pairs_mut()
        .append_pair("challenge", &URL_SAFE_NO_PAD.encode(challenge));
    #[derive(serde::Deserialize)]
    struct Answer {
        proof: String,
    }
    let answer = async {
        let response = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(2))
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .ok()?
            .get(url)
            .send()
            .await
            .ok()?;
        if !response.status().is_success() {
            return None;
        }
        let bytes = crate::body::read_capped(response, 4096).await.ok()?;
        let answer: Answer = serde_json::from_slice(&bytes).ok()?;
        URL_SAFE_NO_PAD.decode(answer.proof).ok()
    };
    let Some(proof) = answer.await else {
        return false;
    };
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &key);
    ring::hmac::verify(&key, &[CONTEXT, &challenge].concat(), &proof).is_ok()
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
        crate::store::ensure_private_dir(&self.dir).ok()?;
        let file = crate::store::open_private(
            std::fs::OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true),
            &self.dir.join(LOCK),
        )
        .ok()?;
        file.lock().ok()?;
        Some(file)
    }

    /// The sandbox another process runs for this data folder, if it proves it is the one listed.
    pub async fn find(&self) -> Option<Listing> {
        let bytes = std::fs::read(self.dir.join(FILE)).ok()?;
        let listing: Listing = serde_json::from_slice(&bytes).ok()?;
        // Only a sandbox on this computer: the file is the user's own (the data folder is 0700), but a
        // listing that sent sign-ins elsewhere would carry sandbox tokens there.
        let local = |u: &url::Url| u.scheme() == "http" && crate::net::is_loopback_url(u);
        let authority =
            url::Url::parse(&listing.authority_template.replace("{tenant}", "t")).ok()?;
        if !(local(&listing.base_url) && local(&listing.graph_url) && local(&authority)) {
            tracing::warn!("sandbox.json names a sandbox that is not on this computer: not used");
            return None;
        }
        if !proves(&listing).await {
            tracing::info!(url = %listing.base_url, "the sandbox sandbox.json names does not prove it is the one listed (it ended, or another program answers there): not used");
            return None;
        }
        Some(listing)
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
