//! What Patchbay reads back from disk: the connections file and sealed secret files.

use super::*;

// ---------------------------------------------------------------------------------------------------------------
// store_json

fn store() -> &'static Store {
    static STORE: OnceLock<Store> = OnceLock::new();
    STORE.get_or_init(|| Store::new(PathBuf::from("/nonexistent/patchbay-fuzz")))
}

/// `connections.json`: [`Store::parse`] (UTF-8, the version, then the records). What it reads, written back as
/// `Store::update` writes it, reads back the same; a newer version is refused.
pub fn store_json(data: &[u8]) {
    let path = Path::new("connections.json");
    match store().parse(path, data) {
        Ok(records) => {
            let version = serde_json::from_slice::<serde_json::Value>(data)
                .ok()
                .and_then(|v| v.get("version").and_then(serde_json::Value::as_u64));
            if let Some(version) = version {
                assert!(
                    version <= u64::from(STORE_VERSION),
                    "version {version} read"
                );
            }
            let written = serde_json::to_vec_pretty(&serde_json::json!({
                "version": STORE_VERSION,
                "connections": &records,
            }))
            .expect("records encode");
            let again = store()
                .parse(path, &written)
                .expect("what the store writes, it reads");
            assert_eq!(again, records);
        }
        Err(e) => {
            assert_eq!(e.code, ErrorCode::Storage);
            assert_words(&e);
        }
    }
}

// ---------------------------------------------------------------------------------------------------------------
// sealed_file

fn check_secrets(plaintext: &[u8]) {
    match ConnectionSecrets::from_bytes(plaintext) {
        Ok(secrets) => {
            let again = ConnectionSecrets::from_bytes(&secrets.seal_bytes())
                .expect("what is sealed reads back");
            let show = |s: &ConnectionSecrets| {
                (
                    [&s.refresh_token, &s.client_secret, &s.access_token]
                        .map(|t| t.as_ref().map(|t| t.expose_secret().to_string())),
                    s.access_expires_at,
                    s.access_issued_at_ms,
                )
            };
            assert_eq!(show(&again), show(&secrets));
        }
        Err(e) => {
            assert_eq!(e.code, ErrorCode::Storage);
            assert_words(&e);
        }
    }
}

/// A sealed secret file: bytes that start with the vault's magic `PBV1` are written as `<SEALED_NAME>.sealed`
/// in a fresh temporary folder and opened with [`Vault::open`] (under [`VAULT_KEY`]), then read with
/// [`ConnectionSecrets::from_bytes`]; anything else is taken as an opened file's plaintext and read with
/// [`ConnectionSecrets::from_bytes`] directly (the fuzzer cannot forge the seal). A file that does not open is
/// "damaged", never another error.
pub fn sealed_file(data: &[u8]) {
    if data.starts_with(b"PBV1") {
        open_sealed_file(data);
    } else {
        check_secrets(data);
    }
}

/// [`sealed_file`] for a file: whether [`Vault::open`] opened it. Each call has its own temporary folder
/// (removed after), so calls on several threads never meet.
pub fn open_sealed_file(data: &[u8]) -> bool {
    let dir = tempfile::Builder::new()
        .prefix("patchbay-fuzz-vault-")
        .tempdir()
        .expect("a temporary folder");
    std::fs::write(dir.path().join(format!("{SEALED_NAME}.sealed")), data)
        .expect("write the sealed file");
    let keys = MemoryKeyStore::default();
    keys.store(&VAULT_KEY).expect("a memory key store");
    let vault = Vault::new(dir.path().to_path_buf(), Box::new(keys));
    match vault.open(SEALED_NAME) {
        Ok(Some(plaintext)) => {
            check_secrets(&plaintext);
            true
        }
        Ok(None) => panic!("the sealed file was just written"),
        Err(e) => {
            assert!(matches!(e, VaultError::Damaged), "{e:?}");
            false
        }
    }
}

/// A file sealed by the real [`Vault::seal`] under [`VAULT_KEY`] as [`SEALED_NAME`]: how the committed
/// `sealed_file` seeds were made, and what the replay checks still opens.
pub fn seal_for_corpus(plaintext: &[u8]) -> Vec<u8> {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let keys = MemoryKeyStore::default();
    keys.store(&VAULT_KEY).expect("a memory key store");
    let vault = Vault::new(dir.path().to_path_buf(), Box::new(keys));
    vault.seal(SEALED_NAME, plaintext).expect("seal");
    std::fs::read(dir.path().join(format!("{SEALED_NAME}.sealed"))).expect("the sealed file")
}
