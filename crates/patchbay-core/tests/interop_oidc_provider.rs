//! The core against a real OpenID provider: npm `oidc-provider` (tests/interop/oidc-provider), not Microsoft and
//! not our own sandbox. Patchbay::connect with a public native client (any loopback port) and a confidential
//! client (client_secret_post, exact redirect URI), a denial, and — by hand with the core's `TokenClient` — the
//! token endpoint's refusals: refresh-token rotation and reuse, a wrong PKCE verifier, a wrong redirect URI and
//! a reused code.
//!
//! Needs Node and the fixture's node_modules: `npm ci --prefix tests/interop/oidc-provider` (scripts/test
//! installs it). Without them every test here fails and says so.

mod common;

use common::{start, Flow};
use patchbay_core::catalogue::AuthType;
use patchbay_core::environment::EnvironmentId;
use patchbay_core::error::ErrorCode;
use patchbay_core::model::{ConnectEvent, ConnectRequest, ConnectionStatus};
use patchbay_core::oauth::discovery::ProviderMetadata;
use patchbay_core::oauth::token::{new_pkce, new_random_token, AuthorizeParams, TokenError};
use patchbay_core::oauth::{validate_id_token, Discovery, TokenClient, TokenSet};
use patchbay_core::vault::MemoryKeyStore;
use patchbay_core::{CoreConfig, Patchbay};
use secrecy::{ExposeSecret, SecretString};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use url::Url;

const NATIVE: &str = "patchbay-native";
const CONFIDENTIAL: &str = "patchbay-confidential";
const CONFIDENTIAL_SECRET: &str = "patchbay-confidential-secret";
const ALICE_OID: &str = "00000000-0000-0000-0000-00000000a11c";
const BOB_OID: &str = "00000000-0000-0000-0000-000000000b0b";
const FIXTURE_TID: &str = "9188040d-6c67-4c5b-b112-36a304b66dad";
const ALL_SCOPES: [&str; 6] = [
    "openid",
    "profile",
    "email",
    "offline_access",
    "User.Read",
    "Mail.Read",
];
const WAIT: Duration = Duration::from_secs(30);
const HOW_TO_FIX: &str =
    "run `npm ci --prefix tests/interop/oidc-provider` from the repository root (scripts/test does it for you)";

fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/interop/oidc-provider")
}

/// The fixture, running on 127.0.0.1 for one test. It exits when its stdin closes, so dropping this stops it even
/// if the kill below were lost.
struct OidcProvider {
    child: Child,
    issuer: Url,
    stderr: Arc<Mutex<String>>,
}

impl OidcProvider {
    fn start(confidential_redirects: &[&str]) -> Self {
        Self::start_with(confidential_redirects, &[])
    }

    /// With more arguments for server.mjs (e.g. `--access-token-ttl 2`).
    fn start_with(confidential_redirects: &[&str], extra: &[&str]) -> Self {
        let dir = fixture_dir();
        match Command::new("node").arg("--version").output() {
            Ok(out) if out.status.success() => {}
            other => panic!("Node.js is needed for the OpenID provider fixture (`node --version`: {other:?}); install Node 20+, then {HOW_TO_FIX}"),
        }
        assert!(
            dir.join("node_modules/oidc-provider/package.json").is_file(),
            "the OpenID provider fixture is not installed ({} has no node_modules/oidc-provider): {HOW_TO_FIX}",
            dir.display()
        );
        let mut command = Command::new("node");
        command.arg(dir.join("server.mjs")).args(["--port", "0"]);
        for uri in confidential_redirects {
            command.args(["--confidential-redirect", uri]);
        }
        command.args(extra);
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "could not start node {}: {e}; {HOW_TO_FIX}",
                    dir.join("server.mjs").display()
                )
            });

        let stderr = Arc::new(Mutex::new(String::new()));
        let mut pipe = child.stderr.take().expect("piped stderr");
        let sink = stderr.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = pipe.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = rx.recv_timeout(Duration::from_secs(30)).unwrap_or_default();
        let parsed: serde_json::Value = serde_json::from_str(line.trim()).unwrap_or_else(|_| {
            let _ = child.kill();
            let _ = child.wait();
            std::thread::sleep(Duration::from_millis(100));
            panic!(
                "the OpenID provider fixture did not start (first stdout line {line:?}); {HOW_TO_FIX}. Its stderr:\n{}",
                stderr.lock().unwrap()
            )
        });
        let issuer = Url::parse(
            parsed["issuer"]
                .as_str()
                .expect("issuer in the fixture's line"),
        )
        .unwrap();
        assert_eq!(issuer.host_str(), Some("127.0.0.1"));
        Self {
            child,
            issuer,
            stderr,
        }
    }

    fn issuer(&self) -> String {
        self.issuer.as_str().trim_end_matches('/').to_string()
    }

    fn log(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }
}

