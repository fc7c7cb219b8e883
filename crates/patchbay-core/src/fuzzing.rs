//! Fuzz targets: one function per kind of input Patchbay reads from outside, each driving the real code with
//! arbitrary bytes. `fuzz/` runs them under libFuzzer (`scripts/fuzz`, nightly); `tests/fuzz_corpus.rs` replays
//! the committed corpus and the regressions through the same functions on stable. See docs/FUZZING.md.
//!
//! No target panics on its own account: a panic is a bug in the code it drives, or a broken promise of that
//! code (asserted here, next to the call). Every call is cheap: no network, no socket, no fsync.

use crate::connect::flows::Flows;
use crate::connect::{redirect_advice, DEEP_LINK_REDIRECT};
use crate::error::{ErrorCode, ErrorInfo};
use crate::oauth::aad::{explain_provider_error, ErrorContext, ProviderError};
use crate::oauth::callback::{state_matches, CallbackParams, HeadEnd, LoopbackRedirect};
use crate::oauth::discovery::{discovery_url, ProviderMetadata};
use crate::oauth::id_token::{validate_id_token, IdTokenClaims};
use crate::oauth::token::{AnswerMeta, IdTokenField, TokenClient, TokenError, TokenSet};
use crate::secrets::ConnectionSecrets;
use crate::store::{Store, STORE_VERSION};
use crate::tokens::RefreshError;
use crate::vault::{is_damaged, KeyStore, MemoryKeyStore, Vault};
use axum::extract::Query;
use axum::http::Uri;
use base64::Engine;
use secrecy::{ExposeSecret, SecretString};
use std::collections::HashMap;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use tokio_util::sync::CancellationToken;
use url::Url;

/// A fuzz target: takes any bytes.
pub type Target = fn(&[u8]);

/// Every target by name (the names of `fuzz/fuzz_targets/*.rs` and `fuzz/corpus/*/`).
pub const TARGETS: &[(&str, Target)] = &[
    ("callback_request", callback_request),
    ("redirect_uri", redirect_uri),
    ("deep_link", deep_link),
    ("pasted_error", pasted_error),
    ("id_token_claims", id_token_claims),
    ("discovery_document", discovery_document),
    ("token_response", token_response),
    ("store_json", store_json),
    ("sealed_file", sealed_file),
];

/// The `state` (and ID-token `nonce`) the sign-in under fuzz waits for. Seeds carry it.
pub const STATE: &str = "fuzz-state-3c1e9f0a7b2d4e6f8a0b1c2d3e4f5a6b";
pub const NONCE: &str = "fuzz-nonce-9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a";
/// The app the ID tokens under fuzz are for.
pub const CLIENT_ID: &str = "4a1aa1d5-c567-49d0-ad0b-cd957a47f842";
/// "Now" for the ID-token checks (2027-01-15), so that seeds stay valid.
pub const NOW: i64 = 1_800_000_000;
/// The vault key the sealed-file target opens with, and the name its file is opened as.
pub const VAULT_KEY: [u8; 32] = *b"patchbay-fuzz-vault-key-32-bytes";
pub const SEALED_NAME: &str = "0f8fad5b-d9cb-469f-a165-70867728950e";

fn assert_words(e: &ErrorInfo) {
    assert!(
        !e.title.trim().is_empty() && !e.message.trim().is_empty(),
        "an error without words: {e:?}"
    );
}

fn error_context() -> &'static ErrorContext {
    static CTX: OnceLock<ErrorContext> = OnceLock::new();
    CTX.get_or_init(|| ErrorContext {
        authority: Url::parse("https://login.microsoftonline.com/organizations/v2.0")
            .expect("static URL"),
        tenant: "organizations".into(),
        client_id: CLIENT_ID.into(),
        redirect_uri_to_register: "http://localhost".into(),
        redirect_platform: "Mobile and desktop applications".into(),
        scopes: vec![
            "openid".into(),
            "offline_access".into(),
            "Mail.Read".into(),
            "Calendars.Read".into(),
        ],
        graph_url: Url::parse("https://graph.microsoft.com").expect("static URL"),
        built_in_app: false,
    })
}

// ---------------------------------------------------------------------------------------------------------------
// callback_request

/// Whether a request head is complete, fed in these pieces.
fn head_complete(pieces: &[&[u8]]) -> bool {
    let mut head = HeadEnd::default();
    pieces.iter().any(|p| head.feed(p))
}

