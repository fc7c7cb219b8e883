//! A strict stand-in for Graph's download and upload hosts, on 127.0.0.1 in the test: it asserts Graph's
//! rules from the outside and can answer as Graph may (a 416, a `nextExpectedRanges` that is not where the
//! client thought, a 503, a redirect elsewhere). Every other Graph request goes on to a sandbox, so a real
//! connection signs in and its token is checked there.
//!
//! - `GET …/content` answers 302 to `/dl/file?sig=…` here (or, by [`Redirect`], to a plain-http host that is
//!   not this computer, or to ftp), which serves [`Strict::download`] and records any `Authorization` or
//!   `Cookie` header as a violation.
//! - `POST …/createUploadSession` answers an `uploadUrl` at `/up/1` here, which checks each chunk:
//!   no `Authorization`, `Content-Range` that agrees with the body and the declared total, a size that is a
//!   multiple of 327,680 but for the last, at most 60 MiB, starting at the next expected byte (416 otherwise).

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

pub const UNIT: u64 = 327_680;

/// Where `…/content` redirects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Redirect {
    /// To `/dl/file` here (http on loopback, as the sandbox).
    Here,
    /// To this URL (a plain-http host elsewhere, another scheme).
    To(String),
}

/// An answer the upload host gives once, in place of the true one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Twist {
    /// At this PUT (counted from 1): answer 503 (with `Retry-After: 1`) and keep nothing.
    Unavailable(usize),
    /// At this PUT: keep it, but answer 202 saying the previous chunk's bytes are expected next (Graph lost
    /// them): the client must send from there.
    Rewind(usize),
    /// After this PUT: lose its bytes without saying so; the next PUT starts past what is kept and is answered
    /// 416, and the client must ask where the session stands.
    LoseSilently(usize),
    /// At this PUT: answer 409 `uploadSessionFailed` (an earlier fragment still being received) and keep
    /// nothing: the name is not taken, and the client must try again.
    Busy(usize),
}

#[derive(Debug, Default)]
pub struct Upload {
    pub total: Option<u64>,
    pub next: u64,
    pub bytes: Vec<u8>,
    /// Every PUT: (first, last) as declared.
    pub puts: Vec<(u64, u64)>,
    pub statuses: usize,
    pub answered_416: usize,
    pub done: bool,
    pub name: String,
    pub sessions: usize,
}

pub struct Strict {
    pub base: String,
    sandbox: String,
    http: reqwest::Client,
    pub redirect: Mutex<Redirect>,
    pub download: Vec<u8>,
    pub downloads: AtomicUsize,
    pub twists: Mutex<Vec<Twist>>,
    pub upload: Mutex<Upload>,
    pub violations: Mutex<Vec<String>>,
}

impl Strict {
    /// Serve on 127.0.0.1, passing Graph requests on to `sandbox_base` (`http://127.0.0.1:PORT`).
    pub async fn start(sandbox_base: &str, download: Vec<u8>) -> Arc<Strict> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let strict = Arc::new(Strict {
            base: format!("http://{addr}"),
            sandbox: sandbox_base.trim_end_matches('/').to_string(),
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            redirect: Mutex::new(Redirect::Here),
            download,
            downloads: AtomicUsize::new(0),
            twists: Mutex::new(Vec::new()),
            upload: Mutex::new(Upload::default()),
            violations: Mutex::new(Vec::new()),
        });
        let app = axum::Router::new()
            .fallback(handle)
            .with_state(strict.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        strict
    }

    /// The Graph URL a connection is given.
    pub fn graph_url(&self) -> String {
        format!("{}/graph", self.base)
    }

    pub fn violations(&self) -> Vec<String> {
        self.violations.lock().unwrap().clone()
    }

    fn violation(&self, v: String) {
        self.violations.lock().unwrap().push(v);
    }

    fn no_credentials(&self, headers: &HeaderMap, at: &str) {
        for name in ["authorization", "cookie"] {
            if headers.contains_key(name) {
                self.violation(format!("{at} got a {name} header"));
            }
        }
    }
}