impl Drop for OidcProvider {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A browser: keeps the provider's interaction cookies (by path) and follows nothing by itself.
fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .unwrap()
}

/// Walk the provider's 303 chain from `auth_url`: at `/interaction/UID` sign in with `interaction` (`user=alice`,
/// `user=bob`, `deny=1`). Returns the final Location, the one that leaves the provider for the redirect URI.
async fn authorize(
    http: &reqwest::Client,
    provider: &OidcProvider,
    auth_url: &Url,
    interaction: &str,
) -> Url {
    let mut url = auth_url.clone();
    for _ in 0..8 {
        let response = http.get(url.clone()).send().await.unwrap();
        let status = response.status();
        let location = response
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let Some(location) = location.filter(|_| status.is_redirection()) else {
            let body = response.text().await.unwrap_or_default();
            panic!(
                "GET {url} answered {status} without a redirect: {body}\nprovider log:\n{}",
                provider.log()
            );
        };
        let next = url.join(&location).unwrap();
        if next.origin() != provider.issuer.origin() {
            return next;
        }
        url = next;
        if url.path().starts_with("/interaction/") {
            url.set_query(Some(interaction));
        }
    }
    panic!(
        "the provider never redirected back to the app\nprovider log:\n{}",
        provider.log()
    );
}

fn query(url: &Url) -> HashMap<String, String> {
    url.query_pairs().into_owned().collect()
}

fn core() -> (Arc<Patchbay>, tempfile::TempDir) {
    let data = tempfile::tempdir().unwrap();
    let core = Patchbay::with_key_store(
        CoreConfig::with_data_dir(data.path().to_path_buf()),
        Box::<MemoryKeyStore>::default(),
    );
    (Arc::new(core), data)
}

fn request(provider: &OidcProvider, client_id: &str, redirect_uri: &str) -> ConnectRequest {
    ConnectRequest {
        connector_id: "outlook365".into(),
        environment: EnvironmentId::Custom,
        authority: Some(provider.issuer()),
        graph_url: Some("http://127.0.0.1:9/v1.0".into()),
        auth_type: AuthType::BringYourOwnApp,
        client_id: Some(client_id.into()),
        client_secret: None,
        client_secret_expires_on: None,
        tenant: None,
        features: None,
        scopes: Some(vec!["Mail.Read".into()]),
        redirect_uri: Some(redirect_uri.into()),
        name: None,
    }
}

/// Sign in through Patchbay: read the auth URL event, walk the provider, hand the redirect to the listener.
async fn connect(
    core: &Arc<Patchbay>,
    provider: &OidcProvider,
    req: ConnectRequest,
    interaction: &str,
) -> (Flow, Url, Url) {
    let http = browser();
    let mut flow = start(core, req, WAIT);
    let auth_url = flow.auth_url().await;
    let back = authorize(&http, provider, &auth_url, interaction).await;
    let response = http.get(back.clone()).send().await.unwrap();
    assert_eq!(
        response.status(),
        200,
        "Patchbay's listener answered the redirect {back}"
    );
    (flow, auth_url, back)
}