/// The raw bytes a browser sends to the loopback listener. The listener's own check for the end of a request
/// head ([`HeadEnd`]) must give the same answer however the bytes arrive; then the request target is read the
/// way the handler reads it (`Uri`, axum's `Query` extractor, [`CallbackParams::from_query`],
/// [`state_matches`]). The socket itself is covered by `tests/loopback_hostile.rs`.
pub fn callback_request(data: &[u8]) {
    let whole = head_complete(&[data]);
    let cut = data
        .first()
        .map_or(0, |&b| usize::from(b) % (data.len() + 1));
    let (a, b) = data.split_at(cut);
    assert_eq!(head_complete(&[a, b]), whole, "split at {cut}");
    assert_eq!(
        head_complete(&data.chunks(1).collect::<Vec<_>>()),
        whole,
        "byte by byte"
    );
    if !whole {
        // hyper waits for the rest; the header timeout closes the connection.
        return;
    }
    // The request line, as httparse finds it: blank lines before it are skipped.
    let start = data
        .iter()
        .position(|&b| b != b'\r' && b != b'\n')
        .unwrap_or(data.len());
    let rest = &data[start..];
    let line = rest.split(|&b| b == b'\n').next().unwrap_or_default();
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let mut parts = line.split(|&b| b == b' ');
    let (Some(_method), Some(target), Some(_version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return;
    };
    let Ok(uri) = Uri::try_from(target) else {
        return;
    };
    let Ok(Query(query)) = Query::<HashMap<String, String>>::try_from_uri(&uri) else {
        return;
    };
    let Some(params) = CallbackParams::from_query(&query) else {
        assert!(!query.contains_key("state"));
        return;
    };
    assert_eq!(query.get("state"), Some(&params.state));
    // Debug never shows the code or the state, whatever they are.
    let mut other = params.clone();
    other.code = other.code.map(|_| "another code".into());
    other.state = "another state".into();
    assert_eq!(format!("{params:?}"), format!("{other:?}"));
    // Only the exact state is the sign-in's.
    assert_eq!(state_matches(STATE, &params.state), params.state == STATE);
}

// ---------------------------------------------------------------------------------------------------------------
// redirect_uri

/// A redirect URI as typed in the wizard: [`redirect_advice`] (public and confidential) and
/// [`LoopbackRedirect::parse`]. What Patchbay says to register reads back as the same redirect.
pub fn redirect_uri(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    for confidential in [false, true] {
        match redirect_advice(Some(&text), confidential) {
            Ok(advice) => {
                assert!(!advice.platform.is_empty() && !advice.explanation.is_empty());
                if advice.redirect_uri != DEEP_LINK_REDIRECT {
                    let again = LoopbackRedirect::parse(&advice.redirect_uri)
                        .expect("the advised redirect URI parses");
                    assert_eq!(again.to_register(), advice.redirect_uri);
                }
            }
            Err(e) => {
                assert_eq!(e.code, ErrorCode::InvalidInput);
                assert_words(&e);
            }
        }
    }
    match LoopbackRedirect::parse(&text) {
        Ok(r) => {
            assert_eq!(
                LoopbackRedirect::parse(&r.to_register()).expect("to_register parses"),
                r,
                "{text:?}"
            );
            let bound = LoopbackRedirect::parse(&r.with_port(8400)).expect("with_port parses");
            assert_eq!(
                (bound.host.as_str(), bound.port, bound.path.as_str()),
                (r.host.as_str(), Some(8400), r.path.as_str())
            );
        }
        Err(e) => {
            assert_words(&e);
            // The typed text is echoed shortened (100 chars, each at most 10 when escaped).
            assert!(e.title.chars().count() < 1100, "{} chars", e.title.len());
        }
    }
}

// ---------------------------------------------------------------------------------------------------------------
// deep_link

/// A `patchbay://` link as the OS hands it to the app: [`Flows::deliver_callback`], with one sign-in waiting
/// for a deep link and one (same state) waiting on its loopback listener. Only an exact link reaches the first;
/// the second never takes one; a link is used once.
pub fn deep_link(data: &[u8]) {
    let url = String::from_utf8_lossy(data);
    let flows = Flows::default();
    let deep = flows.register("deep", CancellationToken::new());
    let mut deep_inbox = deep.waiting(STATE, error_context(), true);
    let loopback = flows.register("loopback", CancellationToken::new());
    let mut loopback_inbox = loopback.waiting(STATE, error_context(), false);
    match flows.deliver_callback(&url) {
        Ok(()) => {
            let params = deep_inbox
                .deep_link
                .try_recv()
                .expect("a delivered link reaches its sign-in");
            assert_eq!(params.state, STATE);
            let parsed = Url::parse(&url).expect("a delivered link is a URL");
            assert_eq!(
                (parsed.scheme(), parsed.host_str(), parsed.path()),
                ("patchbay", Some("oauth"), "/callback")
            );
            let replay = flows
                .deliver_callback(&url)
                .expect_err("a link is used once");
            assert_eq!(replay.code, ErrorCode::StateMismatch);
        }
        Err(e) => {
            assert_eq!(e.code, ErrorCode::StateMismatch);
            assert_words(&e);
            assert!(deep_inbox.deep_link.try_recv().is_err());
        }
    }
    assert!(loopback_inbox.deep_link.try_recv().is_err());
    drop((deep, loopback));
    assert!(flows.is_empty());
}

// ---------------------------------------------------------------------------------------------------------------
// pasted_error

/// The text a person pastes from Microsoft's error page: [`Flows::report_page_error`] (which reads the AADSTS
/// code with [`ProviderError::aadsts`] and explains it with [`explain_provider_error`]).
pub fn pasted_error(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let flows = Flows::default();
    let slot = flows.register("flow", CancellationToken::new());
    let mut inbox = slot.waiting(STATE, error_context(), false);
    match flows.report_page_error("flow", &text) {
        Ok(error) => {
            assert_words(&error);
            assert!(
                text.contains("AADSTS"),
                "explained without a code: {text:?}"
            );
            let detail = error.detail.as_deref().expect("the pasted line is kept");
            let shown = detail
                .strip_prefix("shown on the sign-in page: ")
                .expect("the detail says where it came from");
            assert!(shown.chars().count() <= 301, "{} chars", shown.len());
            assert_eq!(inbox.abort.try_recv().ok(), Some(error));
        }
        Err(e) => {
            assert_eq!(e.code, ErrorCode::InvalidInput);
            assert_words(&e);
            assert!(inbox.abort.try_recv().is_err(), "the sign-in keeps waiting");
        }
    }
    // Not for a sign-in that is not there.
    assert!(flows.report_page_error("another", &text).is_err());
    // The same words from the token endpoint's error shape.
    let provider = ProviderError::new("invalid_request", Some(&text));
    assert_words(&explain_provider_error(&provider, error_context()));
    drop(slot);
}

// ---------------------------------------------------------------------------------------------------------------
// id_token_claims

fn id_token_providers() -> &'static [ProviderMetadata] {
    static PROVIDERS: OnceLock<Vec<ProviderMetadata>> = OnceLock::new();
    PROVIDERS.get_or_init(|| {
        let make = |issuer: &str, base: &str| ProviderMetadata {
            issuer: issuer.into(),
            authorization_endpoint: Url::parse(&format!("{base}/authorize")).expect("static URL"),
            token_endpoint: Url::parse(&format!("{base}/token")).expect("static URL"),
            jwks_uri: None,
            authorization_response_iss_parameter_supported: false,
            prompt_values_supported: None,
        };
        vec![
            // Microsoft's multi-tenant authorities: a template.
            make(
                "https://login.microsoftonline.com/{tenantid}/v2.0",
                "https://login.microsoftonline.com/organizations/oauth2/v2.0",
            ),
            // A single tenant.
            make(
                "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0",
                "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/oauth2/v2.0",
            ),
            // oidc-provider on this computer (tests/interop).
            make("http://localhost:3000", "http://localhost:3000"),
        ]
    })
}

