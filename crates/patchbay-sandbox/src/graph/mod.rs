//! A minimal Microsoft Graph under `/graph`: bearer-token checks, Graph's error shape, and one module per
//! resource (`me` for now; mail and calendar later).

mod me;

use std::sync::Arc;

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

use crate::scopes;
use crate::state::{AppState, DemoUser};
use crate::util::{iso_timestamp, new_guid, unix_now};

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/graph/v1.0/me", get(me::get_me))
        .route("/graph/oidc/userinfo", get(me::userinfo))
}

/// Who is calling, from a valid access token.
#[allow(dead_code)] // client_id is for resources that will care about the calling app.
pub struct Caller {
    pub user: DemoUser,
    pub client_id: String,
    pub scopes: Vec<String>,
}

impl Caller {
    /// Whether the token carries any of `accepted` (Graph's "least privileged or higher" rule).
    pub fn has_any(&self, accepted: &[&str]) -> bool {
        accepted.iter().any(|s| scopes::contains(&self.scopes, s))
    }
}

/// `{"error": {"code", "message", "innerError": {...}}}`.
pub fn graph_error(status: StatusCode, code: &str, message: &str) -> Response {
    let request_id = new_guid();
    let body = json!({
        "error": {
            "code": code,
            "message": message,
            "innerError": {
                "date": iso_timestamp(unix_now()),
                "request-id": request_id,
                "client-request-id": request_id,
            }
        }
    });
    let mut response = (status, Json(body)).into_response();
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert("request-id", v);
    }
    response
}

pub fn insufficient_privileges() -> Response {
    graph_error(
        StatusCode::FORBIDDEN,
        "Authorization_RequestDenied",
        "Insufficient privileges to complete the operation.",
    )
}

fn unauthorized(message: &str) -> Response {
    let mut response = graph_error(
        StatusCode::UNAUTHORIZED,
        "InvalidAuthenticationToken",
        message,
    );
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer realm=\"\", error=\"invalid_token\", client_id=\"00000003-0000-0000-c000-000000000000\""),
    );
    response
}

/// Count the request, apply an injected failure, then check the bearer token.
#[allow(clippy::result_large_err)] // the error is the finished response, returned once
pub fn authenticate(st: &AppState, headers: &HeaderMap) -> Result<Caller, Response> {
    let mut inner = st.lock();
    inner.stats.graph_requests += 1;
    if let Some(plan) = inner.take_failure() {
        drop(inner);
        let status = StatusCode::from_u16(plan.status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
        let (code, message) = match plan.status {
            429 => (
                "TooManyRequests",
                "Too many requests. Please retry after the time in the Retry-After header.",
            ),
            503 => (
                "serviceNotAvailable",
                "The service is temporarily unavailable. Please retry later.",
            ),
            _ => ("generalException", "An unspecified error occurred."),
        };
        let mut response = graph_error(status, code, message);
        if let Some(secs) = plan.retry_after {
            if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        return Err(response);
    }
    let value = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .trim();
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .map(str::trim)
        .unwrap_or("");
    if token.is_empty() {
        return Err(unauthorized("Access token is empty."));
    }
    let Some(grant) = inner
        .tenant
        .access_tokens
        .get(&crate::util::sha256_hex(token))
        .cloned()
    else {
        if !token.contains('.') {
            return Err(unauthorized(
                "IDX14100: JWT is not well formed, there are no dots (.).",
            ));
        }
        return Err(unauthorized(
            "Access token validation failure. Invalid signature.",
        ));
    };
    if grant.expires_unix <= unix_now() {
        return Err(unauthorized(
            "Lifetime validation failed, the token is expired.",
        ));
    }
    let Some(user) = inner.user_by_id(&grant.user_id).cloned() else {
        return Err(unauthorized(
            "Access token validation failure. The user does not exist.",
        ));
    };
    Ok(Caller {
        user,
        client_id: grant.client_id,
        scopes: grant.scopes,
    })
}