/// A port nothing listens on right now (the confidential client needs it fixed before the provider starts).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test]
async fn native_public_client_connects_on_any_loopback_port_and_the_id_token_checks_pass_for_a_plain_issuer(
) {
    let provider = OidcProvider::start(&[]);
    let (core, data) = core();
    let (flow, auth_url, back) = connect(
        &core,
        &provider,
        request(&provider, NATIVE, "http://127.0.0.1/callback"),
        "user=alice",
    )
    .await;

    let q = query(&auth_url);
    assert_eq!(q["client_id"], NATIVE);
    assert_eq!(
        q["scope"],
        ALL_SCOPES.join(" "),
        "the core adds openid profile email offline_access User.Read"
    );
    assert_eq!(q["code_challenge_method"], "S256");
    let redirect = Url::parse(&q["redirect_uri"]).unwrap();
    assert_eq!(redirect.host_str(), Some("127.0.0.1"));
    assert_eq!(redirect.path(), "/callback");
    assert!(
        redirect.port().is_some_and(|p| p != 80),
        "an ephemeral port: {redirect}"
    );
    assert!(
        back.as_str().starts_with(redirect.as_str()),
        "the provider sends the browser to {back}"
    );
    let b = query(&back);
    assert_eq!(
        b["iss"],
        provider.issuer(),
        "oidc-provider sends RFC 9207 iss"
    );
    assert_eq!(b["state"], q["state"]);

    let summary = flow
        .finish()
        .await
        .unwrap_or_else(|e| panic!("{e:?}\nprovider log:\n{}", provider.log()));
    assert_eq!(summary.account.email, "alice@example.com");
    assert_eq!(summary.account.oid, ALICE_OID);
    assert_eq!(summary.account.tid, FIXTURE_TID);
    assert_eq!(summary.account.name, "Alice Example");
    assert_eq!(summary.name, "alice@example.com");
    assert_eq!(summary.environment, EnvironmentId::Custom);
    assert_eq!(summary.client_id, NATIVE);
    assert_eq!(summary.status, ConnectionStatus::Healthy);
    assert_eq!(summary.scopes_requested, ALL_SCOPES);
    assert!(
        summary.scopes_missing.is_empty(),
        "{:?}",
        summary.scopes_missing
    );
    assert!(
        summary.features_unavailable.is_empty(),
        "{:?}",
        summary.features_unavailable
    );
    assert_eq!(core.list().unwrap(), vec![summary.clone()]);
    assert!(data
        .path()
        .join("secrets")
        .join(format!("{}.sealed", summary.id))
        .is_file());

    // (c) The check ran against an issuer with no `{tenantid}` template.
    let metadata = Discovery::default()
        .get(&patchbay_core::oauth::http_client(), &provider.issuer)
        .await
        .unwrap();
    assert_eq!(metadata.issuer, provider.issuer());
    assert!(!metadata.issuer.contains("{tenantid}"));
    assert!(metadata.authorization_response_iss_parameter_supported);
}

#[tokio::test]
async fn a_second_account_gets_its_own_connection() {
    let provider = OidcProvider::start(&[]);
    let (core, _data) = core();
    let (flow, ..) = connect(
        &core,
        &provider,
        request(&provider, NATIVE, "http://localhost/callback"),
        "user=bob",
    )
    .await;
    let summary = flow
        .finish()
        .await
        .unwrap_or_else(|e| panic!("{e:?}\nprovider log:\n{}", provider.log()));
    assert_eq!(summary.account.email, "bob@example.com");
    assert_eq!(summary.account.oid, BOB_OID);
}

#[tokio::test]
async fn confidential_client_connects_with_client_secret_post_on_its_exact_redirect_uri() {
    let port = free_port();
    let redirect = format!("http://127.0.0.1:{port}/callback");
    let provider = OidcProvider::start(&[&redirect]);
    let (core, data) = core();
    let mut req = request(&provider, CONFIDENTIAL, &redirect);
    req.client_secret = Some(SecretString::from(CONFIDENTIAL_SECRET));
    let (mut flow, auth_url, back) = connect(&core, &provider, req, "user=alice").await;
    assert_eq!(
        query(&auth_url)["redirect_uri"],
        redirect,
        "the registered URI, byte for byte"
    );
    assert!(
        !auth_url.as_str().contains(CONFIDENTIAL_SECRET),
        "the secret goes only to the token endpoint"
    );
    assert!(back.as_str().starts_with(&redirect));

    let result = tokio::time::timeout(WAIT, &mut flow.result)
        .await
        .unwrap()
        .unwrap();
    let summary = result.unwrap_or_else(|e| panic!("{e:?}\nprovider log:\n{}", provider.log()));
    let mut kinds = vec![];
    while let Ok(event) = flow.events.try_recv() {
        kinds.push(match event {
            ConnectEvent::WaitingForBrowser { .. } => "waiting_for_browser",
            ConnectEvent::Exchanging { .. } => "exchanging",
            ConnectEvent::Connected { .. } => "connected",
            ConnectEvent::Failed { .. } => "failed",
        });
    }
    assert_eq!(kinds, ["exchanging", "connected"]);
    assert_eq!(summary.account.email, "alice@example.com");
    assert_eq!(summary.client_id, CONFIDENTIAL);
    assert!(
        summary.scopes_missing.is_empty(),
        "{:?}",
        summary.scopes_missing
    );
    let metadata = std::fs::read_to_string(data.path().join("connections.json")).unwrap();
    assert!(
        metadata.contains("\"has_client_secret\": true"),
        "{metadata}"
    );
    assert!(!metadata.contains(CONFIDENTIAL_SECRET));
}