fn check_id_token(
    result: Result<IdTokenClaims, ErrorInfo>,
    metadata: &ProviderMetadata,
    client_id: &str,
) {
    match result {
        Ok(claims) => {
            assert!(metadata.matches_issuer(&claims.iss), "{:?}", claims.iss);
            assert!(claims.aud.iter().any(|a| a == client_id));
            if claims.aud.len() > 1 {
                assert_eq!(claims.azp.as_deref(), Some(client_id));
            }
            assert_eq!(claims.nonce.as_deref(), Some(NONCE));
            assert!(claims.exp.saturating_add(300) >= NOW);
            assert!(claims.iat.is_none_or(|iat| iat <= NOW + 300));
            assert!(claims.oid.is_some() || claims.sub.is_some());
            let _ = claims.account();
        }
        Err(e) => {
            assert_eq!(e.code, ErrorCode::ProviderError);
            assert_words(&e);
            assert!(e.detail.is_some());
        }
    }
}

/// The claims of an ID token (the bytes are its JSON payload, wrapped in a JWT here): [`validate_id_token`]
/// against Microsoft's template issuer, a single tenant and a local provider. Input with a `.` that is UTF-8 is
/// also tried as a whole token.
pub fn id_token_claims(data: &[u8]) {
    let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(data);
    let token = format!("eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.{payload}.c2lnbmF0dXJl");
    for metadata in id_token_providers() {
        let result = validate_id_token(&token, metadata, CLIENT_ID, NONCE, NOW);
        check_id_token(result, metadata, CLIENT_ID);
    }
    if let Ok(raw) = std::str::from_utf8(data) {
        if raw.contains('.') {
            let metadata = &id_token_providers()[0];
            let result = validate_id_token(raw, metadata, CLIENT_ID, NONCE, NOW);
            check_id_token(result, metadata, CLIENT_ID);
        }
    }
}

