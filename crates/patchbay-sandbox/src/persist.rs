//! The tenant's durable state in a file, so the sandbox behaves like a real tenant across restarts: grants,
//! refresh and access tokens, consents and app registrations outlive the process that issued them, and every
//! process serving the same file (the desktop app and any number of `patchbay` commands) sees one tenant.
//!
//! The file is the shared truth; each process keeps a copy in memory. Every [`crate::state::AppState::lock`]
//! takes an exclusive `flock` on `<file>.lock` (held for microseconds), reloads the copy when another process
//! wrote the file since, and writes it back (temp file + rename) when the durable part changed. Sign-in
//! transactions, codes, toggles and counters stay per process.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::state::{AccessGrant, App, RefreshGrant};

const VERSION: u32 = 1;

/// What a tenant keeps.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Durable {
    pub apps: HashMap<String, App>,
    pub refresh_tokens: HashMap<String, RefreshGrant>,
    pub access_tokens: HashMap<String, AccessGrant>,
    /// (user id, client id) → consented scopes.
    pub consents: HashMap<(String, String), Vec<String>>,
    pub admin_consented: HashSet<String>,
}

/// The file's shape: sorted, so the same state always writes the same bytes.
#[derive(Serialize, Deserialize)]
struct FileShape {
    version: u32,
    apps: BTreeMap<String, PersistedApp>,
    refresh_tokens: BTreeMap<String, RefreshGrant>,
    access_tokens: BTreeMap<String, AccessGrant>,
    consents: Vec<Consent>,
    admin_consented: BTreeSet<String>,
}

/// An app registration with its secret's digest (which the `/_sandbox/apps` listing never shows).
#[derive(Serialize, Deserialize)]
struct PersistedApp {
    #[serde(flatten)]
    app: App,
    secret: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct Consent {
    user_id: String,
    client_id: String,
    scopes: Vec<String>,
}

impl Durable {
    fn to_bytes(&self) -> Vec<u8> {
        let mut consents: Vec<Consent> = self
            .consents
            .iter()
            .map(|((user_id, client_id), scopes)| Consent {
                user_id: user_id.clone(),
                client_id: client_id.clone(),
                scopes: scopes.clone(),
            })
            .collect();
        consents.sort_by(|a, b| (&a.user_id, &a.client_id).cmp(&(&b.user_id, &b.client_id)));
        let shape = FileShape {
            version: VERSION,
            apps: self
                .apps
                .iter()
                .map(|(id, app)| {
                    (
                        id.clone(),
                        PersistedApp {
                            app: app.clone(),
                            secret: app.secret.clone(),
                        },
                    )
                })
                .collect(),
            refresh_tokens: self
                .refresh_tokens
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            access_tokens: self
                .access_tokens
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            consents,
            admin_consented: self.admin_consented.iter().cloned().collect(),
        };
        serde_json::to_vec(&shape).unwrap_or_default()
    }

    fn from_bytes(bytes: &[u8]) -> Option<Durable> {
        let shape: FileShape = serde_json::from_slice(bytes).ok()?;
        if shape.version != VERSION {
            return None;
        }
        Some(Durable {
            apps: shape
                .apps
                .into_iter()
                .map(|(id, p)| {
                    let mut app = p.app;
                    app.secret = p.secret;
                    (id, app)
                })
                .collect(),
            refresh_tokens: shape.refresh_tokens.into_iter().collect(),
            access_tokens: shape.access_tokens.into_iter().collect(),
            consents: shape
                .consents
                .into_iter()
                .map(|c| ((c.user_id, c.client_id), c.scopes))
                .collect(),
            admin_consented: shape.admin_consented.into_iter().collect(),
        })
    }
}

/// Identifies one version of the file: a rename gives a new inode, a write a new mtime and length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    #[cfg(unix)]
    inode: u64,
    modified: Option<std::time::SystemTime>,
    len: u64,
}

fn stamp(path: &Path) -> Option<Stamp> {
    let meta = std::fs::metadata(path).ok()?;
    Some(Stamp {
        #[cfg(unix)]
        inode: std::os::unix::fs::MetadataExt::ino(&meta),
        modified: meta.modified().ok(),
        len: meta.len(),
    })
}

/// The file and what this process last read or wrote of it.
pub struct TenantFile {
    path: PathBuf,
    lock_path: PathBuf,
    seen: Option<Stamp>,
    /// The bytes of the last state read or written: a save with the same bytes is skipped.
    last: Vec<u8>,
}

impl TenantFile {
    pub fn new(path: PathBuf) -> TenantFile {
        let mut lock_path = path.clone().into_os_string();
        lock_path.push(".lock");
        TenantFile {
            path,
            lock_path: PathBuf::from(lock_path),
            seen: None,
            last: Vec::new(),
        }
    }

    /// Take the cross-process lock (released when the returned file is dropped).
    pub fn lock(&self) -> std::io::Result<File> {
        if let Some(dir) = self.path.parent() {
            if !dir.exists() {
                // Private, as Patchbay's data folder is (the sandbox may be the first to create it).
                let mut builder = std::fs::DirBuilder::new();
                builder.recursive(true);
                #[cfg(unix)]
                std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
                builder.create(dir)?;
            }
        }
        let mut options = OpenOptions::new();
        options.create(true).truncate(false).write(true);
        no_follow(&mut options);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options.open(&self.lock_path)?;
        file.lock()?;
        Ok(file)
    }