#[tokio::test]
async fn a_wrong_client_secret_is_an_invalid_client_secret_without_the_secret_in_the_error() {
    let port = free_port();
    let redirect = format!("http://127.0.0.1:{port}/callback");
    let provider = OidcProvider::start(&[&redirect]);
    let (core, _data) = core();
    let mut req = request(&provider, CONFIDENTIAL, &redirect);
    req.client_secret = Some(SecretString::from("not-the-secret-value"));
    let (flow, ..) = connect(&core, &provider, req, "user=alice").await;
    let err = flow.finish().await.unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidClientSecret, "{err:?}");
    assert!(
        err.detail
            .as_deref()
            .unwrap_or("")
            .contains("invalid_client"),
        "{err:?}"
    );
    assert!(!format!("{err:?}").contains("not-the-secret-value"));
    assert!(core.list().unwrap().is_empty());
}

#[tokio::test]
async fn denying_at_the_provider_is_a_cancelled_sign_in() {
    let provider = OidcProvider::start(&[]);
    let (core, data) = core();
    let (flow, _, back) = connect(
        &core,
        &provider,
        request(&provider, NATIVE, "http://127.0.0.1/callback"),
        "deny=1",
    )
    .await;
    assert_eq!(query(&back)["error"], "access_denied");
    let err = flow.finish().await.unwrap_err();
    assert_eq!(err.code, ErrorCode::Cancelled, "{err:?}");
    assert!(core.list().unwrap().is_empty());
    assert!(
        !data.path().join("secrets").exists()
            || std::fs::read_dir(data.path().join("secrets"))
                .unwrap()
                .flatten()
                .all(|e| e.path().extension().is_none_or(|x| x != "sealed")),
        "nothing sealed (the vault's key id may be there)"
    );
}

// ---- by hand with the core's TokenClient -----------------------------------------------------------------------

/// One authorization by hand: the code the provider sends back, its verifier and nonce.
struct Authorized {
    client: TokenClient,
    metadata: Arc<ProviderMetadata>,
    code: String,
    verifier: oauth2::PkceCodeVerifier,
    nonce: String,
}

fn scopes() -> Vec<String> {
    ALL_SCOPES.iter().map(|s| s.to_string()).collect()
}

async fn token_client(
    provider: &OidcProvider,
    redirect: &str,
) -> (TokenClient, Arc<ProviderMetadata>) {
    let http = patchbay_core::oauth::http_client();
    let metadata = Discovery::default()
        .get(&http, &provider.issuer)
        .await
        .unwrap();
    let client = TokenClient::new(&metadata, NATIVE, None, Some(redirect), http).unwrap();
    (client, metadata)
}

async fn authorize_by_hand(provider: &OidcProvider, redirect: &str) -> Authorized {
    let (client, metadata) = token_client(provider, redirect).await;
    let state = new_random_token();
    let nonce = new_random_token();
    let (challenge, verifier) = new_pkce();
    let scopes = scopes();
    let auth_url = client.authorize_url(AuthorizeParams {
        scopes: &scopes,
        state: &state,
        nonce: &nonce,
        pkce_challenge: challenge,
        prompt: None,
        login_hint: None,
    });
    let back = authorize(&browser(), provider, &auth_url, "user=alice").await;
    assert!(back.as_str().starts_with(redirect), "{back}");
    let q = query(&back);
    assert_eq!(q["state"], state);
    let code = q
        .get("code")
        .unwrap_or_else(|| panic!("no code in {back}"))
        .clone();
    Authorized {
        client,
        metadata,
        code,
        verifier,
        nonce,
    }
}

