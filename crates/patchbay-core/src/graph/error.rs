//! Microsoft Graph's errors, typed by what a caller does about them, with Graph's own `code`, `message` and
//! request ids kept (`{"error": {"code", "message", "innerError": {"request-id", "client-request-id", "date"}}}`).

use crate::model::ProblemReport;
use serde::Deserialize;
use std::time::Duration;

/// Graph's error body, as sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GraphErrorBody {
    pub code: String,
    pub message: String,
    pub request_id: Option<String>,
    pub client_request_id: Option<String>,
    pub date: Option<String>,
}

#[derive(Deserialize)]
struct Envelope {
    error: Inner,
}

#[derive(Deserialize)]
struct Inner {
    #[serde(default)]
    code: String,
    #[serde(default)]
    message: String,
    #[serde(default, rename = "innerError")]
    inner_error: Option<InnerError>,
}

#[derive(Deserialize)]
struct InnerError {
    #[serde(default, rename = "request-id")]
    request_id: Option<String>,
    #[serde(default, rename = "client-request-id")]
    client_request_id: Option<String>,
    #[serde(default)]
    date: Option<String>,
}

impl GraphErrorBody {
    /// Parse Graph's error envelope; a body that is not one keeps the HTTP status as its code. The
    /// `request-id` header fills in when the body has none.
    pub fn parse(status: u16, body: &[u8], request_id_header: Option<&str>) -> Self {
        let mut parsed = match serde_json::from_slice::<Envelope>(body) {
            Ok(e) => {
                let inner = e.error.inner_error;
                GraphErrorBody {
                    code: e.error.code,
                    message: e.error.message,
                    request_id: inner.as_ref().and_then(|i| i.request_id.clone()),
                    client_request_id: inner.as_ref().and_then(|i| i.client_request_id.clone()),
                    date: inner.and_then(|i| i.date),
                }
            }
            Err(_) => GraphErrorBody {
                code: format!("HTTP {status}"),
                message: String::from_utf8_lossy(&body[..body.len().min(200)])
                    .trim()
                    .to_string(),
                ..GraphErrorBody::default()
            },
        };
        if parsed.request_id.is_none() {
            parsed.request_id = request_id_header.map(str::to_string);
        }
        parsed
    }

    /// `code: message`.
    pub fn summary(&self) -> String {
        if self.message.is_empty() {
            self.code.clone()
        } else {
            format!("{}: {}", self.code, self.message)
        }
    }
}

#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum GraphError {
    /// 401: the token was not accepted (expired, revoked): refresh once and retry.
    #[error("Graph did not accept the token: {}", .0.summary())]
    Unauthorized(GraphErrorBody),
    /// 403: the token is fine, a permission is missing.
    #[error("Graph refused the request: {}", .0.summary())]
    Forbidden(GraphErrorBody),
    /// 429, with `Retry-After`.
    #[error("Graph is throttling requests: {}", body.summary())]
    Throttled {
        retry_after: Option<Duration>,
        body: GraphErrorBody,
    },
    /// 5xx, with `Retry-After` when given.
    #[error("Graph had a problem (HTTP {status}): {}", body.summary())]
    Server {
        status: u16,
        retry_after: Option<Duration>,
        body: GraphErrorBody,
    },
    /// No answer: network or timeout.
    #[error("Graph could not be reached: {detail}")]
    Network { timeout: bool, detail: String },
    /// Any other answer.
    #[error("Graph answered HTTP {status}: {}", body.summary())]
    Other { status: u16, body: GraphErrorBody },
    /// A link (an `@odata.nextLink`) that points outside this connection's Graph: not followed, so the token
    /// never goes anywhere else.
    #[error("Patchbay did not follow a link outside Microsoft Graph: {0}")]
    ForeignLink(String),
    /// An answer longer than Patchbay reads (see [`crate::body`]).
    #[error("Graph sent an answer of more than {}", crate::body::size_words(*cap))]
    TooLarge { cap: usize },
    /// A success whose body is not what was asked for.
    #[error("Graph sent an answer Patchbay cannot read: {0}")]
    Decode(String),
}

impl GraphError {
    pub fn from_status(
        status: u16,
        retry_after: Option<Duration>,
        body: GraphErrorBody,
    ) -> GraphError {
        match status {
            401 => GraphError::Unauthorized(body),
            403 => GraphError::Forbidden(body),
            429 => GraphError::Throttled { retry_after, body },
            500..=599 => GraphError::Server {
                status,
                retry_after,
                body,
            },
            _ => GraphError::Other { status, body },
        }
    }

    /// Offline, throttled or Graph having trouble: nothing is wrong with the connection.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            GraphError::Throttled { .. } | GraphError::Server { .. } | GraphError::Network { .. }
        )
    }

    pub fn body(&self) -> Option<&GraphErrorBody> {
        match self {
            GraphError::Unauthorized(b) | GraphError::Forbidden(b) => Some(b),
            GraphError::Throttled { body, .. }
            | GraphError::Server { body, .. }
            | GraphError::Other { body, .. } => Some(body),
            GraphError::Network { .. }
            | GraphError::Decode(_)
            | GraphError::ForeignLink(_)
            | GraphError::TooLarge { .. } => None,
        }
    }

    pub fn report(&self) -> ProblemReport {
        ProblemReport {
            at: crate::clock::now_rfc3339(),
            summary: self.to_string(),
            detail: None,
            trace_id: None,
            correlation_id: self.body().and_then(|b| b.client_request_id.clone()),
            request_id: self.body().and_then(|b| b.request_id.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graphs_envelope_keeps_code_message_and_ids() {
        let body = br#"{"error":{"code":"ErrorAccessDenied","message":"Access is denied.","innerError":{"request-id":"r-1","client-request-id":"c-1","date":"2026-11-29T10:00:00"}}}"#;
        let parsed = GraphErrorBody::parse(403, body, Some("header-id"));
        assert_eq!(parsed.code, "ErrorAccessDenied");
        assert_eq!(parsed.request_id.as_deref(), Some("r-1"));
        assert_eq!(parsed.client_request_id.as_deref(), Some("c-1"));
        let e = GraphError::from_status(403, None, parsed);
        assert!(matches!(e, GraphError::Forbidden(_)));
        assert!(!e.is_transient());
        assert_eq!(e.report().request_id.as_deref(), Some("r-1"));
    }

    #[test]
    fn a_body_that_is_not_graphs_keeps_the_status_and_the_header_id() {
        let parsed = GraphErrorBody::parse(502, b"<html>Bad gateway</html>", Some("h-1"));
        assert_eq!(parsed.code, "HTTP 502");
        assert_eq!(parsed.request_id.as_deref(), Some("h-1"));
        let e = GraphError::from_status(502, Some(Duration::from_secs(3)), parsed);
        assert!(e.is_transient());
    }
}
