//! Content: `GET …/content` answers 302 to a pre-authenticated, short-lived URL on the sandbox's "download
//! host" (`/_download/{token}`), as Graph redirects to SharePoint's or OneDrive's. That host takes no bearer
//! token — the URL is the credential — and refuses a request that carries one (401), so a client that forwards
//! its Authorization header on the redirect finds out here rather than leak its token to another host. It
//! serves the bytes streamed from memory or disk, with `Range` (206, or 416 past the end).

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::json;

use super::model::Blob;
use super::{files, item_not_found, locate, Access, DriveSel, ItemAddr};
use crate::graph::{Caller, GraphRequest, Reply};
use crate::state::AppState;

/// How long a download URL works (Graph's last about an hour).
const LIFETIME_SECS: u64 = 3600;

fn sign(key: &str, payload: &str) -> String {
    crate::util::sha256_hex(&format!("{key}\n{payload}"))[..32].to_string()
}

/// A download URL for the item: `{base}/_download/{payload}.{signature}`, the payload naming the drive, the item
/// and when the URL expires.
pub fn download_url(st: &AppState, key: &str, drive_id: &str, item_id: &str) -> String {
    let expires = crate::util::unix_now() + LIFETIME_SECS;
    let payload = URL_SAFE_NO_PAD.encode(format!("{drive_id}\n{item_id}\n{expires}"));
    format!("{}/_download/{payload}.{}", st.base, sign(key, &payload))
}

/// `GET …/content`: 302 to the item's download URL.
pub fn redirect(
    st: &AppState,
    caller: &Caller,
    req: &GraphRequest,
    sel: &DriveSel,
    addr: &ItemAddr,
) -> Reply {
    let _ = req;
    let inner = files(st);
    let (drive_id, item_id, _) = match locate(&inner, caller, sel, addr, Access::Read) {
        Ok(l) => l,
        Err(r) => return r,
    };
    let Some(item) = inner.files.drive(&drive_id).and_then(|d| d.get(&item_id)) else {
        return item_not_found();
    };
    if item.is_folder() {
        return item_not_found();
    }
    let url = download_url(st, &inner.files.key, &drive_id, &item_id);
    Reply {
        status: StatusCode::FOUND,
        headers: vec![("Location", url)],
        body: serde_json::Value::Null,
        raw: None,
    }
}

fn host_error(status: StatusCode, code: &str, message: &str) -> Response {
    let mut r = (
        status,
        axum::Json(json!({"error": {"code": code, "message": message}})),
    )
        .into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

/// Requests to the download and upload hosts carry no bearer token; one that does is refused.
pub fn refuse_authorization(headers: &HeaderMap) -> Option<Response> {
    headers.contains_key(header::AUTHORIZATION).then(|| {
        let mut r = host_error(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "This URL is pre-authenticated: send it without an Authorization header (do not forward the Graph \
             token to the download or upload host).",
        );
        r.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"download\""),
        );
        r
    })
}

/// An injected failure (`/_sandbox/fail`) applies to these hosts as it does to Graph.
pub fn injected_failure(st: &AppState) -> Option<Response> {
    let plan = st.lock().take_failure()?;
    let status = StatusCode::from_u16(plan.status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
    let mut r = host_error(
        status,
        if plan.status == 429 {
            "activityLimitReached"
        } else {
            "serviceNotAvailable"
        },
        "The request has been throttled or the service is unavailable.",
    );
    if let Some(secs) = plan.retry_after {
        if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
            r.headers_mut().insert(header::RETRY_AFTER, v);
        }
    }
    Some(r)
}

/// `Range: bytes=a-b | a- | -n` against `len`: the inclusive span, `Err` when it cannot be satisfied, `None`
/// for no (or an unreadable) range.
fn range(headers: &HeaderMap, len: u64) -> Option<Result<(u64, u64), ()>> {
    let raw = headers.get(header::RANGE)?.to_str().ok()?;
    let spec = raw.trim().strip_prefix("bytes=")?;
    if spec.contains(',') {
        return None; // Several ranges: answer with the whole file, as SharePoint does.
    }
    let (a, b) = spec.split_once('-')?;
    let (a, b) = (a.trim(), b.trim());
    let span = if a.is_empty() {
        let n: u64 = b.parse().ok()?;
        if n == 0 || len == 0 {
            return Some(Err(()));
        }
        (len.saturating_sub(n), len - 1)
    } else {
        let start: u64 = a.parse().ok()?;
        let end: u64 = if b.is_empty() {
            len.saturating_sub(1)
        } else {
            b.parse::<u64>().ok()?.min(len.saturating_sub(1))
        };
        if start >= len || end < start {
            return Some(Err(()));
        }
        (start, end)
    };
    Some(Ok(span))
}

