//! Authorization URL and token endpoint calls, through the `oauth2` crate with Microsoft's error shape kept.
//! The client secret, when there is one, is sent only to the token endpoint (in the request body, as
//! Microsoft documents).

use crate::error::{ErrorCode, ErrorInfo};
use crate::oauth::aad::ProviderError;
pub use crate::oauth::answer::AnswerMeta;
use crate::oauth::answer::RecordingClient;
use crate::oauth::discovery::{network_error, ProviderMetadata};
use oauth2::basic::{
    BasicRevocationErrorResponse, BasicTokenIntrospectionResponse, BasicTokenType,
};
use oauth2::{
    AuthUrl, AuthorizationCode, ClientId, CsrfToken, EndpointNotSet, EndpointSet, ExtraTokenFields,
    PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, RefreshToken, RequestTokenError, Scope,
    StandardRevocableToken, StandardTokenResponse, TokenResponse, TokenUrl,
};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use url::Url;

/// The ID token rides along with the token response. `oauth2` needs these fields to be `Debug` and
/// `Serialize`; the `Debug` is written by hand so that a logged or panicking token response never shows the
/// token (it names the user). It is moved into a `SecretString` as soon as the response is read.
#[derive(Clone, Serialize, Deserialize)]
pub struct IdTokenField {
    #[serde(default)]
    pub id_token: Option<String>,
}
impl ExtraTokenFields for IdTokenField {}

impl std::fmt::Debug for IdTokenField {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdTokenField")
            .field("id_token", &self.id_token.as_ref().map(|_| "[redacted]"))
            .finish()
    }
}

/// The longest access-token lifetime taken at its word: Microsoft's are 60–90 minutes (up to 28 hours with
/// continuous access evaluation). A larger `expires_in` (or zero) is a broken or hostile answer; it would keep
/// a dead token in use for years, or overflow the expiry arithmetic.
const MAX_EXPIRES_IN_SECS: u64 = 7 * 24 * 3600;

type TokenResp = StandardTokenResponse<IdTokenField, BasicTokenType>;
type OAuthClient = oauth2::Client<
    ProviderError,
    TokenResp,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
>;

/// What a token request returns. Every token is a secret: `Debug` redacts them, nothing serialises them.
#[derive(Debug)]
pub struct TokenSet {
    pub access_token: SecretString,
    pub refresh_token: Option<SecretString>,
    /// Unix seconds.
    pub expires_at: i64,
    /// Granted scopes when the provider says (Microsoft always does).
    pub scopes: Option<Vec<String>>,
    pub id_token: Option<SecretString>,
}

/// Why a token request failed, with what the answer said about when to come back.
#[derive(Debug)]
pub enum TokenError {
    /// The provider answered with an OAuth error (Microsoft's shape kept), with its HTTP status.
    Provider {
        error: ProviderError,
        status: u16,
        retry_after: Option<std::time::Duration>,
    },
    /// No answer: the network, a timeout. `sent` when the request may have reached the provider (anything
    /// after the connection was made): it may have been carried out, and what it sent must not be sent again.
    Network {
        info: ErrorInfo,
        timeout: bool,
        sent: bool,
    },
    /// A 200 that Patchbay does not take (an impossible lifetime, a body that is not a token response, one cut
    /// short). The provider carried the request out: what that did to the refresh token sent is `rotation`.
    Unaccepted { info: ErrorInfo, rotation: Rotation },
    /// An answer that is not OAuth (an HTML error page, a redirect), with its HTTP status when there was one.
    Other {
        info: ErrorInfo,
        status: Option<u16>,
        retry_after: Option<std::time::Duration>,
    },
}

/// What a 200 Patchbay did not take says of the refresh token the request redeemed.
#[derive(Debug)]
pub enum Rotation {
    /// The answer carries a new refresh token (read from its JSON for that field alone): the one to keep.
    New(SecretString),
    /// The answer was read and carries none: the provider does not rotate, and the one sent still stands.
    Unchanged,
    /// The answer could not be read (cut short, not JSON, far too long): a new refresh token may have been in
    /// it and is lost, and the one sent may be spent. Sending it again is what reuse detection takes for theft.
    Unknown,
}