async fn handle(State(s): State<Arc<Strict>>, request: Request) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let query = request.uri().query().map(str::to_string);
    let headers = request.headers().clone();
    let body = axum::body::to_bytes(request.into_body(), usize::MAX)
        .await
        .unwrap_or_default();
    if path.starts_with("/dl/") {
        return download(&s, &method, &headers);
    }
    if path.starts_with("/up/") {
        return upload_host(&s, &method, &headers, &body);
    }
    if path.starts_with("/graph/") {
        if !headers.contains_key("authorization") {
            s.violation(format!("Graph request {method} {path} without a token"));
        }
        if method == Method::GET && path.ends_with("/content") {
            let location = match s.redirect.lock().unwrap().clone() {
                Redirect::Here => format!("{}/dl/file?sig=pre-authenticated", s.base),
                Redirect::To(url) => url,
            };
            return (StatusCode::FOUND, [("location", location)]).into_response();
        }
        if method == Method::POST && path.ends_with("/createUploadSession") {
            let name = path
                .trim_end_matches(":/createUploadSession")
                .rsplit('/')
                .next()
                .unwrap_or("upload")
                .replace("%20", " ");
            let mut up = s.upload.lock().unwrap();
            *up = Upload {
                name,
                sessions: up.sessions + 1,
                ..Upload::default()
            };
            return axum::Json(json!({
                "uploadUrl": format!("{}/up/1", s.base),
                "expirationDateTime": "2099-01-01T00:00:00Z",
                "nextExpectedRanges": ["0-"],
            }))
            .into_response();
        }
        return forward(&s, method, &path, query.as_deref(), &headers, body).await;
    }
    (StatusCode::NOT_FOUND, "not here").into_response()
}

fn download(s: &Strict, method: &Method, headers: &HeaderMap) -> Response {
    s.no_credentials(headers, "the download URL");
    if method != Method::GET {
        s.violation(format!("{method} on the download URL"));
    }
    s.downloads.fetch_add(1, Ordering::SeqCst);
    Response::builder()
        .status(200)
        .header("content-type", "application/octet-stream")
        .header("content-length", s.download.len())
        .body(Body::from(s.download.clone()))
        .unwrap()
}

fn status_body(up: &Upload) -> serde_json::Value {
    json!({"expirationDateTime": "2099-01-01T00:00:00Z", "nextExpectedRanges": [format!("{}-", up.next)]})
}

