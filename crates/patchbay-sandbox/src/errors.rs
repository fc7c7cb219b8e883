//! Microsoft-shaped errors: the token endpoint's JSON, the redirect's `error_description`, and the identity
//! platform's error page.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::util;

/// An `AADSTSnnnnn` error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AadError {
    pub status: StatusCode,
    /// OAuth error code: `invalid_grant`, `invalid_client`, ...
    pub error: &'static str,
    pub code: u32,
    /// The text after `AADSTSnnnnn: `.
    pub message: String,
}

/// The trace block Microsoft appends to every `error_description`.
pub struct Trace {
    pub trace_id: String,
    pub correlation_id: String,
    pub timestamp: String,
}

impl Trace {
    pub fn new() -> Trace {
        Trace {
            trace_id: util::new_guid(),
            correlation_id: util::new_guid(),
            timestamp: util::aad_timestamp(util::unix_now()),
        }
    }
}

impl AadError {
    pub fn new(error: &'static str, code: u32, message: impl Into<String>) -> AadError {
        let status = if error == "invalid_client" {
            StatusCode::UNAUTHORIZED
        } else {
            StatusCode::BAD_REQUEST
        };
        AadError {
            status,
            error,
            code,
            message: message.into(),
        }
    }

    pub fn with_status(mut self, status: StatusCode) -> AadError {
        self.status = status;
        self
    }

    /// `AADSTS900144: The request body must contain the following parameter: '{name}'.`
    pub fn missing(name: &str) -> AadError {
        AadError::new(
            "invalid_request",
            900144,
            format!("The request body must contain the following parameter: '{name}'."),
        )
    }

    pub fn tenant_not_found(tenant: &str) -> AadError {
        AadError::new(
            "invalid_request",
            90002,
            format!(
                "Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into \
                 the correct cloud. Check with your subscription administrator, this may happen if there are no \
                 active subscriptions for the tenant."
            ),
        )
    }

    pub fn headline(&self) -> String {
        format!("AADSTS{}: {}", self.code, self.message)
    }

    pub fn description(&self, trace: &Trace) -> String {
        format!(
            "{}\r\nTrace ID: {}\r\nCorrelation ID: {}\r\nTimestamp: {}",
            self.headline(),
            trace.trace_id,
            trace.correlation_id,
            trace.timestamp
        )
    }

    pub fn error_uri(&self, base: &str) -> String {
        format!("{base}/error?code={}", self.code)
    }

    /// The token endpoint's JSON error.
    pub fn to_json_response(&self, base: &str) -> Response {
        let trace = Trace::new();
        let body = json!({
            "error": self.error,
            "error_description": self.description(&trace),
            "error_codes": [self.code],
            "timestamp": trace.timestamp,
            "trace_id": trace.trace_id,
            "correlation_id": trace.correlation_id,
            "error_uri": self.error_uri(base),
        });
        (
            self.status,
            [(header::CACHE_CONTROL, "no-store")],
            axum::Json(body),
        )
            .into_response()
    }
}

/// Known codes, in words, for the `error_uri` help page.
pub fn explain(code: u32) -> Option<&'static str> {
    Some(match code {
        50011 => "The redirect URI sent by the app does not match one registered for it.",
        50034 => "The user account does not exist in the directory.",
        50058 => "A silent sign-in request was sent but no user is signed in.",
        50076 => "Multi-factor authentication is required.",
        50079 => "The user must enroll in multi-factor authentication.",
        50173 => "The refresh token was revoked; sign in again.",
        54005 => "The authorization code was already redeemed.",
        65001 => "Consent is required (by the user or an administrator).",
        65004 => "The user declined to consent.",
        70000 => "The grant is invalid, malformed or was already used.",
        70008 => "The authorization code expired.",
        70011 => "The requested scope is invalid.",
        90002 => "The tenant does not exist.",
        90094 => "The grant requires admin permission.",
        90100 => "A request parameter is empty or not valid.",
        500112 => "The token request's redirect URI differs from the authorization request's.",
        501481 => "The PKCE code verifier does not match the code challenge.",
        700016 => "The application was not found in the directory.",
        700025 => "Public clients must not present a client secret.",
        700054 => "The response type is not enabled for the application.",
        700082 => "The refresh token expired due to inactivity.",
        900144 => "A required parameter is missing.",
        900561 => "The endpoint only accepts POST requests.",
        7000215 => "The client secret is wrong.",
        7000218 => "A confidential client must authenticate with a client secret.",
        7000222 => "The client secret expired.",
        9002313 => "The request is malformed or the grant is unknown.",
        9002325 => "PKCE (S256) is required.",
        _ => return None,
    })
}
