//! The vault key in the real Secret Service (gnome-keyring in a D-Bus session), and what a person sees when there
//! is none.
//!
//! scripts/test runs these inside `dbus-run-session` with an unlocked gnome-keyring and a temporary HOME. By hand:
//!
//! ```sh
//! dbus-run-session -- bash -c 'export HOME=$(mktemp -d); eval "$(printf pw | gnome-keyring-daemon --unlock --components=secrets)"; cargo test -p patchbay-core --test keychain'
//! ```
//!
//! Every keychain item made here has a unique service name and is deleted at the end, even when a test fails.

mod common;

use common::{sign_in, start, ADELE};
use patchbay_core::catalogue::AuthType;
use patchbay_core::environment::EnvironmentId;
use patchbay_core::error::{ErrorCode, ErrorInfo};
use patchbay_core::model::{ConnectEvent, ConnectRequest};
use patchbay_core::secrets::ConnectionSecrets;
use patchbay_core::vault::{Keychain, Vault};
use patchbay_core::{CoreConfig, Patchbay};
use patchbay_sandbox::{Sandbox, SandboxOptions, DEMO_APP_CLIENT_ID, DEMO_APP_SECRET};
use secrecy::{ExposeSecret, SecretString};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(30);
/// The keychain account name of the vault key (vault.rs).
const VAULT_KEY_ACCOUNT: &str = "vault-key";
/// Set in the child process of the "no Secret Service" case.
const CHILD_ENV: &str = "PATCHBAY_KEYCHAIN_CHILD";
const CHILD_DATA_ENV: &str = "PATCHBAY_KEYCHAIN_CHILD_DATA";
const CHILD_TEST: &str = "child_half_of_no_secret_service_runs_only_when_the_parent_starts_it";
const CHILD_MARKER: &str = "PATCHBAY_CHILD_ERROR_JSON ";

#[track_caller]
fn require_session_bus() {
    assert!(
        std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some_and(|v| !v.is_empty()),
        "DBUS_SESSION_BUS_ADDRESS is not set: these tests need a D-Bus session with an unlocked Secret Service. Run them \
         through scripts/test (it starts dbus-run-session and gnome-keyring), or by hand as the header of \
         crates/patchbay-core/tests/keychain.rs shows."
    );
}

fn unique_service(what: &str) -> String {
    format!("dev.patchbay.test.{what}.{}", uuid::Uuid::new_v4())
}

