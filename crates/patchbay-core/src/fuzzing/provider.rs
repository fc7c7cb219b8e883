//! What the identity provider says: an error pasted from its page, ID-token claims, the discovery document
//! and token responses.

use super::*;

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
                let local = authority.scheme() == "http" && crate::net::is_loopback_url(authority);
                let endpoints = [
                    Some(&metadata.authorization_endpoint),
                    Some(&metadata.token_endpoint),
                    metadata.jwks_uri.as_ref(),
                ];
                for url in endpoints.into_iter().flatten() {
                    assert!(
                        url.scheme() == "https"
                            || (local
                                && url.scheme() == "http"
                                && crate::net::is_loopback_url(url)),
                        "{url} validated for {authority}"
                    );
                    assert!(url.username().is_empty() && url.password().is_none());
                }
            }
            Err(e) => {
                let e = ErrorInfo::from(e);
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
            Err(TokenError::Other { info, .. } | TokenError::Unaccepted { info, .. }) => {
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
