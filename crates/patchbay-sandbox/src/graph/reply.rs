//! A finished Graph answer — status, headers, JSON body — that becomes either an HTTP response or one entry
//! of a `$batch` response.

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use crate::util::{iso_timestamp, new_guid, unix_now};

/// What Graph sends for OData payloads (and repeats in each `$batch` item's headers).
pub const ODATA_JSON: &str = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8";

pub struct Reply {
    pub status: StatusCode,
    /// Extra headers (`Preference-Applied`, `request-id`), spelled as Graph spells them.
    pub headers: Vec<(&'static str, String)>,
    pub body: Value,
    /// A binary answer instead of JSON (a hosted content's or an attachment's `$value`): its content type and
    /// bytes (shared, not copied: an attachment's bytes are held once).
    pub raw: Option<(String, Bytes)>,
}

impl Reply {
    pub fn ok(body: Value) -> Reply {
        Reply {
            status: StatusCode::OK,
            headers: Vec::new(),
            body,
            raw: None,
        }
    }

    /// `200 OK` with bytes of `content_type` as the body (a content type that cannot be a header value is sent as
    /// `application/octet-stream`).
    pub fn bytes(content_type: &str, bytes: Bytes) -> Reply {
        let content_type =
            if HeaderValue::from_str(content_type).is_ok() && !content_type.is_empty() {
                content_type.to_string()
            } else {
                "application/octet-stream".to_string()
            };
        Reply {
            status: StatusCode::OK,
            headers: Vec::new(),
            body: Value::Null,
            raw: Some((content_type, bytes)),
        }
    }

    /// Graph's error envelope: `{"error": {"code", "message", "innerError": {date, request-id, ...}}}`.
    pub fn error(status: StatusCode, code: &str, message: &str) -> Reply {
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
        Reply {
            status,
            headers: vec![("request-id", request_id)],
            body,
            raw: None,
        }
    }

    pub fn bad_request(code: &str, message: &str) -> Reply {
        Reply::error(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn with_header(mut self, name: &'static str, value: String) -> Reply {
        self.headers.push((name, value));
        self
    }

    pub fn is_success(&self) -> bool {
        self.status.is_success()
    }

    /// The `Content-Type` this reply is sent with: errors are plain JSON, payloads OData JSON.
    pub fn content_type(&self) -> &str {
        if let Some((content_type, _)) = &self.raw {
            content_type
        } else if self.is_success() {
            ODATA_JSON
        } else {
            "application/json"
        }
    }
}

impl IntoResponse for Reply {
    fn into_response(self) -> Response {
        let content_type = self.content_type().to_string();
        // No body at all (204, 302, sendMail's 202): no content type either.
        let empty = self.body.is_null() && self.raw.is_none();
        let mut response = if let Some((_, bytes)) = self.raw {
            let length = bytes.len();
            // The shared bytes themselves go out (hyper writes them as they are): a 25 MiB attachment is held
            // once, however many answers serve it at the same time.
            let mut r = (self.status, Body::from(bytes)).into_response();
            r.headers_mut()
                .insert(header::CONTENT_LENGTH, HeaderValue::from(length));
            r
        } else if empty {
            self.status.into_response()
        } else {
            (self.status, self.body.to_string()).into_response()
        };
        let headers = response.headers_mut();
        if !empty {
            if let Ok(v) = HeaderValue::from_str(&content_type) {
                headers.insert(header::CONTENT_TYPE, v);
            }
        }
        for (name, value) in self.headers {
            // `from_bytes`, not `from_static`: Graph's spelling has capitals, which HTTP/1 sends as lower case.
            if let (Ok(n), Ok(v)) = (
                HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_str(&value),
            ) {
                headers.insert(n, v);
            }
        }
        response
    }
}