fn same_verifier(v: &oauth2::PkceCodeVerifier) -> oauth2::PkceCodeVerifier {
    oauth2::PkceCodeVerifier::new(v.secret().clone())
}

#[track_caller]
fn assert_invalid_grant(result: Result<TokenSet, TokenError>, what: &str) {
    match result {
        Err(TokenError::Provider { error: p, .. }) => {
            assert_eq!(p.error, "invalid_grant", "{what}: {p:?}")
        }
        Err(
            TokenError::Other { info, .. }
            | TokenError::Network { info, .. }
            | TokenError::Unaccepted { info, .. },
        ) => {
            panic!("{what}: expected the provider's invalid_grant, got {info:?}")
        }
        Ok(_) => panic!("{what}: the provider accepted it"),
    }
}

fn refresh_token(tokens: &TokenSet) -> SecretString {
    tokens
        .refresh_token
        .clone()
        .expect("a refresh token for offline_access")
}

#[tokio::test]
async fn refresh_tokens_rotate_and_an_old_one_is_refused_and_revokes_the_grant() {
    let provider = OidcProvider::start(&[]);
    let a = authorize_by_hand(&provider, "http://127.0.0.1:51111/callback").await;
    let first = a
        .client
        .exchange_code(a.code.clone(), a.verifier)
        .await
        .unwrap_or_else(|e| panic!("{e:?}\n{}", provider.log()));
    let claims = validate_id_token(
        first
            .id_token
            .as_ref()
            .expect("an ID token")
            .expose_secret(),
        &a.metadata,
        NATIVE,
        &a.nonce,
        time::OffsetDateTime::now_utc().unix_timestamp(),
    )
    .unwrap();
    assert_eq!(claims.account().email, "alice@example.com");
    assert!(first.expires_at > time::OffsetDateTime::now_utc().unix_timestamp());
    let rt1 = refresh_token(&first);

    let second = a
        .client
        .refresh(&rt1, &scopes())
        .await
        .unwrap_or_else(|e| panic!("{e:?}\n{}", provider.log()));
    let rt2 = refresh_token(&second);
    assert_ne!(
        rt2.expose_secret(),
        rt1.expose_secret(),
        "the refresh token rotates"
    );
    assert_ne!(
        second.access_token.expose_secret(),
        first.access_token.expose_secret()
    );

    let third = a
        .client
        .refresh(&rt2, &scopes())
        .await
        .unwrap_or_else(|e| panic!("{e:?}\n{}", provider.log()));
    let rt3 = refresh_token(&third);
    assert_ne!(rt3.expose_secret(), rt2.expose_secret());

    assert_invalid_grant(
        a.client.refresh(&rt1, &scopes()).await,
        "an already used refresh token",
    );
    // Reuse means theft: the whole grant is revoked, the newest refresh token too.
    assert_invalid_grant(
        a.client.refresh(&rt3, &scopes()).await,
        "the newest refresh token after a reuse",
    );
}

#[tokio::test]
async fn a_wrong_pkce_verifier_is_refused_and_the_right_one_still_works() {
    let provider = OidcProvider::start(&[]);
    let a = authorize_by_hand(&provider, "http://127.0.0.1:51112/callback").await;
    let (_, wrong) = new_pkce();
    assert_invalid_grant(
        a.client.exchange_code(a.code.clone(), wrong).await,
        "a wrong code_verifier",
    );
    let tokens = a.client.exchange_code(a.code.clone(), a.verifier).await;
    assert!(
        tokens.is_ok(),
        "the code was not consumed by the refused attempt: {:?}",
        tokens.err()
    );
}

#[tokio::test]
async fn a_different_redirect_uri_at_the_token_endpoint_is_refused() {
    let provider = OidcProvider::start(&[]);
    let a = authorize_by_hand(&provider, "http://127.0.0.1:51113/callback").await;
    for other in [
        "http://127.0.0.1:51114/callback",
        "http://127.0.0.1:51113/other",
        "http://localhost:51113/callback",
    ] {
        let (client, _) = token_client(&provider, other).await;
        assert_invalid_grant(
            client
                .exchange_code(a.code.clone(), same_verifier(&a.verifier))
                .await,
            other,
        );
    }
    let tokens = a.client.exchange_code(a.code.clone(), a.verifier).await;
    assert!(
        tokens.is_ok(),
        "the exact redirect URI works: {:?}",
        tokens.err()
    );
}

