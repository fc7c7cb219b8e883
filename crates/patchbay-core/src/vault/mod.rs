//! Secrets at rest. One random vault key per installation lives in the OS keychain (one item, one prompt on
//! macOS, no 2,560-byte Windows limit to hit); every secret is sealed with XChaCha20-Poly1305 under that key in
//! `secrets/<name>.sealed` (mode 0600). Without the keychain nothing is stored: there is no plain-text fallback.

mod error;
mod keys;

pub use error::{missing_key_with_sealed_files, VaultError};
pub use keys::{keychain_error, KeyStore, Keychain, MemoryKeyStore};

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use zeroize::Zeroizing;

const MAGIC: &[u8; 4] = b"PBV1";

/// A vault key's public name: the first 16 bytes of SHA-256 over the key, domain-separated, in hex. It says
/// which key sealed the folder's secrets without saying anything about the key.
fn key_id(key: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::new()
        .chain_update(b"patchbay-vault-key-id-v1:")
        .chain_update(key)
        .finalize();
    digest[..16].iter().map(|b| format!("{b:02x}")).collect()
}

pub struct Vault {
    dir: PathBuf,
    keys: Box<dyn KeyStore>,
    key: Mutex<Option<Zeroizing<Vec<u8>>>>,
}

fn disk(what: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> VaultError {
    let path = path.to_path_buf();
    move |source| VaultError::Disk { what, path, source }
}

impl Vault {
    /// A vault whose sealed files live in `dir` (created mode 0700 when needed).
    pub fn new(dir: PathBuf, keys: Box<dyn KeyStore>) -> Self {
        Self {
            dir,
            keys,
            key: Mutex::new(None),
        }
    }

    /// The key, created on first use. Callers hold the store's cross-process lock when they may create it, so two
    /// processes never race to make different keys.
    ///
    /// Another process may replace the key (`patchbay reset-vault`, the window's Make a new vault key) while
    /// this one holds the old one: the folder's `key-id` names the key its secrets are sealed under, and a
    /// cached key that is no longer the one named is dropped and the keychain read again, so that nothing is
    /// ever sealed under a key that is gone (it would read as damaged everywhere else, and be lost).
    fn key(&self, create: bool) -> Result<Zeroizing<Vec<u8>>, VaultError> {
        let mut cached = self.key.lock().expect("vault key");
        let named = self.read_key_id()?;
        let mut replaced = false;
        if let Some(key) = cached.as_ref() {
            if named.as_deref().is_none_or(|id| id == key_id(key)) {
                return Ok(key.clone());
            }
            tracing::info!(
                "the vault key was replaced by another Patchbay process; reading the new one"
            );
            *cached = None;
            replaced = true;
        }
        let key = self.load_named(named.as_deref(), replaced, create)?;
        if named.is_none() {
            // A folder from before key ids (or a first key): name the key now.
            self.write_key_id(&key)?;
        }
        *cached = Some(key.clone());
        Ok(key)
    }

    /// The keychain's key, checked against the folder's `key-id`. Just after a replacement the keychain may
    /// still be catching up with the id (the replacing process writes the id first): wait a moment for it.
    fn load_named(
        &self,
        named: Option<&str>,
        replaced: bool,
        create: bool,
    ) -> Result<Zeroizing<Vec<u8>>, VaultError> {
        let mut tries = if replaced { 20 } else { 1 };
        loop {
            let key = self.load_or_mint(create)?;
            match named {
                Some(id) if id != key_id(&key) => {
                    tries -= 1;
                    if tries == 0 {
                        return Err(VaultError::KeyMismatch);
                    }
                    std::thread::sleep(std::time::Duration::from_millis(50));
                }
                _ => return Ok(key),
            }
        }
    }

    fn load_or_mint(&self, create: bool) -> Result<Zeroizing<Vec<u8>>, VaultError> {
        Ok(match self.keys.load()? {
            Some(key) if key.len() == 32 => key,
            Some(_) => return Err(VaultError::KeyDamaged),
            // Sealed files with no key: the keychain was reset, locked into another, or its item deleted. A new
            // key would make every one of them unreadable at once, so none is made without being asked
            // (`start_new_key`).
            None if create && self.sealed_count() > 0 => {
                return Err(VaultError::KeyMissing {
                    sealed: self.sealed_count(),
                })
            }
            None if create => self.mint()?,
            None => return Err(VaultError::KeyGone),
        })
    }

    /// A new key: named in `key-id` first, then stored in the keychain, so that a process holding the old key
    /// sees the change before it could seal anything under the new one's name with the old one.
    fn mint(&self) -> Result<Zeroizing<Vec<u8>>, VaultError> {
        let mut key = Zeroizing::new(vec![0u8; 32]);
        rand::rngs::OsRng.fill_bytes(&mut key);
        self.write_key_id(&key)?;
        self.keys.store(&key)?;
        Ok(key)
    }

    fn key_id_path(&self) -> PathBuf {
        self.dir.join("key-id")
    }

    /// The id in the folder's `key-id`, if it has one.
    fn read_key_id(&self) -> Result<Option<String>, VaultError> {
        let path = self.key_id_path();
        match std::fs::read_to_string(&path) {
            Ok(text) => Ok(Some(text.trim().to_string()).filter(|t| !t.is_empty())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(disk("read the vault's key id", &path)(e)),
        }
    }

    fn write_key_id(&self, key: &[u8]) -> Result<(), VaultError> {
        crate::store::write_atomic(&self.dir, &self.key_id_path(), key_id(key).as_bytes())
            .map_err(disk("save the vault's key id", &self.dir))
    }

    /// How many sealed files are in the vault's folder.
    pub fn sealed_count(&self) -> usize {
        std::fs::read_dir(&self.dir)
            .map(|entries| {
                entries
                    .flatten()
                    .filter(|e| e.path().extension().is_some_and(|x| x == "sealed"))
                    .count()
            })
            .unwrap_or(0)
    }

    /// Asked for, after [`missing_key_with_sealed_files`]: set every sealed file aside in `orphaned-<time>/`
    /// (nothing is deleted: should the old key come back, they can be moved back) and make a new key. Each
    /// connection then needs Fix. Call under the store lock. Returns the folder the files went to, if any.
    pub fn start_new_key(&self) -> Result<Option<PathBuf>, VaultError> {
        let mut cached = self.key.lock().expect("vault key");
        if self.keys.load()?.is_some() {
            return Err(VaultError::KeyPresent);
        }
        let mut aside = None;
        if self.sealed_count() > 0 {
            let stamp = time::OffsetDateTime::now_utc().unix_timestamp();
            let folder = self.dir.join(format!("orphaned-{stamp}"));
            crate::store::ensure_private_dir(&folder)
                .map_err(disk("set the old sealed files aside", &folder))?;
            for entry in std::fs::read_dir(&self.dir)
                .map_err(disk("list the sealed files", &self.dir))?
                .flatten()
            {
                let path = entry.path();
                if path.extension().is_some_and(|x| x == "sealed") {
                    let to = folder.join(entry.file_name());
                    std::fs::rename(&path, &to).map_err(disk("set a sealed file aside", &path))?;
                }
            }
            aside = Some(folder);
        }
        *cached = Some(self.mint()?);
        Ok(aside)
    }

    /// Whether the vault key is in the keychain (never creates it). An error when the keychain cannot be used.
    pub fn key_present(&self) -> Result<bool, VaultError> {
        if self.key.lock().expect("vault key").is_some() {
            return Ok(true);
        }
        Ok(self.keys.load()?.is_some())
    }

    /// Load the vault key, creating it if there is none. Call under the store lock.
    pub fn ensure_key(&self) -> Result<(), VaultError> {
        self.key(true).map(|_| ())
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(format!("{name}.sealed"))
    }

    fn aad(name: &str) -> Vec<u8> {
        format!("patchbay-vault-v1:{name}").into_bytes()
    }

    /// Seal `plaintext` as `name` (an id: letters, digits, dashes).
    pub fn seal(&self, name: &str, plaintext: &[u8]) -> Result<(), VaultError> {
        assert!(
            name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'),
            "vault names are ids"
        );
        let key = self.key(true)?;
        let cipher = XChaCha20Poly1305::new_from_slice(&key).expect("32-byte key");
        let mut nonce = [0u8; 24];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let ciphertext = cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad: &Self::aad(name),
                },
            )
            .map_err(|_| VaultError::Seal)?;
        let mut file = Vec::with_capacity(4 + 24 + ciphertext.len());
        file.extend_from_slice(MAGIC);
        file.extend_from_slice(&nonce);
        file.extend_from_slice(&ciphertext);
        crate::store::write_atomic(&self.dir, &self.path(name), &file)
            .map_err(disk("save a sealed secret", &self.dir))
    }

    /// Seal `plaintext` as `name` again, with the vault key that already exists (never creating one, so no store
    /// lock is needed): a connection's renewed tokens.
    pub fn reseal(&self, name: &str, plaintext: &[u8]) -> Result<(), VaultError> {
        self.key(false)?;
        self.seal(name, plaintext)
    }

    /// The sealed file of `name` as it is now (`None`: there is none).
    pub fn stamp(&self, name: &str) -> Option<crate::store::FileStamp> {
        crate::store::FileStamp::of(&self.path(name))
    }

    /// Open the secret sealed as `name`; `None` if there is none.
    pub fn open(&self, name: &str) -> Result<Option<Zeroizing<Vec<u8>>>, VaultError> {
        let path = self.path(name);
        let file = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(disk("read a sealed secret", &path)(e)),
        };
        if file.len() < 4 + 24 + 16 || &file[..4] != MAGIC {
            return Err(VaultError::Damaged);
        }
        let key = self.key(false)?;
        let cipher = XChaCha20Poly1305::new_from_slice(&key).expect("32-byte key");
        let plaintext = cipher
            .decrypt(
                XNonce::from_slice(&file[4..28]),
                Payload {
                    msg: &file[28..],
                    aad: &Self::aad(name),
                },
            )
            .map_err(|_| VaultError::Damaged)?;
        Ok(Some(Zeroizing::new(plaintext)))
    }

    pub fn remove(&self, name: &str) -> Result<(), VaultError> {
        match std::fs::remove_file(self.path(name)) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(disk("remove a sealed secret", &self.dir)(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{ErrorCode, ErrorInfo, Remedy};

    fn vault(dir: &Path) -> Vault {
        Vault::new(dir.to_path_buf(), Box::<MemoryKeyStore>::default())
    }

    #[test]
    fn seal_and_open_round_trip_without_plaintext_on_disk() {
        let dir = tempfile::tempdir().unwrap();
        let v = vault(dir.path());
        v.seal("conn-1", b"refresh-token-value-123").unwrap();
        assert_eq!(
            &v.open("conn-1").unwrap().unwrap()[..],
            b"refresh-token-value-123"
        );
        let on_disk = std::fs::read(dir.path().join("conn-1.sealed")).unwrap();
        assert!(!on_disk.windows(10).any(|w| w == b"refresh-to"));
        assert!(v.open("missing").unwrap().is_none());
        v.remove("conn-1").unwrap();
        assert!(v.open("conn-1").unwrap().is_none());
    }

    #[test]
    fn a_file_renamed_to_another_connection_does_not_open() {
        let dir = tempfile::tempdir().unwrap();
        let v = vault(dir.path());
        v.seal("a", b"secret").unwrap();
        std::fs::copy(dir.path().join("a.sealed"), dir.path().join("b.sealed")).unwrap();
        assert!(matches!(v.open("b").unwrap_err(), VaultError::Damaged));
    }

    #[test]
    fn another_key_cannot_open_and_a_missing_key_is_explained() {
        let dir = tempfile::tempdir().unwrap();
        vault(dir.path()).seal("a", b"secret").unwrap();
        let other = vault(dir.path());
        other.keys.store(&[7u8; 32]).unwrap();
        // The folder names the key its secrets need: another one is refused as such, and never used.
        assert!(matches!(
            other.open("a").unwrap_err(),
            VaultError::KeyMismatch
        ));
        assert!(matches!(
            other.seal("b", b"x").unwrap_err(),
            VaultError::KeyMismatch
        ));
        assert!(!dir.path().join("b.sealed").exists());
        // Without the name (a folder from before key ids), a file sealed under another key is damaged.
        std::fs::remove_file(dir.path().join("key-id")).unwrap();
        assert!(matches!(other.open("a").unwrap_err(), VaultError::Damaged));
        std::fs::remove_file(dir.path().join("key-id")).unwrap();
        let err = ErrorInfo::from(vault(dir.path()).open("a").unwrap_err());
        assert_eq!(err.code, ErrorCode::KeychainUnavailable);
        assert!(err.title.contains("missing"));
    }

    #[test]
    fn a_missing_key_is_not_silently_replaced_over_sealed_files() {
        let dir = tempfile::tempdir().unwrap();
        vault(dir.path()).seal("a", b"secret").unwrap();
        // The keychain item is gone (a fresh MemoryKeyStore): sealing anew must not mint a key over "a".
        let v = vault(dir.path());
        let e = ErrorInfo::from(v.seal("b", b"other").unwrap_err());
        assert_eq!(e.code, ErrorCode::KeychainUnavailable);
        assert_eq!(e.remedy, Some(Remedy::ResetVault));
        let cli = e.for_surface(crate::error::Surface::Cli);
        assert!(
            cli.message.contains("patchbay reset-vault"),
            "{}",
            cli.message
        );
        assert!(v.keys.load().unwrap().is_none(), "no key was made");
        assert!(!dir.path().join("b.sealed").exists());
        // Asked for: the old file is set aside, not deleted, and a new key works.
        let aside = v.start_new_key().unwrap().expect("a folder");
        assert!(aside.join("a.sealed").exists());
        assert_eq!(v.sealed_count(), 0);
        v.seal("b", b"other").unwrap();
        assert_eq!(&v.open("b").unwrap().unwrap()[..], b"other");
        // The new key is named for the folder, and the name says nothing of the key.
        let id = std::fs::read_to_string(dir.path().join("key-id")).unwrap();
        assert_eq!(id.len(), 32);
        // With a key present there is nothing to replace.
        assert!(matches!(
            v.start_new_key().unwrap_err(),
            VaultError::KeyPresent
        ));
    }

    /// One keychain seen by two processes.
    #[derive(Clone, Default)]
    struct Shared(std::sync::Arc<MemoryKeyStore>);
    impl KeyStore for Shared {
        fn load(&self) -> Result<Option<Zeroizing<Vec<u8>>>, VaultError> {
            self.0.load()
        }
        fn store(&self, key: &[u8]) -> Result<(), VaultError> {
            self.0.store(key)
        }
    }

    #[test]
    fn a_key_replaced_by_another_process_is_picked_up_before_sealing() {
        let dir = tempfile::tempdir().unwrap();
        let keychain = Shared::default();
        let running = Vault::new(dir.path().to_path_buf(), Box::new(keychain.clone()));
        running.seal("c1", b"old").unwrap();
        // The keychain is reset and another process (patchbay reset-vault) makes a new key.
        keychain.0.clear();
        let cli = Vault::new(dir.path().to_path_buf(), Box::new(keychain.clone()));
        cli.start_new_key().unwrap();
        // The running process still holds the old key; its next seal (a Fix, a refresh) must use the new one,
        // or the CLI reads it as damaged and it is lost at the next restart.
        running.seal("c1", b"fixed").unwrap();
        assert_eq!(&cli.open("c1").unwrap().unwrap()[..], b"fixed");
        let restarted = Vault::new(dir.path().to_path_buf(), Box::new(keychain));
        assert_eq!(&restarted.open("c1").unwrap().unwrap()[..], b"fixed");
    }
}