impl Rotation {
    /// What a 200's `body` says, when it is not a token response Patchbay takes.
    fn of(body: &[u8]) -> Rotation {
        #[derive(Deserialize)]
        struct Rotated {
            refresh_token: Option<SecretString>,
        }
        // A JSON object at all (its values skipped, never copied)?
        if serde_json::from_slice::<std::collections::HashMap<String, serde::de::IgnoredAny>>(body)
            .is_err()
        {
            return Rotation::Unknown;
        }
        match serde_json::from_slice::<Rotated>(body) {
            Ok(Rotated {
                refresh_token: Some(t),
            }) if !t.expose_secret().is_empty() => Rotation::New(t),
            Ok(Rotated {
                refresh_token: None,
            }) => Rotation::Unchanged,
            _ => Rotation::Unknown,
        }
    }
}

/// A 200 whose body never arrived whole (cut short, or over the cap): carried out, its answer lost.
fn lost_answer(title: &str, detail: String) -> TokenError {
    TokenError::Unaccepted {
        info: ErrorInfo::new(
            ErrorCode::ProviderError,
            title,
            "Try again in a minute. If it keeps happening, the service may be down.",
        )
        .with_detail(detail),
        rotation: Rotation::Unknown,
    }
}

impl TokenError {
    /// In words, for a sign-in that was asking for `ctx`.
    pub fn explain(self, ctx: &crate::oauth::aad::ErrorContext) -> ErrorInfo {
        match self {
            TokenError::Provider { error, .. } => {
                crate::oauth::aad::explain_provider_error(&error, ctx)
            }
            TokenError::Network { info, .. }
            | TokenError::Other { info, .. }
            | TokenError::Unaccepted { info, .. } => info,
        }
    }
}

/// What the authorization request carries besides the endpoint and client.
pub struct AuthorizeParams<'a> {
    pub scopes: &'a [String],
    pub state: &'a str,
    pub nonce: &'a str,
    pub pkce_challenge: PkceCodeChallenge,
    /// `select_account` for a new connection so the browser's current account is never bound silently.
    pub prompt: Option<&'a str>,
    pub login_hint: Option<&'a str>,
}

pub struct TokenClient {
    client: OAuthClient,
    /// Kept here and lent to each request rather than given to the oauth2 crate, whose `ClientSecret` is a
    /// plain `String` never wiped.
    client_secret: Option<SecretString>,
    token_endpoint: Url,
    http: reqwest::Client,
}

/// A fresh PKCE pair (S256).
pub fn new_pkce() -> (PkceCodeChallenge, PkceCodeVerifier) {
    PkceCodeChallenge::new_random_sha256()
}

/// A fresh random value for `state` or `nonce`.
pub fn new_random_token() -> String {
    CsrfToken::new_random_len(32).secret().clone()
}

impl TokenClient {
    pub fn new(
        metadata: &ProviderMetadata,
        client_id: &str,
        client_secret: Option<&SecretString>,
        redirect_uri: Option<&str>,
        http: reqwest::Client,
    ) -> Result<Self, ErrorInfo> {
        let bad = |what: &str, e: url::ParseError| {
            ErrorInfo::new(
                ErrorCode::ProviderError,
                format!("The provider's {what} is not a valid URL."),
                "Check the authority.",
            )
            .with_detail(e.to_string())
        };
        let mut client = oauth2::Client::new(ClientId::new(client_id.to_string()))
            .set_auth_uri(AuthUrl::from_url(metadata.authorization_endpoint.clone()))
            .set_token_uri(TokenUrl::from_url(metadata.token_endpoint.clone()))
            .set_auth_type(oauth2::AuthType::RequestBody);
        if let Some(uri) = redirect_uri {
            client = client.set_redirect_uri(
                RedirectUrl::new(uri.to_string()).map_err(|e| bad("redirect URI", e))?,
            );
        }
        Ok(Self {
            client,
            client_secret: client_secret.cloned(),
            token_endpoint: metadata.token_endpoint.clone(),
            http,
        })
    }