#[tokio::test]
async fn a_reused_code_is_refused_and_revokes_what_it_gave() {
    let provider = OidcProvider::start(&[]);
    let a = authorize_by_hand(&provider, "http://127.0.0.1:51115/callback").await;
    let first = a
        .client
        .exchange_code(a.code.clone(), same_verifier(&a.verifier))
        .await
        .unwrap();
    assert_invalid_grant(
        a.client.exchange_code(a.code.clone(), a.verifier).await,
        "a code used twice",
    );
    assert_invalid_grant(
        a.client.refresh(&refresh_token(&first), &scopes()).await,
        "the refresh token of a replayed code",
    );
}

// ---- keeping a connection alive against a provider that rotates refresh tokens --------------------------------

impl OidcProvider {
    /// `/_test/stats`: successful grants by type.
    async fn refreshes(&self) -> u64 {
        let stats: serde_json::Value = reqwest::get(self.issuer.join("/_test/stats").unwrap())
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        stats["refresh_token"].as_u64().unwrap()
    }

    /// `/_test/revoke?user=…`: every grant of that user destroyed.
    async fn revoke(&self, user: &str) {
        let url = self
            .issuer
            .join(&format!("/_test/revoke?user={user}"))
            .unwrap();
        let response = reqwest::Client::new().post(url).send().await.unwrap();
        assert!(response.status().is_success(), "{}", self.log());
    }
}

#[tokio::test]
async fn a_revoked_refresh_token_makes_the_connection_needs_reconnect() {
    let provider = OidcProvider::start(&[]);
    let (core, _data) = core();
    let (flow, ..) = connect(
        &core,
        &provider,
        request(&provider, NATIVE, "http://127.0.0.1/callback"),
        "user=alice",
    )
    .await;
    let summary = flow.finish().await.unwrap();
    let forced = patchbay_core::health::CheckOptions {
        force_refresh: true,
        max_token_age: None,
    };
    // Rotation works: each refresh's new token is kept and used next.
    for _ in 0..2 {
        let token = core
            .token_with(
                &summary.id,
                patchbay_core::tokens::TokenPolicy {
                    force_refresh: true,
                    max_age: None,
                },
            )
            .await
            .unwrap_or_else(|e| panic!("{e}\nprovider log:\n{}", provider.log()));
        assert!(token.refreshed);
    }
    assert_eq!(provider.refreshes().await, 2);
    provider.revoke("alice").await;
    let outcome = core.check_connection(&summary.id, forced).await.unwrap();
    assert_eq!(
        outcome.status,
        ConnectionStatus::NeedsReconnect,
        "{outcome:?}"
    );
    let listed = core.get(&summary.id).unwrap();
    assert!(listed.last_error.unwrap().summary.contains("invalid_grant"));
    assert!(!outcome.reason.unwrap().contains("invalid_grant"));
}

#[tokio::test]
async fn concurrent_callers_cause_one_refresh_at_a_rotating_provider() {
    // Two-second access tokens: after one second the stored one must be renewed.
    let provider = OidcProvider::start_with(&[], &["--access-token-ttl", "2"]);
    let (core, _data) = core();
    let (flow, ..) = connect(
        &core,
        &provider,
        request(&provider, NATIVE, "http://127.0.0.1/callback"),
        "user=alice",
    )
    .await;
    let summary = flow.finish().await.unwrap();
    // Expiry is counted in whole seconds: two seconds on, every caller needs a new token.
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let core = core.clone();
        let id = summary.id.clone();
        tasks.push(tokio::spawn(async move { core.access_token(&id).await }));
    }
    let mut tokens = Vec::new();
    for t in tasks {
        tokens.push(
            t.await
                .unwrap()
                .unwrap_or_else(|e| panic!("{e}\nprovider log:\n{}", provider.log())),
        );
    }
    assert_eq!(provider.refreshes().await, 1, "one refresh for 20 callers");
    assert!(tokens
        .iter()
        .all(|t| t.token.expose_secret() == tokens[0].token.expose_secret()));
    // The rotated refresh token was kept: the next refresh works.
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert!(core.access_token(&summary.id).await.unwrap().refreshed);
    assert_eq!(provider.refreshes().await, 2);
}
