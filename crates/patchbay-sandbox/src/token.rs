//! `POST /{tenant}/oauth2/v2.0/token`: the authorization code and refresh token grants.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use serde_json::{json, Value};

use crate::authorize::app_not_found;
use crate::errors::AadError;
use crate::scopes::{self, ScopeRequest, GRAPH_RESOURCE_ID};
use crate::state::Garble;
use crate::state::{
    tenant_known, AccessGrant, App, AppState, DemoUser, FailPlan, Inner, RefreshGrant,
};
use crate::util::{self, param, parse_pairs, random_b64, unix_now};
use crate::DEMO_TENANT_ID;

pub async fn token(
    State(st): State<Arc<AppState>>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let form = parse_pairs(&body);
    let failure = {
        let mut inner = st.lock();
        let grant = param(&form, "grant_type").unwrap_or("(none)").to_string();
        *inner.stats.token_requests.entry(grant).or_default() += 1;
        inner.take_failure()
    };
    if let Some(plan) = failure {
        return injected_failure(&st, plan);
    }
    match handle(&st, &tenant, &headers, &form) {
        Ok(body) => (
            StatusCode::OK,
            [
                (header::CACHE_CONTROL, "no-store"),
                (header::PRAGMA, "no-cache"),
            ],
            axum::Json(body),
        )
            .into_response(),
        Err(err) => {
            st.lock().stats.token_errors += 1;
            err.to_json_response(&st.base)
        }
    }
}

/// `GET` on the token endpoint, as Microsoft answers it.
pub async fn token_get(State(st): State<Arc<AppState>>) -> Response {
    AadError::new(
        "invalid_request",
        900561,
        "The endpoint only accepts POST, OPTIONS requests. Received a GET request.",
    )
    .to_json_response(&st.base)
}

/// A `POST /_sandbox/fail` response for the token endpoint.
fn injected_failure(st: &AppState, plan: FailPlan) -> Response {
    let status = StatusCode::from_u16(plan.status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
    let err = if status == StatusCode::TOO_MANY_REQUESTS {
        AadError::new(
            "temporarily_unavailable",
            90055,
            "There are too many incoming requests. Please try again later.",
        )
    } else {
        AadError::new(
            "temporarily_unavailable",
            90033,
            "A transient error has occurred. Please try again.",
        )
    };
    let mut response = err.with_status(status).to_json_response(&st.base);
    if let Some(secs) = plan.retry_after {
        if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
            response.headers_mut().insert(header::RETRY_AFTER, v);
        }
    }
    response
}