/// `GET /_download/{token}`: the bytes.
pub async fn download(
    State(st): State<Arc<AppState>>,
    method: Method,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Some(r) = refuse_authorization(&headers) {
        return r;
    }
    if let Some(r) = injected_failure(&st) {
        return r;
    }
    let not_found = || {
        host_error(
            StatusCode::NOT_FOUND,
            "itemNotFound",
            "The download URL is not valid, has expired, or the file is gone.",
        )
    };
    let Some((payload, signature)) = token.rsplit_once('.') else {
        return not_found();
    };
    let (blob, size, mime, name, etag) = {
        let inner = st.lock();
        if sign(&inner.files.key, payload) != signature {
            return not_found();
        }
        let Some(decoded) = URL_SAFE_NO_PAD
            .decode(payload)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
        else {
            return not_found();
        };
        let mut parts = decoded.split('\n');
        let (Some(drive_id), Some(item_id), Some(expires)) =
            (parts.next(), parts.next(), parts.next())
        else {
            return not_found();
        };
        if expires.parse::<u64>().unwrap_or(0) < crate::util::unix_now() {
            return host_error(
                StatusCode::UNAUTHORIZED,
                "unauthenticated",
                "The download URL has expired; ask Graph for the item again to get a new one.",
            );
        }
        let Some(drive) = inner.files.drive(drive_id) else {
            return not_found();
        };
        let Some(item) = drive.get(item_id) else {
            return not_found();
        };
        let Some(file) = &item.file else {
            return not_found();
        };
        (
            file.blob.clone(),
            file.size,
            file.mime.clone(),
            item.name.clone(),
            drive.ctag(item),
        )
    };
    let span = match range(&headers, size) {
        Some(Err(())) => {
            let mut r = StatusCode::RANGE_NOT_SATISFIABLE.into_response();
            if let Ok(v) = HeaderValue::from_str(&format!("bytes */{size}")) {
                r.headers_mut().insert(header::CONTENT_RANGE, v);
            }
            return r;
        }
        Some(Ok(span)) => Some(span),
        None => None,
    };
    let (start, end) = span.unwrap_or((0, size.saturating_sub(1)));
    let length = if size == 0 { 0 } else { end - start + 1 };
    let body = if method == Method::HEAD {
        Body::empty()
    } else {
        match blob {
            Blob::Mem(bytes) => Body::from(bytes.slice(start as usize..(start + length) as usize)),
            Blob::Disk(path) => {
                use tokio::io::{AsyncReadExt as _, AsyncSeekExt as _};
                let mut file = match tokio::fs::File::open(&path).await {
                    Ok(f) => f,
                    Err(_) => return not_found(),
                };
                if file.seek(std::io::SeekFrom::Start(start)).await.is_err() {
                    return not_found();
                }
                Body::from_stream(tokio_util::io::ReaderStream::with_capacity(
                    file.take(length),
                    256 * 1024,
                ))
            }
        }
    };
    let mut response = Response::new(body);
    *response.status_mut() = if span.is_some() {
        StatusCode::PARTIAL_CONTENT
    } else {
        StatusCode::OK
    };
    let h = response.headers_mut();
    let mut set = |name: header::HeaderName, value: String| {
        if let Ok(v) = HeaderValue::from_str(&value) {
            h.insert(name, v);
        }
    };
    set(header::CONTENT_TYPE, mime);
    set(header::CONTENT_LENGTH, length.to_string());
    set(header::ACCEPT_RANGES, "bytes".into());
    set(header::ETAG, etag);
    set(
        header::CONTENT_DISPOSITION,
        format!(
            "attachment; filename*=UTF-8''{}",
            crate::graph::odata::percent_encode(&name)
        ),
    );
    if span.is_some() {
        set(header::CONTENT_RANGE, format!("bytes {start}-{end}/{size}"));
    }
    response
}

/// The `(drive, item)` a download URL names, for tests of the token format.
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        let mut h = HeaderMap::new();
        h.insert(header::RANGE, HeaderValue::from_static("bytes=0-9"));
        assert_eq!(range(&h, 100), Some(Ok((0, 9))));
        h.insert(header::RANGE, HeaderValue::from_static("bytes=90-"));
        assert_eq!(range(&h, 100), Some(Ok((90, 99))));
        h.insert(header::RANGE, HeaderValue::from_static("bytes=-5"));
        assert_eq!(range(&h, 100), Some(Ok((95, 99))));
        h.insert(header::RANGE, HeaderValue::from_static("bytes=100-"));
        assert_eq!(range(&h, 100), Some(Err(())));
        h.insert(header::RANGE, HeaderValue::from_static("bytes=50-500"));
        assert_eq!(range(&h, 100), Some(Ok((50, 99))));
    }
}