    /// The URL to open in the browser.
    pub fn authorize_url(&self, p: AuthorizeParams<'_>) -> Url {
        let state = p.state.to_string();
        let mut request = self
            .client
            .authorize_url(move || CsrfToken::new(state))
            .add_scopes(p.scopes.iter().map(|s| Scope::new(s.clone())))
            .set_pkce_challenge(p.pkce_challenge)
            .add_extra_param("nonce", p.nonce.to_string())
            .add_extra_param("response_mode", "query");
        if let Some(prompt) = p.prompt {
            request = request.add_extra_param("prompt", prompt.to_string());
        }
        if let Some(hint) = p.login_hint {
            request = request.add_extra_param("login_hint", hint.to_string());
        }
        request.url().0
    }

    pub async fn exchange_code(
        &self,
        code: String,
        verifier: PkceCodeVerifier,
    ) -> Result<TokenSet, TokenError> {
        let meta = std::sync::Mutex::new(AnswerMeta::default());
        let http = self.recording(&meta);
        let mut request = self
            .client
            .exchange_code(AuthorizationCode::new(code))
            .set_pkce_verifier(verifier);
        if let Some(secret) = &self.client_secret {
            // RFC 6749 §2.3.1, in the body as Microsoft documents; lent, not copied.
            request = request.add_extra_param("client_secret", secret.expose_secret());
        }
        let result = request.request_async(&http).await;
        let meta = *meta.lock().unwrap_or_else(|p| p.into_inner());
        self.finish(result, meta)
    }

    pub async fn refresh(
        &self,
        refresh_token: &SecretString,
        scopes: &[String],
    ) -> Result<TokenSet, TokenError> {
        // The oauth2 crate takes the token as a `String` of its own: wiped once the request is done.
        let token = RefreshToken::new(refresh_token.expose_secret().to_string());
        let meta = std::sync::Mutex::new(AnswerMeta::default());
        let http = self.recording(&meta);
        let mut request = self
            .client
            .exchange_refresh_token(&token)
            .add_scopes(scopes.iter().map(|s| Scope::new(s.clone())));
        if let Some(secret) = &self.client_secret {
            request = request.add_extra_param("client_secret", secret.expose_secret());
        }
        let result = request.request_async(&http).await;
        zeroize::Zeroize::zeroize(&mut token.into_secret());
        let meta = *meta.lock().unwrap_or_else(|p| p.into_inner());
        self.finish(result, meta)
    }

