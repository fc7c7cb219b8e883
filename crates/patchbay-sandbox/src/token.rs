//! `POST /{tenant}/oauth2/v2.0/token`: the authorization code and refresh token grants.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use crate::authorize::app_not_found;
use crate::client_auth::{authenticate, client_credentials};
use crate::errors::AadError;
use crate::mint::{mint, Issue};
use crate::scopes::{self, ScopeRequest};
use crate::state::Garble;
use crate::state::{tenant_known, App, AppState, FailPlan, Inner};
use crate::util::{self, param, parse_pairs};

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
        Ok((body, truncate)) => {
            let mut bytes = body.to_string().into_bytes();
            if truncate {
                bytes.truncate(bytes.len() / 2);
            }
            (
                StatusCode::OK,
                [
                    (header::CONTENT_TYPE, "application/json; charset=utf-8"),
                    (header::CACHE_CONTROL, "no-store"),
                    (header::PRAGMA, "no-cache"),
                ],
                bytes,
            )
                .into_response()
        }
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

fn handle(
    st: &AppState,
    tenant: &str,
    headers: &HeaderMap,
    form: &HashMap<String, String>,
) -> Result<(Value, bool), AadError> {
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
    let mut truncate = false;
    if grant_type == "refresh_token" {
        match inner.garble_refresh.take() {
            Some(Garble::ZeroLifetime) => body["expires_in"] = json!(0),
            Some(Garble::Unreadable) => {
                body.as_object_mut().map(|o| o.remove("token_type"));
            }
            Some(Garble::Truncated) => truncate = true,
            None => {}
        }
    }
    Ok((body, truncate))
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
        client_info: crate::mint::asks_client_info(form),
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
        client_info: crate::mint::asks_client_info(form),
    })
}
