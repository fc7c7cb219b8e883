//! Where the vault key lives: the OS keychain, or memory in tests.

use super::error::VaultError;
use std::sync::Mutex;
use zeroize::Zeroizing;

const KEY_ACCOUNT: &str = "vault-key";

/// Where the vault key lives.
pub trait KeyStore: Send + Sync {
    /// The stored key, `None` if there is none yet.
    fn load(&self) -> Result<Option<Zeroizing<Vec<u8>>>, VaultError>;
    fn store(&self, key: &[u8]) -> Result<(), VaultError>;
}

/// The OS keychain through the `keyring` crate (Secret Service on Linux, Keychain on macOS, Credential Manager
/// on Windows).
pub struct Keychain {
    service: String,
}

impl Keychain {
    pub fn new(service: impl Into<String>) -> Self {
        Self {
            service: service.into(),
        }
    }

    fn entry(&self) -> Result<keyring::Entry, VaultError> {
        keyring::Entry::new(&self.service, KEY_ACCOUNT).map_err(|e| keychain_error(&e))
    }
}

impl KeyStore for Keychain {
    fn load(&self) -> Result<Option<Zeroizing<Vec<u8>>>, VaultError> {
        match self.entry()?.get_secret() {
            Ok(key) => Ok(Some(Zeroizing::new(key))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(keychain_error(&e)),
        }
    }

    fn store(&self, key: &[u8]) -> Result<(), VaultError> {
        self.entry()?
            .set_secret(key)
            .map_err(|e| keychain_error(&e))
    }
}

/// A keychain that is missing, locked or refusing, with what the store says of itself.
pub fn keychain_error(e: &keyring::Error) -> VaultError {
    let status = match keyring::Entry::store_status() {
        Ok(()) => String::new(),
        Err(s) => format!(" (store: {s})"),
    };
    VaultError::Keychain {
        detail: format!("{e}{status}"),
    }
}

/// An in-memory key store for unit tests.
#[derive(Default)]
pub struct MemoryKeyStore(Mutex<Option<Vec<u8>>>);

impl MemoryKeyStore {
    /// Forget the key, as a keychain reset does.
    pub fn clear(&self) {
        *self.0.lock().expect("memory key") = None;
    }
}

impl KeyStore for MemoryKeyStore {
    fn load(&self) -> Result<Option<Zeroizing<Vec<u8>>>, VaultError> {
        Ok(self
            .0
            .lock()
            .expect("memory key")
            .clone()
            .map(Zeroizing::new))
    }
    fn store(&self, key: &[u8]) -> Result<(), VaultError> {
        *self.0.lock().expect("memory key") = Some(key.to_vec());
        Ok(())
    }
}