// ---------------------------------------------------------------------------------------------------------------
// discovery_document

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

fn authorities() -> &'static [Url] {
    static AUTHORITIES: OnceLock<Vec<Url>> = OnceLock::new();
    AUTHORITIES.get_or_init(|| {
        [
            "https://login.microsoftonline.com/organizations/v2.0",
            "https://login.microsoftonline.com/common/v2.0/",
            "https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0",
            "https://login.chinacloudapi.cn/organizations/v2.0",
            "http://127.0.0.1:4000/organizations/v2.0",
            "http://localhost:3000/",
            "https://id.example.com",
        ]
        .iter()
        .map(|a| Url::parse(a).expect("static URL"))
        .collect()
    })
}

/// A discovery document (`.well-known/openid-configuration`), read as `Discovery::get` reads it: as
/// [`ProviderMetadata`] then [`ProviderMetadata::validate`] against several authorities; and as Microsoft's
/// error shape, as `Discovery::get` reads a refusal. A document that validates sends nothing over plain http
/// off this computer.
pub fn discovery_document(data: &[u8]) {
    let body = String::from_utf8_lossy(data);
    if let Ok(refusal) = serde_json::from_str::<ProviderError>(&body) {
        let _ = refusal.summary();
        let _ = refusal.aadsts();
    }
    let Ok(metadata) = serde_json::from_str::<ProviderMetadata>(&body) else {
        return;
    };
    for authority in authorities() {
        let _ = discovery_url(authority);
        match metadata.validate(authority) {
            Ok(()) => {
                let local = authority.scheme() == "http" && is_loopback(authority);
                let endpoints = [
                    Some(&metadata.authorization_endpoint),
                    Some(&metadata.token_endpoint),
                    metadata.jwks_uri.as_ref(),
                ];
                for url in endpoints.into_iter().flatten() {
                    assert!(
                        url.scheme() == "https"
                            || (local && url.scheme() == "http" && is_loopback(url)),
                        "{url} validated for {authority}"
                    );
                    assert!(url.username().is_empty() && url.password().is_none());
                }
            }
            Err(e) => {
                assert_eq!(e.code, ErrorCode::ProviderError);
                assert_words(&e);
            }
        }
    }
    // The ID-token check accepts the issuer the document names, for a real tenant.
    if metadata.issuer.matches("{tenantid}").count() <= 1 {
        let tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47";
        assert!(metadata.matches_issuer(&metadata.issuer_for_tenant(tenant)));
    }
}

// ---------------------------------------------------------------------------------------------------------------
// token_response

type TokenResp = oauth2::StandardTokenResponse<IdTokenField, oauth2::basic::BasicTokenType>;
type OAuthClient = oauth2::Client<
    ProviderError,
    TokenResp,
    oauth2::basic::BasicTokenIntrospectionResponse,
    oauth2::StandardRevocableToken,
    oauth2::basic::BasicRevocationErrorResponse,
    oauth2::EndpointSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointSet,
>;

fn token_clients() -> &'static (TokenClient, OAuthClient) {
    static CLIENTS: OnceLock<(TokenClient, OAuthClient)> = OnceLock::new();
    CLIENTS.get_or_init(|| {
        let metadata = &id_token_providers()[0];
        let ours = TokenClient::new(
            metadata,
            CLIENT_ID,
            None,
            Some("http://localhost:8400"),
            crate::oauth::http_client(),
        )
        .expect("static configuration");
        // Configured as `TokenClient::new` configures its own; only the transport differs (in memory here).
        let theirs = oauth2::Client::new(oauth2::ClientId::new(CLIENT_ID.into()))
            .set_auth_uri(oauth2::AuthUrl::from_url(
                metadata.authorization_endpoint.clone(),
            ))
            .set_token_uri(oauth2::TokenUrl::from_url(metadata.token_endpoint.clone()))
            .set_auth_type(oauth2::AuthType::RequestBody)
            .set_redirect_uri(
                oauth2::RedirectUrl::new("http://localhost:8400".into()).expect("static URL"),
            );
        (ours, theirs)
    })
}