    /// Replace `durable` by the file's content when another process changed the file since this one last
    /// looked. A missing file keeps `durable` (the tenant starts from its built-in state); an unreadable one is
    /// logged and ignored (it is overwritten at the next change).
    pub fn reload(&mut self, durable: &mut Durable) {
        let now = stamp(&self.path);
        if now.is_none() || now == self.seen {
            return;
        }
        match std::fs::read(&self.path) {
            Ok(bytes) => {
                match Durable::from_bytes(&bytes) {
                    Some(state) => *durable = state,
                    None => tracing::warn!(
                        path = %self.path.display(),
                        "the sandbox's tenant file cannot be read; starting from the built-in tenant"
                    ),
                }
                self.last = bytes;
                self.seen = now;
            }
            Err(e) => {
                tracing::warn!(path = %self.path.display(), "cannot read the sandbox's tenant file: {e}")
            }
        }
    }

    /// Write `durable` when it differs from what the file holds.
    pub fn save(&mut self, durable: &Durable) {
        let bytes = durable.to_bytes();
        if bytes == self.last && self.seen.is_some() {
            return;
        }
        match write_atomic(&self.path, &bytes) {
            Ok(()) => {
                self.seen = stamp(&self.path);
                self.last = bytes;
            }
            Err(e) => {
                tracing::warn!(path = %self.path.display(), "cannot save the sandbox's tenant file: {e}")
            }
        }
    }
}

/// Open without following a symbolic link at the last component. The tenant file may sit in a folder others
/// can write to (`--tenant-file /tmp/…`): a link planted at the lock's or the temp file's name would otherwise
/// have the sandbox create or truncate whatever it points to, with the sandbox's rights.
fn no_follow(options: &mut OpenOptions) {
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(
        options,
        rustix::fs::OFlags::NOFOLLOW.bits() as i32,
    );
    #[cfg(not(unix))]
    let _ = options;
}

/// Temp file in the same folder, mode 0600 (it holds the demo tenant's tokens), then rename. No fsync: this is a
/// demo tenant, and a torn write only loses demo grants.
fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    // A name no one can plant in advance; created exclusively, never through a link (see `no_follow`).
    let tmp = dir.join(format!(
        ".{}.tmp-{}-{}",
        path.file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("tenant"),
        std::process::id(),
        crate::util::random_b64(1)
    ));
    write_via(&tmp, path, bytes)
}

fn write_via(tmp: &Path, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    {
        let mut options = OpenOptions::new();
        options.create_new(true).write(true);
        no_follow(&mut options);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(tmp)?;
        if let Err(e) = file.write_all(bytes) {
            let _ = std::fs::remove_file(tmp);
            return Err(e);
        }
    }
    std::fs::rename(tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::built_in_apps;

    fn grant(user: &str) -> RefreshGrant {
        RefreshGrant {
            client_id: "c".into(),
            user_id: user.into(),
            scopes: vec!["openid".into()],
            issued_unix: 1,
            used_unix_ms: None,
            revoked: false,
            expired: false,
        }
    }

    #[test]
    fn state_round_trips_with_secrets_and_consents() {
        let mut d = Durable {
            apps: built_in_apps(),
            ..Durable::default()
        };
        d.refresh_tokens.insert("rt".into(), grant("u"));
        d.consents
            .insert(("u".into(), "c".into()), vec!["Mail.Read".into()]);
        d.admin_consented.insert("c".into());
        let back = Durable::from_bytes(&d.to_bytes()).unwrap();
        assert_eq!(back, d);
        assert!(back.apps.values().any(|a| a.secret.is_some()));
    }

    #[test]
    fn two_processes_see_each_others_changes() {
        let dir = tempfile_dir();
        let path = dir.join("tenant.json");
        let mut a = TenantFile::new(path.clone());
        let mut b = TenantFile::new(path.clone());
        let mut state_a = Durable::default();
        let mut state_b = Durable::default();
        {
            let _lock = a.lock().unwrap();
            a.reload(&mut state_a);
            state_a.refresh_tokens.insert("rt-1".into(), grant("u"));
            a.save(&state_a);
        }
        {
            let _lock = b.lock().unwrap();
            b.reload(&mut state_b);
            assert!(state_b.refresh_tokens.contains_key("rt-1"));
            state_b.refresh_tokens.get_mut("rt-1").unwrap().revoked = true;
            b.save(&state_b);
        }
        a.reload(&mut state_a);
        assert!(state_a.refresh_tokens["rt-1"].revoked);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn links_planted_at_the_lock_or_temp_name_are_not_followed() {
        let dir = tempfile_dir();
        let victim = dir.join("victim");
        std::fs::write(&victim, b"precious").unwrap();
        let path = dir.join("tenant.json");
        std::os::unix::fs::symlink(&victim, dir.join("tenant.json.lock")).unwrap();
        let file = TenantFile::new(path.clone());
        assert!(file.lock().is_err(), "a linked lock is refused");
        let tmp = dir.join(".tenant.json.tmp-planted");
        std::os::unix::fs::symlink(&victim, &tmp).unwrap();
        assert!(
            write_via(&tmp, &path, b"{}").is_err(),
            "a linked temp file is refused"
        );
        // A plain file planted there is refused too (exclusive creation), and nothing reached the victim.
        let planted = dir.join(".tenant.json.tmp-plain");
        std::fs::write(&planted, b"").unwrap();
        assert!(write_via(&planted, &path, b"{}").is_err());
        assert_eq!(std::fs::read(&victim).unwrap(), b"precious");
        assert!(!path.exists());
        std::fs::remove_dir_all(dir).unwrap();
    }

    fn tempfile_dir() -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("pb-sandbox-persist-{}", crate::util::new_guid()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }
}