/// Percent-decode one `application/x-www-form-urlencoded` component (RFC 6749 §2.3.1 Basic credentials).
fn form_decode(s: &str) -> String {
    fn hex(b: u8) -> Option<u8> {
        (b as char).to_digit(16).and_then(|d| u8::try_from(d).ok())
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => match (
                bytes.get(i + 1).copied().and_then(hex),
                bytes.get(i + 2).copied().and_then(hex),
            ) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// (client_id, client_secret) from HTTP Basic (client_secret_basic) or the body (client_secret_post).
fn client_credentials(
    headers: &HeaderMap,
    form: &HashMap<String, String>,
) -> Result<(Option<String>, Option<String>), AadError> {
    if let Some(auth) = headers.get(header::AUTHORIZATION) {
        let malformed = || {
            AadError::new(
                "invalid_client",
                7000215,
                "Invalid client secret provided. The Authorization header is malformed.",
            )
        };
        let value = auth.to_str().map_err(|_| malformed())?;
        if let Some(b64) = value
            .strip_prefix("Basic ")
            .or_else(|| value.strip_prefix("basic "))
        {
            let decoded = STANDARD.decode(b64.trim()).map_err(|_| malformed())?;
            let text = String::from_utf8(decoded).map_err(|_| malformed())?;
            let (id, secret) = text.split_once(':').ok_or_else(malformed)?;
            return Ok((Some(form_decode(id)), Some(form_decode(secret))));
        }
    }
    Ok((
        param(form, "client_id").map(str::to_string),
        param(form, "client_secret").map(str::to_string),
    ))
}

fn authenticate(app: &App, secret: Option<&str>) -> Result<(), AadError> {
    match (&app.secret, secret) {
        (None, None) => Ok(()),
        (None, Some(_)) => Err(AadError::new(
            "invalid_client",
            700025,
            "Client is public so neither 'client_assertion' nor 'client_secret' should be presented.",
        )),
        (Some(_), None) => Err(AadError::new(
            "invalid_client",
            7000218,
            "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
        )),
        (Some(expected), Some(given)) if *expected == util::sha256_hex(given) => {
            if app.secret_expired {
                Err(AadError::new(
                    "invalid_client",
                    7000222,
                    format!(
                        "The provided client secret keys for app '{}' are expired. Visit the Azure portal to create \
                         new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate \
                         credentials for added security: https://aka.ms/certCreds.",
                        app.client_id
                    ),
                ))
            } else {
                Ok(())
            }
        }
        (Some(_), Some(_)) => Err(AadError::new(
            "invalid_client",
            7000215,
            format!(
                "Invalid client secret provided. Ensure the secret being sent in the request is the client secret \
                 value, not the client secret ID, for a secret added to app '{}'.",
                app.client_id
            ),
        )),
    }
}

fn handle(
    st: &AppState,
    tenant: &str,
    headers: &HeaderMap,
    form: &HashMap<String, String>,
) -> Result<Value, AadError> {
    if !tenant_known(tenant) {
        return Err(AadError::tenant_not_found(tenant));
    }
    let grant_type = param(form, "grant_type").ok_or_else(|| AadError::missing("grant_type"))?;
    let (client_id, secret) = client_credentials(headers, form)?;
    let client_id = client_id
        .filter(|c| !c.is_empty())
        .ok_or_else(|| AadError::missing("client_id"))?;
    let mut inner = st.lock();
    let app = inner
        .tenant
        .apps
        .get(&client_id)
        .cloned()
        .ok_or_else(|| app_not_found(&client_id))?;
    authenticate(&app, secret.as_deref().filter(|s| !s.is_empty()))?;
    let issue = match grant_type {
        "authorization_code" => code_grant(&mut inner, &app, form),
        "refresh_token" => refresh_grant(&mut inner, &app, form, tenant),
        other => Err(AadError::new(
            "unsupported_grant_type",
            70003,
            format!("The app requested an unsupported grant type '{other}'."),
        )),
    }?;
    // Sign without holding the state: RSA signatures are the slow part, and a tenant serves many at once.
    drop(inner);
    let minted = mint(st, &issue)?;
    let mut inner = st.lock();
    minted.record(&mut inner, &issue);
    let mut body = minted.body;
    if grant_type == "refresh_token" {
        match inner.garble_refresh.take() {
            Some(Garble::ZeroLifetime) => body["expires_in"] = json!(0),
            Some(Garble::Unreadable) => {
                body.as_object_mut().map(|o| o.remove("token_type"));
            }
            None => {}
        }
    }
    Ok(body)
}

fn invalid_grant_malformed() -> AadError {
    AadError::new(
        "invalid_grant",
        9002313,
        "Invalid request. Request is malformed or invalid.",
    )
}

fn code_grant(
    inner: &mut Inner,
    app: &App,
    form: &HashMap<String, String>,
) -> Result<Issue, AadError> {
    let code = param(form, "code").ok_or_else(|| AadError::missing("code"))?;
    let lifetime = inner.settings.code_lifetime;
    let grant = inner
        .codes
        .get(code)
        .cloned()
        .ok_or_else(invalid_grant_malformed)?;
    if grant.request.client_id != app.client_id {
        return Err(AadError::new(
            "invalid_grant",
            70000,
            "Provided grant is invalid or malformed. The authorization code was issued to another client.",
        ));
    }
    if grant.redeemed {
        return Err(AadError::new(
            "invalid_grant",
            54005,
            "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing \
             refresh token.",
        ));
    }
    if grant.issued.elapsed() > lifetime {
        return Err(AadError::new(
            "invalid_grant",
            70008,
            "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive \
             authorization request for this user and resource.",
        ));
    }
    let given_redirect = param(form, "redirect_uri").unwrap_or_default();
    if given_redirect != grant.request.redirect_uri {
        return Err(AadError::new(
            "invalid_grant",
            500112,
            format!(
                "The reply address '{given_redirect}' does not match the reply address '{}' provided when requesting \
                 Authorization code.",
                grant.request.redirect_uri
            ),
        ));
    }
    if let Some(challenge) = &grant.request.code_challenge {
        let ok = param(form, "code_verifier")
            .map(util::pkce_s256)
            .is_some_and(|c| &c == challenge);
        if !ok {
            return Err(AadError::new(
                "invalid_grant",
                501481,
                "The Code_Verifier does not match the code_challenge supplied in the authorization request.",
            ));
        }
    }
    let user = inner
        .user_by_id(&grant.user_id)
        .cloned()
        .ok_or_else(invalid_grant_malformed)?;
    if let Some(c) = inner.codes.get_mut(code) {
        c.redeemed = true;
    }
    Ok(Issue {
        app: app.clone(),
        user,
        id_token: scopes::contains(&grant.granted, "openid"),
        grant_scopes: grant.granted.clone(),
        access_scopes: grant.granted,
        nonce: grant.request.nonce,
        lifetime: inner.settings.access_token_lifetime.as_secs(),
    })
}

fn refresh_grant(
    inner: &mut Inner,
    app: &App,
    form: &HashMap<String, String>,
    tenant: &str,
) -> Result<Issue, AadError> {
    let token = param(form, "refresh_token").ok_or_else(|| AadError::missing("refresh_token"))?;
    let grace = inner.settings.refresh_token_grace;
    let key = util::sha256_hex(token);
    let grant = inner
        .tenant
        .refresh_tokens
        .get(&key)
        .cloned()
        .ok_or_else(invalid_grant_malformed)?;
    if grant.client_id != app.client_id {
        return Err(AadError::new(
            "invalid_grant",
            70000,
            "Provided grant is invalid or malformed. The refresh token was issued to another client.",
        ));
    }
    if grant.revoked {
        return Err(AadError::new(
            "invalid_grant",
            50173,
            "The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might \
             have changed or reset their password.",
        ));
    }
    if grant.expired {
        return Err(AadError::new(
            "invalid_grant",
            700082,
            format!(
                "The refresh token has expired due to inactivity. The token was issued on {} and was inactive for \
                 90.00:00:00.",
                util::iso_timestamp(grant.issued_unix)
            ),
        ));
    }
    if let Some(used) = grant.used_unix_ms {
        if util::unix_now_ms().saturating_sub(used) >= grace.as_millis() as u64 {
            return Err(AadError::new(
                "invalid_grant",
                70000,
                "Provided grant is invalid or malformed. The refresh token was already redeemed (the sandbox \
                 rotates refresh tokens).",
            ));
        }
    }
    let access_scopes = match param(form, "scope").map(scopes::parse) {
        None => grant.scopes.clone(),
        Some(Err(e)) => return Err(AadError::new("invalid_scope", 70011, e.0)),
        Some(Ok(ScopeRequest::Default { .. })) => grant.scopes.clone(),
        Some(Ok(ScopeRequest::Named(list))) => {
            if list.iter().any(|s| !scopes::contains(&grant.scopes, s)) {
                return Err(AadError::new(
                    "invalid_grant",
                    65001,
                    format!(
                        "The user or administrator has not consented to use the application with ID '{}' named \
                         '{}'. Send an interactive authorization request for this user and resource.",
                        app.client_id, app.name
                    ),
                ));
            }
            list
        }
    };
    let user = inner
        .user_by_id(&grant.user_id)
        .cloned()
        .ok_or_else(invalid_grant_malformed)?;
    // A personal account's refresh token is redeemed at `consumers` only: one sent to `common` (where the
    // sign-in may have happened, for an app registered for both kinds) is refused at its first refresh, as a
    // maintained Microsoft 365 tool reported from the real service.
    if user.personal && !tenant.eq_ignore_ascii_case("consumers") {
        return Err(AadError::new(
            "invalid_grant",
            9002313,
            format!(
                "Invalid request. Request is malformed or invalid. The refresh token of a Microsoft account \
                 (consumers) was sent to the '{tenant}' endpoint; it is redeemed at 'consumers'."
            ),
        ));
    }
    if !user.personal && tenant.eq_ignore_ascii_case("consumers") {
        return Err(invalid_grant_malformed());
    }
    if let Some(g) = inner.tenant.refresh_tokens.get_mut(&key) {
        g.used_unix_ms.get_or_insert_with(util::unix_now_ms);
    }
    Ok(Issue {
        app: app.clone(),
        user,
        // As Microsoft: a refresh returns an ID token only when it asks for `openid` again.
        id_token: scopes::contains(&access_scopes, "openid"),
        grant_scopes: grant.scopes,
        access_scopes,
        nonce: None,
        lifetime: inner.settings.access_token_lifetime.as_secs(),
    })
}

/// Microsoft's pairwise `sub`: stable per user and app.
fn pairwise_sub(user: &DemoUser, client_id: &str) -> String {
    let digest = ring::digest::digest(
        &ring::digest::SHA256,
        format!("{}:{client_id}", user.id).as_bytes(),
    );
    URL_SAFE_NO_PAD.encode(digest.as_ref())
}

/// What a valid grant gets: for whom, with which scopes.
struct Issue {
    app: App,
    user: DemoUser,
    /// Whether to return an ID token.
    id_token: bool,
    grant_scopes: Vec<String>,
    access_scopes: Vec<String>,
    nonce: Option<String>,
    /// Seconds.
    lifetime: u64,
}

/// Tokens signed for an [`Issue`], to be recorded in the tenant.
struct Minted {
    body: Value,
    access_token: String,
    refresh_token: Option<String>,
    now: u64,
}

/// Sign the access token (and refresh / ID tokens as the grant allows). No state is touched.
fn mint(st: &AppState, issue: &Issue) -> Result<Minted, AadError> {
    let signing_failed = || {
        AadError::new(
            "temporarily_unavailable",
            90033,
            "A transient error has occurred. Please try again.",
        )
    };
    let (app, user, lifetime) = (&issue.app, &issue.user, issue.lifetime);
    let now = unix_now();
    let resource_scopes: Vec<&str> = issue
        .access_scopes
        .iter()
        .map(String::as_str)
        .filter(|s| !scopes::is_oidc(s))
        .collect();
    let access_claims = json!({
        "aud": GRAPH_RESOURCE_ID,
        "iss": format!("{}/{DEMO_TENANT_ID}/", st.base),
        "iat": now, "nbf": now, "exp": now + lifetime,
        "app_displayname": app.name,
        "appid": app.client_id,
        "family_name": user.surname, "given_name": user.given_name,
        "idtyp": "user",
        "name": user.display_name,
        "oid": user.id,
        "scp": if resource_scopes.is_empty() { "User.Read".to_string() } else { resource_scopes.join(" ") },
        "sub": pairwise_sub(user, GRAPH_RESOURCE_ID),
        "tid": DEMO_TENANT_ID,
        "unique_name": user.email, "upn": user.email,
        "uti": random_b64(1),
        "ver": "1.0",
    });
    // A personal account's access tokens are not JWTs (nothing may read one), as Microsoft's are not.
    let access_token = if user.personal {
        format!("EwB{}", random_b64(6))
    } else {
        st.signer
            .sign(&access_claims)
            .map_err(|_| signing_failed())?
    };
    let tid = if user.personal {
        crate::CONSUMERS_TENANT_ID
    } else {
        DEMO_TENANT_ID
    };
    let issuer = st.issuer_for(user);
    let mut body = json!({
        "token_type": "Bearer",
        "scope": issue.access_scopes.join(" "),
        "expires_in": lifetime,
        "ext_expires_in": lifetime,
        "access_token": access_token,
    });
    let refresh_token = scopes::contains(&issue.grant_scopes, "offline_access")
        .then(|| format!("1.A{}", random_b64(6)));
    if let Some(rt) = &refresh_token {
        body["refresh_token"] = json!(rt);
    }
    if issue.id_token {
        let mut claims = json!({
            "aud": app.client_id,
            "iss": issuer,
            "iat": now, "nbf": now, "exp": now + 3600,
            "name": user.display_name,
            "oid": user.id,
            "preferred_username": user.email,
            "email": user.email,
            "sub": pairwise_sub(user, &app.client_id),
            "tid": tid,
            "uti": random_b64(1),
            "ver": "2.0",
        });
        if let Some(n) = &issue.nonce {
            claims["nonce"] = json!(n);
        }
        body["id_token"] = json!(st.signer.sign(&claims).map_err(|_| signing_failed())?);
    }
    Ok(Minted {
        body,
        access_token,
        refresh_token,
        now,
    })
}

impl Minted {
    /// Remember the tokens (by digest) so the token endpoint and Graph accept them.
    fn record(&self, inner: &mut Inner, issue: &Issue) {
        inner.tenant.access_tokens.insert(
            util::sha256_hex(&self.access_token),
            AccessGrant {
                client_id: issue.app.client_id.clone(),
                user_id: issue.user.id.clone(),
                scopes: issue.access_scopes.clone(),
                expires_unix: self.now + issue.lifetime,
            },
        );
        if let Some(rt) = &self.refresh_token {
            inner.tenant.refresh_tokens.insert(
                util::sha256_hex(rt),
                RefreshGrant {
                    client_id: issue.app.client_id.clone(),
                    user_id: issue.user.id.clone(),
                    scopes: issue.grant_scopes.clone(),
                    issued_unix: self.now,
                    used_unix_ms: None,
                    revoked: false,
                    expired: false,
                },
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::form_decode;

    #[test]
    fn decodes_basic_components() {
        assert_eq!(form_decode("a%3Ab+c"), "a:b c");
        assert_eq!(form_decode("100%"), "100%");
        assert_eq!(form_decode("%zz%4"), "%zz%4");
        assert_eq!(form_decode("~._-"), "~._-");
    }
}