/// Every key in a JSON value, at any depth.
fn json_keys(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                out.push(k.clone());
                json_keys(v, out);
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| json_keys(v, out)),
        _ => {}
    }
}

/// The body the token endpoint answers a code exchange with, as a 200 (a token response with the ID token
/// field), a 400 and a 429 (Microsoft's error shape): parsed by the `oauth2` crate as `TokenClient` has it
/// parse, then [`TokenClient::finish`] (lifetime bounds, the error kinds), and for errors
/// [`TokenError::explain`] and [`RefreshError::from_provider`]. Tokens never show in `Debug` nor in an error.
pub fn token_response(data: &[u8]) {
    let (ours, theirs) = token_clients();
    let json: Option<serde_json::Value> = serde_json::from_slice(data).ok();
    for (status, content_type) in [
        (200u16, Some("application/json; charset=utf-8")),
        (400, Some("application/json")),
        (429, None),
    ] {
        let mut answer = oauth2::http::Response::builder().status(status);
        if let Some(ct) = content_type {
            answer = answer.header(oauth2::http::header::CONTENT_TYPE, ct);
        }
        let answer = answer.body(data.to_vec()).expect("static response parts");
        let http = move |_request: oauth2::HttpRequest| {
            std::future::ready(Ok::<_, oauth2::HttpClientError<reqwest::Error>>(
                answer.clone(),
            ))
        };
        let request = theirs
            .exchange_code(oauth2::AuthorizationCode::new("fuzz-code".into()))
            .set_pkce_verifier(oauth2::PkceCodeVerifier::new("v".repeat(43)))
            .request_async(&http);
        let mut request = std::pin::pin!(request);
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        let std::task::Poll::Ready(result) = request.as_mut().poll(&mut cx) else {
            panic!("an in-memory answer is read at once");
        };
        let before = time::OffsetDateTime::now_utc().unix_timestamp();
        let meta = AnswerMeta {
            status: Some(status),
            retry_after: None,
        };
        let read = ours.finish(result, meta);
        let after = time::OffsetDateTime::now_utc().unix_timestamp();
        match read {
            Ok(set) => {
                assert_eq!(status, 200);
                assert!(
                    set.expires_at > before && set.expires_at <= after + 7 * 24 * 3600,
                    "expires_at {} at {before}",
                    set.expires_at
                );
                // Debug shows no token, whatever they are.
                let other = TokenSet {
                    access_token: SecretString::from("another"),
                    refresh_token: set
                        .refresh_token
                        .as_ref()
                        .map(|_| SecretString::from("another")),
                    expires_at: set.expires_at,
                    scopes: set.scopes.clone(),
                    id_token: set.id_token.as_ref().map(|_| SecretString::from("another")),
                };
                assert_eq!(format!("{set:?}"), format!("{other:?}"));
                let _ = set.access_token.expose_secret();
            }
            Err(TokenError::Provider { error, status, .. }) => {
                assert_ne!(status, 200);
                assert_words(
                    &TokenError::Provider {
                        error: error.clone(),
                        status,
                        retry_after: None,
                    }
                    .explain(error_context()),
                );
                let refresh = RefreshError::from_provider(error, status, None);
                assert!(!refresh.reason().is_empty());
                assert_words(&refresh.to_error_info());
            }
            Err(TokenError::Other { info, .. }) => {
                assert_words(&info);
                // Never the body: a half-parsed success would hold tokens.
                if let Some(token) = json
                    .as_ref()
                    .and_then(|j| j.get("access_token"))
                    .and_then(|t| t.as_str())
                    .filter(|t| t.len() >= 16)
                {
                    let mut keys = Vec::new();
                    json_keys(json.as_ref().expect("checked"), &mut keys);
                    if !keys.iter().any(|k| k.contains(token)) {
                        assert!(!format!("{info:?}").contains(token), "{info:?}");
                    }
                }
            }
            Err(TokenError::Network { .. }) => panic!("no network was used"),
        }
    }
}

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
            assert!(is_damaged(&e), "{e:?}");
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