fn upload_host(s: &Strict, method: &Method, headers: &HeaderMap, body: &[u8]) -> Response {
    s.no_credentials(headers, "the upload URL");
    let mut up = s.upload.lock().unwrap();
    if *method == Method::GET {
        up.statuses += 1;
        return axum::Json(status_body(&up)).into_response();
    }
    if *method == Method::DELETE {
        return StatusCode::NO_CONTENT.into_response();
    }
    if *method != Method::PUT {
        s.violation(format!("{method} on the upload URL"));
        return StatusCode::METHOD_NOT_ALLOWED.into_response();
    }
    let range = headers
        .get("content-range")
        .and_then(|v| v.to_str().ok())
        .and_then(parse_range);
    let Some((first, last, total)) = range else {
        s.violation("a chunk without a valid Content-Range".into());
        return StatusCode::BAD_REQUEST.into_response();
    };
    up.puts.push((first, last));
    let n = up.puts.len();
    let length: Option<u64> = headers
        .get("content-length")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    let size = last - first + 1;
    if length != Some(size) || body.len() as u64 != size {
        s.violation(format!(
            "chunk {n}: Content-Range {first}-{last} but Content-Length {length:?} and {} bytes",
            body.len()
        ));
    }
    if up.total.is_some_and(|t| t != total) {
        s.violation(format!("chunk {n}: the total changed to {total}"));
    }
    up.total = Some(total);
    if up.bytes.len() as u64 != total {
        up.bytes = vec![0; total as usize];
    }
    let is_last = last + 1 == total;
    if !is_last && size % UNIT != 0 {
        s.violation(format!(
            "chunk {n}: {size} bytes is not a multiple of 327,680"
        ));
    }
    if size > 60 * 1024 * 1024 {
        s.violation(format!("chunk {n}: {size} bytes is over 60 MiB"));
    }
    let twist = {
        let mut twists = s.twists.lock().unwrap();
        let found = twists.iter().position(|t| match t {
            Twist::Unavailable(k) | Twist::Rewind(k) | Twist::LoseSilently(k) | Twist::Busy(k) => {
                *k == n
            }
        });
        found.map(|i| twists.remove(i))
    };
    if let Some(Twist::Unavailable(_)) = twist {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            [("retry-after", "1")],
            axum::Json(json!({"error": {"code": "serviceNotAvailable", "message": "Try again."}})),
        )
            .into_response();
    }
    if let Some(Twist::Busy(_)) = twist {
        return (
            StatusCode::CONFLICT,
            axum::Json(json!({"error": {"code": "uploadSessionFailed", "message": "Another fragment of this upload session is being received."}})),
        )
            .into_response();
    }
    if first != up.next {
        up.answered_416 += 1;
        return (
            StatusCode::RANGE_NOT_SATISFIABLE,
            axum::Json(json!({
                "error": {"code": "invalidRange", "message": "The uploaded fragment does not start at the next expected byte."},
                "nextExpectedRanges": [format!("{}-", up.next)],
            })),
        )
            .into_response();
    }
    up.bytes[first as usize..=last as usize].copy_from_slice(body);
    up.next = last + 1;
    match twist {
        Some(Twist::Rewind(_)) => {
            // Graph says the chunk before this one is expected again.
            let back = up.puts.get(n.saturating_sub(2)).map(|p| p.0).unwrap_or(0);
            up.next = back;
            let body = status_body(&up);
            return (StatusCode::ACCEPTED, axum::Json(body)).into_response();
        }
        Some(Twist::LoseSilently(_)) => {
            up.next = first;
            let body = json!({"nextExpectedRanges": [format!("{}-", last + 1)]});
            return (StatusCode::ACCEPTED, axum::Json(body)).into_response();
        }
        _ => {}
    }
    if is_last {
        up.done = true;
        let item = json!({
            "id": "strict-item-1",
            "name": up.name,
            "size": total,
            "lastModifiedDateTime": "2026-05-01T10:00:00Z",
            "webUrl": "https://contoso.example/Documents/upload",
            "file": {"mimeType": "application/octet-stream"},
            "parentReference": {"path": "/drive/root:/Documents"},
        });
        return (StatusCode::CREATED, axum::Json(item)).into_response();
    }
    (StatusCode::ACCEPTED, axum::Json(status_body(&up))).into_response()
}

fn parse_range(v: &str) -> Option<(u64, u64, u64)> {
    let spec = v.trim().strip_prefix("bytes ")?;
    let (span, total) = spec.split_once('/')?;
    let (a, b) = span.split_once('-')?;
    let (a, b, t): (u64, u64, u64) = (a.parse().ok()?, b.parse().ok()?, total.parse().ok()?);
    (a <= b && b < t).then_some((a, b, t))
}

async fn forward(
    s: &Strict,
    method: Method,
    path: &str,
    query: Option<&str>,
    headers: &HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let mut url = format!("{}{path}", s.sandbox);
    if let Some(q) = query {
        url.push('?');
        url.push_str(q);
    }
    let mut out = s.http.request(
        reqwest::Method::from_bytes(method.as_str().as_bytes()).unwrap(),
        url,
    );
    for (k, v) in headers {
        if k != "host" && k != "content-length" {
            out = out.header(k.as_str(), v.as_bytes());
        }
    }
    let answer = out.body(body.to_vec()).send().await.unwrap();
    let mut response = Response::builder().status(answer.status().as_u16());
    for (k, v) in answer.headers() {
        if k != "transfer-encoding" && k != "content-length" {
            response = response.header(k.as_str(), v.as_bytes());
        }
    }
    let bytes = answer.bytes().await.unwrap_or_default();
    response.body(Body::from(bytes)).unwrap()
}