/// `secret-tool search --all service NAME` (libsecret-tools): what another Secret Service client sees. It prints
/// label and secret on stdout and the `attribute.NAME = VALUE` lines on stderr; both are returned.
fn secret_tool_search(service: &str) -> String {
    let out = Command::new("secret-tool")
        .args(["search", "--all", "service", service])
        .output()
        .unwrap_or_else(|e| panic!("secret-tool (package libsecret-tools) is needed: {e}"));
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// `text` without its `secret = ...` lines, for assertion messages.
fn redacted(text: &str) -> String {
    text.lines()
        .filter(|l| !l.starts_with("secret = "))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Deletes a keychain item when dropped, so a failing test leaves nothing behind.
struct DeleteOnDrop {
    service: String,
    account: String,
}

impl Drop for DeleteOnDrop {
    fn drop(&mut self) {
        if let Ok(entry) = keyring::Entry::new(&self.service, &self.account) {
            let _ = entry.delete_credential();
        }
    }
}

#[test]
fn the_keyring_crate_stores_reads_and_deletes_in_the_secret_service() {
    require_session_bus();
    let service = unique_service("keyring");
    let _cleanup = DeleteOnDrop {
        service: service.clone(),
        account: "someone".into(),
    };
    let entry = keyring::Entry::new(&service, "someone").unwrap();
    assert!(
        matches!(entry.get_password(), Err(keyring::Error::NoEntry)),
        "a fresh service has no item"
    );

    entry
        .set_password("s3cret-value-for-the-test")
        .unwrap_or_else(|e| panic!("{e} (store: {:?})", keyring::Entry::store_status()));
    assert_eq!(entry.get_password().unwrap(), "s3cret-value-for-the-test");
    // Another entry object for the same service and account reads the same item.
    assert_eq!(
        keyring::Entry::new(&service, "someone")
            .unwrap()
            .get_password()
            .unwrap(),
        "s3cret-value-for-the-test"
    );
    let seen = secret_tool_search(&service);
    assert!(
        seen.contains(&format!("attribute.service = {service}")),
        "secret-tool sees the item:\n{seen}"
    );
    assert!(seen.contains("attribute.username = someone"), "{seen}");
    assert!(
        seen.contains("secret = s3cret-value-for-the-test"),
        "{seen}"
    );

    entry.set_secret(&[0, 159, 146, 150, 255]).unwrap();
    assert_eq!(
        entry.get_secret().unwrap(),
        [0, 159, 146, 150, 255],
        "binary secrets survive"
    );

    entry.delete_credential().unwrap();
    assert!(matches!(entry.get_password(), Err(keyring::Error::NoEntry)));
    assert!(
        !secret_tool_search(&service).contains("attribute.service"),
        "the item is gone"
    );
}

fn confidential_request(sandbox: &Sandbox) -> ConnectRequest {
    ConnectRequest {
        connector_id: "outlook365".into(),
        environment: EnvironmentId::Custom,
        authority: Some(sandbox.authority("organizations").to_string()),
        graph_url: Some(sandbox.graph_url().to_string()),
        auth_type: AuthType::BringYourOwnApp,
        client_id: Some(DEMO_APP_CLIENT_ID.into()),
        client_secret: Some(SecretString::from(DEMO_APP_SECRET)),
        client_secret_expires_on: None,
        tenant: None,
        features: None,
        scopes: None,
        redirect_uri: None,
        name: None,
    }
}

/// Every regular file under `dir`, recursively.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = vec![];
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            let kind = std::fs::symlink_metadata(&path).unwrap().file_type();
            if kind.is_dir() {
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

#[track_caller]
fn assert_nowhere_in_plain_text(dir: &Path, secrets: &[(&str, &str)]) {
    for file in files_under(dir) {
        let bytes = std::fs::read(&file).unwrap();
        for (what, secret) in secrets {
            assert!(secret.len() >= 16, "{what} is too short to scan for");
            // The whole value, and its first 16 characters in case it was cut or wrapped.
            for needle in [secret.as_bytes(), &secret.as_bytes()[..16]] {
                assert!(
                    !bytes.windows(needle.len()).any(|w| w == needle),
                    "the {what} is in plain text in {}",
                    file.display()
                );
            }
        }
    }
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[tokio::test]
async fn a_connection_seals_its_tokens_under_a_vault_key_in_the_secret_service() {
    require_session_bus();
    let sandbox = Sandbox::start(SandboxOptions::default()).await.unwrap();
    let data = tempfile::tempdir().unwrap();
    let service = unique_service("vault");
    let _cleanup = DeleteOnDrop {
        service: service.clone(),
        account: VAULT_KEY_ACCOUNT.into(),
    };
    let mut config = CoreConfig::with_data_dir(data.path().to_path_buf());
    config.keychain_service = service.clone();
    let core = Arc::new(Patchbay::new(config));

    let mut flow = start(&core, confidential_request(&sandbox), WAIT);
    let auth_url = flow.auth_url().await;
    sign_in(&common::browser(), &auth_url, ADELE, true).await;
    let summary = flow.finish().await.unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(summary.account.email, ADELE);

    // The vault key is one 32-byte item in the Secret Service, under the configured service name.
    let key = keyring::Entry::new(&service, VAULT_KEY_ACCOUNT)
        .unwrap()
        .get_secret()
        .unwrap();
    assert_eq!(key.len(), 32);
    let seen = secret_tool_search(&service);
    assert!(
        seen.contains(&format!("attribute.service = {service}")),
        "secret-tool sees the vault key:\n{}",
        redacted(&seen)
    );
    assert!(
        seen.contains(&format!("attribute.username = {VAULT_KEY_ACCOUNT}")),
        "{}",
        redacted(&seen)
    );

    // Open the sealed secrets with a fresh vault over the same keychain item (as another process would).
    let vault = Vault::new(
        data.path().join("secrets"),
        Box::new(Keychain::new(service.clone())),
    );
    let opened = vault
        .open(&summary.id)
        .unwrap()
        .expect("the connection's sealed secrets");
    let secrets = ConnectionSecrets::from_bytes(&opened).unwrap();
    let refresh = secrets
        .refresh_token
        .as_ref()
        .expect("a refresh token")
        .expose_secret()
        .to_string();
    let access = secrets
        .access_token
        .as_ref()
        .expect("an access token")
        .expose_secret()
        .to_string();
    let client_secret = secrets
        .client_secret
        .as_ref()
        .expect("the client secret")
        .expose_secret()
        .to_string();
    assert_eq!(client_secret, DEMO_APP_SECRET);
    assert!(secrets.access_expires_at.is_some());

    let files = files_under(data.path());
    let connections = data.path().join("connections.json");
    let sealed = data
        .path()
        .join("secrets")
        .join(format!("{}.sealed", summary.id));
    assert!(
        files.contains(&connections) && files.contains(&sealed),
        "nothing to scan? {files:?}"
    );
    assert_nowhere_in_plain_text(
        data.path(),
        &[
            ("refresh token", &refresh),
            ("access token", &access),
            ("client secret", &client_secret),
        ],
    );
    #[cfg(unix)]
    {
        assert_eq!(mode(&connections), 0o600, "connections.json is private");
        assert_eq!(mode(&sealed), 0o600, "the sealed file is private");
        assert_eq!(mode(&data.path().join("secrets")), 0o700);
    }

    core.remove(&summary.id).unwrap();
    assert!(
        !sealed.exists(),
        "removing the connection deletes its sealed file"
    );
    assert!(core.list().unwrap().is_empty());
    assert!(vault.open(&summary.id).unwrap().is_none());
}

#[test]
fn without_a_secret_service_connecting_says_how_to_fix_it_and_writes_nothing() {
    let data = tempfile::tempdir().unwrap();
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", CHILD_TEST, "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, "1")
        .env(CHILD_DATA_ENV, data.path())
        .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
        .env_remove("PATCHBAY_KEYCHAIN_SERVICE")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "the child failed:\n{stdout}\n{stderr}"
    );
    assert!(
        stdout.contains("1 passed"),
        "the child test did not run:\n{stdout}"
    );
    let json = stdout
        .lines()
        .find_map(|l| l.split_once(CHILD_MARKER).map(|(_, json)| json))
        .unwrap_or_else(|| panic!("the child printed no error:\n{stdout}\n{stderr}"));
    let err: ErrorInfo = serde_json::from_str(json).unwrap();

    assert_eq!(err.code, ErrorCode::KeychainUnavailable, "{err:?}");
    let words = format!("{} {}", err.title, err.message);
    for fix in ["Secret Service", "gnome-keyring", "unlock"] {
        assert!(
            words.contains(fix),
            "the message should mention {fix:?}: {words}"
        );
    }
    assert!(
        words.contains("plain text"),
        "it says there is no plain-text fallback: {words}"
    );
    assert!(!json.contains(DEMO_APP_SECRET), "no secret in the error");

    // Nothing was saved: no connection, no sealed file, and no secret anywhere under the data dir.
    let files = files_under(data.path());
    assert!(
        !data.path().join("connections.json").exists(),
        "no connection was recorded: {files:?}"
    );
    assert!(
        !files
            .iter()
            .any(|f| f.extension().is_some_and(|e| e == "sealed")),
        "no sealed file: {files:?}"
    );
    for file in &files {
        let name = file.file_name().unwrap().to_string_lossy();
        assert_eq!(
            name,
            ".lock",
            "only the empty lock file may exist, found {}",
            file.display()
        );
        assert_eq!(std::fs::metadata(file).unwrap().len(), 0);
    }
}

/// The child half of the test above: it does nothing unless that test starts it (with no session bus). Keyring's
/// default store is set up once per process, so the missing Secret Service needs a process of its own.
#[tokio::test]
async fn child_half_of_no_secret_service_runs_only_when_the_parent_starts_it() {
    if std::env::var(CHILD_ENV).as_deref() != Ok("1") {
        return;
    }
    let data =
        PathBuf::from(std::env::var_os(CHILD_DATA_ENV).expect("the parent passes the data dir"));
    let sandbox = Sandbox::start(SandboxOptions::default()).await.unwrap();
    let mut config = CoreConfig::with_data_dir(data);
    config.keychain_service = unique_service("absent");
    let core = Arc::new(Patchbay::new(config));

    let mut flow = start(&core, confidential_request(&sandbox), WAIT);
    // The core may check the keychain before the browser opens; if not, the person signs in first.
    match tokio::time::timeout(Duration::from_secs(10), flow.events.recv())
        .await
        .unwrap()
    {
        Some(ConnectEvent::WaitingForBrowser { auth_url, .. }) => {
            eprintln!("child: the keychain was found missing only after the browser sign-in");
            sign_in(
                &common::browser(),
                &url::Url::parse(&auth_url).unwrap(),
                ADELE,
                true,
            )
            .await;
        }
        Some(ConnectEvent::Failed { .. }) => {
            eprintln!("child: the keychain was checked before the browser opened")
        }
        other => panic!("unexpected first event {other:?}"),
    }
    let err = flow
        .finish()
        .await
        .expect_err("no Secret Service, so nothing can be sealed");
    assert!(core.list().unwrap().is_empty());
    println!("{CHILD_MARKER}{}", serde_json::to_string(&err).unwrap());
}