    fn recording<'m>(&self, meta: &'m std::sync::Mutex<AnswerMeta>) -> RecordingClient<'m> {
        RecordingClient {
            http: self.http.clone(),
            meta,
        }
    }

    pub fn finish(
        &self,
        result: Result<
            TokenResp,
            RequestTokenError<oauth2::HttpClientError<reqwest::Error>, ProviderError>,
        >,
        meta: AnswerMeta,
    ) -> Result<TokenSet, TokenError> {
        let response = result.map_err(|e| match e {
            RequestTokenError::ServerResponse(provider) => TokenError::Provider {
                error: provider,
                status: meta.status.unwrap_or(400),
                retry_after: meta.retry_after,
            },
            // A 200 whose body then failed: the provider carried it out, and its answer is lost.
            RequestTokenError::Request(oauth2::HttpClientError::Reqwest(inner))
                if meta.status == Some(200) =>
            {
                lost_answer(
                    "The sign-in service's answer was cut short.",
                    format!("HTTP 200, then {}", network_error(&self.token_endpoint, &inner).title),
                )
            }
            RequestTokenError::Request(oauth2::HttpClientError::Reqwest(inner)) => {
                TokenError::Network {
                    timeout: inner.is_timeout(),
                    // reqwest says `is_connect` for failures before the request was written (DNS, refused,
                    // TLS, a connect timeout); anything later may have reached the provider.
                    sent: !inner.is_connect(),
                    info: network_error(&self.token_endpoint, &inner),
                }
            }
            RequestTokenError::Request(oauth2::HttpClientError::Other(too_large))
                if meta.status == Some(200) =>
            {
                lost_answer(
                    "The sign-in service sent an answer far larger than any token response.",
                    format!("HTTP 200, {too_large}"),
                )
            }
            RequestTokenError::Request(oauth2::HttpClientError::Other(too_large)) => {
                TokenError::Other {
                    info: ErrorInfo::new(
                        ErrorCode::ProviderError,
                        "The sign-in service sent an answer far larger than any token response.",
                        "Nothing was saved. Try again; if it persists, something between this computer and the \
                         sign-in service is misbehaving.",
                    )
                    .with_detail(too_large),
                    status: meta.status,
                    retry_after: meta.retry_after,
                }
            }
            // A 200 that is not a token response: the provider may have carried it out. Keep the refresh token
            // it holds, if any (read from the JSON alone), and never echo the body.
            RequestTokenError::Parse(inner, body) if meta.status == Some(200) => {
                TokenError::Unaccepted {
                    info: ErrorInfo::new(
                        ErrorCode::ProviderError,
                        "The sign-in service sent an answer Patchbay cannot read.",
                        "Try again in a minute. If it keeps happening, the service may be down.",
                    )
                    .with_detail(format!("HTTP 200, at {}", inner.path())),
                    rotation: Rotation::of(&body),
                }
            }
            // Never echo the body: a half-parsed success would hold tokens.
            RequestTokenError::Parse(inner, _body) => TokenError::Other {
                info: ErrorInfo::new(
                    ErrorCode::ProviderError,
                    "The sign-in service sent an answer Patchbay cannot read.",
                    "Try again in a minute. If it keeps happening, the service may be down.",
                )
                .with_detail(match meta.status {
                    Some(status) => format!("HTTP {status}, at {}", inner.path()),
                    None => format!("at {}", inner.path()),
                }),
                status: meta.status,
                retry_after: meta.retry_after,
            },
            other => TokenError::Other {
                info: ErrorInfo::new(
                    ErrorCode::ProviderError,
                    "The token request failed.",
                    "Try again in a minute. If it keeps happening, the service may be down.",
                )
                .with_detail(other.to_string()),
                status: meta.status,
                retry_after: meta.retry_after,
            },
        })?;
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        // RFC 6749 §5.1: expires_in is RECOMMENDED, so a missing one means the provider's default (an hour).
        let expires_in =
            match response.expires_in().map(|d| d.as_secs()) {
                None => 3600,
                Some(secs @ 1..=MAX_EXPIRES_IN_SECS) => secs as i64,
                Some(secs) => return Err(TokenError::Unaccepted {
                    info: ErrorInfo::new(
                        ErrorCode::ProviderError,
                        "The sign-in service sent a token with an impossible lifetime.",
                        "Its access token was not used. Try again; if it persists, the service is misbehaving.",
                    )
                    .with_detail(format!("expires_in {secs} s")),
                    rotation: match response.refresh_token() {
                        Some(t) => Rotation::New(SecretString::from(t.secret().as_str())),
                        None => Rotation::Unchanged,
                    },
                }),
            };
        Ok(TokenSet {
            access_token: SecretString::from(response.access_token().secret().to_string()),
            refresh_token: response
                .refresh_token()
                .map(|t| SecretString::from(t.secret().to_string())),
            expires_at: now.saturating_add(expires_in),
            scopes: response
                .scopes()
                .map(|s| s.iter().map(|x| x.to_string()).collect()),
            id_token: response
                .extra_fields()
                .id_token
                .clone()
                .map(SecretString::from),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wiremock::matchers::{body_string_contains, method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    fn metadata(server: &MockServer) -> ProviderMetadata {
        let base = Url::parse(&server.uri()).unwrap();
        ProviderMetadata {
            issuer: server.uri(),
            authorization_endpoint: base.join("/authorize").unwrap(),
            token_endpoint: base.join("/token").unwrap(),
            jwks_uri: None,
            authorization_response_iss_parameter_supported: false,
            prompt_values_supported: None,
        }
    }

    fn token_body() -> serde_json::Value {
        serde_json::json!({
            "token_type": "Bearer",
            "access_token": "at-from-the-redirect-target",
            "expires_in": 3600,
            "scope": "openid"
        })
    }

    #[tokio::test]
    async fn a_token_request_follows_no_redirect_and_sends_the_secret_only_in_the_body() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/token"))
            .and(body_string_contains("client_secret=s3cret"))
            .respond_with(ResponseTemplate::new(307).insert_header("location", "/elsewhere/token"))
            .expect(1)
            .mount(&server)
            .await;
        // Were the redirect followed, the code, verifier and secret would land here.
        Mock::given(method("POST"))
            .and(path("/elsewhere/token"))
            .respond_with(ResponseTemplate::new(200).set_body_json(token_body()))
            .expect(0)
            .mount(&server)
            .await;
        let secret = SecretString::from("s3cret".to_string());
        let client = TokenClient::new(
            &metadata(&server),
            "client-1",
            Some(&secret),
            Some("http://localhost:1234"),
            crate::oauth::http_client(),
        )
        .unwrap();
        let (_, verifier) = new_pkce();
        let result = client.exchange_code("the-code".into(), verifier).await;
        let Err(TokenError::Other { info, .. }) = result else {
            panic!("a redirect from the token endpoint must fail: {result:?}");
        };
        assert_eq!(info.code, ErrorCode::ProviderError);
        assert!(!format!("{info:?}").contains("s3cret"));
        for request in server.received_requests().await.unwrap() {
            assert!(
                request.headers.get("authorization").is_none(),
                "the secret goes in the body, not a header"
            );
        }
        // `expect` counts are verified when the server drops.
    }

    #[tokio::test]
    async fn an_impossible_token_lifetime_is_refused_and_a_missing_one_is_an_hour() {
        let server = MockServer::start().await;
        for (expires_in, ok) in [
            (serde_json::json!(u64::MAX), false),
            (serde_json::json!(0), false),
            (serde_json::json!(10 * 365 * 24 * 3600), false),
            (serde_json::json!(5400), true),
        ] {
            server.reset().await;
            let mut body = token_body();
            body["expires_in"] = expires_in.clone();
            Mock::given(method("POST"))
                .and(path("/token"))
                .respond_with(ResponseTemplate::new(200).set_body_json(body))
                .mount(&server)
                .await;
            let client = TokenClient::new(
                &metadata(&server),
                "client-1",
                None,
                Some("http://localhost:1234"),
                crate::oauth::http_client(),
            )
            .unwrap();
            let (_, verifier) = new_pkce();
            let result = client.exchange_code("c".into(), verifier).await;
            assert_eq!(result.is_ok(), ok, "expires_in {expires_in}: {result:?}");
            if let Err(TokenError::Other { info, .. }) = result {
                assert!(info.title.contains("impossible lifetime"), "{}", info.title);
            }
        }
    }

    #[test]
    fn the_id_token_field_never_shows_the_token() {
        let field = IdTokenField {
            id_token: Some("eyJhbGciOi.secret.sig".into()),
        };
        let shown = format!("{field:?}");
        assert!(!shown.contains("eyJ"), "{shown}");
        assert!(shown.contains("[redacted]"));
    }

    #[test]
    fn a_200_not_taken_says_whether_the_refresh_token_was_replaced_kept_or_lost() {
        assert!(matches!(
            Rotation::of(br#"{"access_token":"a","refresh_token":"r2"}"#),
            Rotation::New(t) if t.expose_secret() == "r2"
        ));
        // Read, with no refresh token: the provider does not rotate.
        for unchanged in [
            &br#"{"access_token":"a","expires_in":0}"#[..],
            br#"{"refresh_token":null}"#,
        ] {
            assert!(matches!(Rotation::of(unchanged), Rotation::Unchanged));
        }
        // Not read: a new one may have been in it.
        for lost in [
            &br#"{"access_token":"a","refresh_tok"#[..],
            b"<html>Service unavailable</html>",
            b"",
            br#"["refresh_token"]"#,
            br#"{"refresh_token":42}"#,
            br#"{"refresh_token":""}"#,
        ] {
            assert!(
                matches!(Rotation::of(lost), Rotation::Unknown),
                "{}",
                String::from_utf8_lossy(lost)
            );
        }
    }
}
