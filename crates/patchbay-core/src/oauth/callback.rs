//! The loopback listener that receives the browser's redirect: bound to 127.0.0.1 and ::1 only, on an
//! ephemeral port unless the registered redirect URI names one. It accepts exactly one request whose `state`
//! matches, answers it with a small page, then closes. Anything else gets 400 and the flow keeps waiting.

use crate::error::{ErrorCode, ErrorInfo};
use axum::extract::{Query, State};
use axum::http::{StatusCode, Uri};
use axum::response::{Html, IntoResponse, Response};
use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::io;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;
use subtle::ConstantTimeEq;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::time::Sleep;
use tokio_util::sync::{CancellationToken, WaitForCancellationFutureOwned};

/// What came back on the redirect URI (or a `patchbay://oauth/callback` deep link).
#[derive(Clone, Default)]
pub struct CallbackParams {
    pub code: Option<String>,
    pub state: String,
    pub error: Option<String>,
    pub error_description: Option<String>,
    pub iss: Option<String>,
}

impl std::fmt::Debug for CallbackParams {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallbackParams")
            .field("code", &self.code.as_ref().map(|_| "<redacted>"))
            .field("state", &"<redacted>")
            .field("error", &self.error)
            .field("error_description", &self.error_description)
            .field("iss", &self.iss)
            .finish()
    }
}

impl CallbackParams {
    pub fn from_query(query: &HashMap<String, String>) -> Option<Self> {
        Some(Self {
            state: query.get("state")?.clone(),
            code: query.get("code").cloned(),
            error: query.get("error").cloned(),
            error_description: query.get("error_description").cloned(),
            iss: query.get("iss").cloned(),
        })
    }

    pub fn from_url(url: &url::Url) -> Option<Self> {
        let query: HashMap<String, String> = url.query_pairs().into_owned().collect();
        Self::from_query(&query)
    }
}

/// Compare two states in constant time.
pub fn state_matches(expected: &str, got: &str) -> bool {
    expected.len() == got.len() && bool::from(expected.as_bytes().ct_eq(got.as_bytes()))
}

/// A redirect URI split into the parts the listener needs, keeping the form the person registered (no trailing
/// slash is added: `http://localhost` stays `http://localhost:PORT`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoopbackRedirect {
    pub host: String,
    pub port: Option<u16>,
    /// "" when the registered URI has no path.
    pub path: String,
}

impl LoopbackRedirect {
    pub fn parse(text: &str) -> Result<Self, ErrorInfo> {
        let bad = |why: &str| {
            ErrorInfo::new(
                ErrorCode::InvalidInput,
                format!("The redirect URI {:?} cannot be used.", shorten(text)),
                format!("{why} Use http://localhost (any port) or http://127.0.0.1:PORT/path as registered for your app."),
            )
        };
        let typed = text.trim();
        let url = url::Url::parse(typed).map_err(|_| bad("It is not a URL."))?;
        if url.scheme() != "http" {
            return Err(bad("Patchbay receives the sign-in on this computer, over http on the loopback address."));
        }
        let host = match url.host() {
            Some(url::Host::Domain("localhost")) => "localhost".to_string(),
            Some(url::Host::Ipv4(ip)) if ip.is_loopback() => ip.to_string(),
            Some(url::Host::Ipv6(ip)) if ip.is_loopback() => format!("[{ip}]"),
            _ => {
                return Err(bad(
                    "Its host is not this computer (localhost, 127.0.0.1 or [::1]).",
                ))
            }
        };
        if url.query().is_some() || url.fragment().is_some() {
            return Err(bad("It must not have a query or fragment."));
        }
        let path = if typed_a_path(typed) {
            url.path().to_string()
        } else {
            String::new()
        };
        Ok(Self {
            host,
            port: url.port(),
            path,
        })
    }

    pub fn with_port(&self, port: u16) -> String {
        format!("http://{}:{port}{}", self.host, self.path)
    }

    /// The form to register in the app registration: loopback ports are ignored by Microsoft, so no port.
    pub fn to_register(&self) -> String {
        match self.port {
            Some(port) => self.with_port(port),
            None => format!("http://{}{}", self.host, self.path),
        }
    }
}

/// Whether the person typed a path after the host. The URL standard gives `http://localhost` and
/// `http://localhost/` the same path "/", but the registered form must stay as typed (Microsoft compares
/// redirect URIs as strings). The typed text is never sliced at a byte offset: the URL standard accepts and
/// normalises text whose bytes do not line up with its ASCII form (`http:ｌocalhost` is `http://localhost/`,
/// with a 3-byte full-width letter where `//` would be), so only `split_once`/`contains` are used here.
fn typed_a_path(typed: &str) -> bool {
    // The URL standard drops ASCII tab and newline anywhere in the input.
    let typed: String = typed
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    // The scheme is ASCII and ends at the first ':'.
    let Some((_, rest)) = typed.split_once(':') else {
        return false;
    };
    // For http the URL standard skips any run of `/` and `\` before the host, and `\` is a path separator
    // after it too (WHATWG URL, "special authority ignore slashes state").
    rest.trim_start_matches(['/', '\\']).contains(['/', '\\'])
}

/// What an error message echoes of a typed redirect URI: it is shown in the wizard as the person types, so a
/// pasted page of text must not fill it. Counted in chars, never bytes.
fn shorten(text: &str) -> String {
    const MAX_CHARS: usize = 100;
    let mut chars = text.chars();
    let head: String = chars.by_ref().take(MAX_CHARS).collect();
    if chars.next().is_some() {
        format!("{head}…")
    } else {
        head
    }
}

/// How long a connection to the loopback listener may take to deliver a request's headers, counted from
/// when it connects or from our previous answer on it. A browser sends its whole redirect request at once,
/// within milliseconds; without a limit any local process could hold connections open (or trickle a header
/// byte at a time) for the whole wait for the sign-in. hyper's own `header_read_timeout` needs a timer that
/// `axum::serve` does not install, so the listener enforces it on the socket (see [`GuardedStream`]).
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// How many connections the loopback listener keeps open at once, over 127.0.0.1 and ::1 together. A browser
/// opens one or two (a speculative preconnect, the favicon); the cap bounds the descriptors a local process
/// can make Patchbay hold. At the cap the oldest connection that is not in the middle of a request is closed
/// to make room, so connections held open by someone else cannot lock the browser out.
pub const MAX_CONNECTIONS: usize = 64;

/// The loopback listener's limits on its connections. [`LoopbackListener::bind`] uses the defaults; tests
/// use shorter ones through [`LoopbackListener::bind_with`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListenerLimits {
    /// See [`HEADER_TIMEOUT`].
    pub header_timeout: Duration,
    /// See [`MAX_CONNECTIONS`]. At least 1 is used.
    pub max_connections: usize,
}

impl Default for ListenerLimits {
    fn default() -> Self {
        Self {
            header_timeout: HEADER_TIMEOUT,
            max_connections: MAX_CONNECTIONS,
        }
    }
}

struct Shared {
    expected_state: String,
    path: String,
    sender: Mutex<Option<oneshot::Sender<CallbackParams>>>,
    done: CancellationToken,
}

/// A bound listener waiting for one redirect.
pub struct LoopbackListener {
    redirect_uri: String,
    receiver: oneshot::Receiver<CallbackParams>,
    stop: CancellationToken,
}

impl Drop for LoopbackListener {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

async fn bind_pair(port: u16) -> std::io::Result<(TcpListener, Option<TcpListener>)> {
    let v4 = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port))).await?;
    let port = v4.local_addr()?.port();
    match TcpListener::bind(SocketAddr::from((Ipv6Addr::LOCALHOST, port))).await {
        Ok(v6) => Ok((v4, Some(v6))),
        // No IPv6 on this machine: 127.0.0.1 alone serves `localhost` too.
        Err(e)
            if e.kind() == std::io::ErrorKind::AddrNotAvailable || e.raw_os_error() == Some(97) =>
        {
            Ok((v4, None))
        }
        Err(e) => Err(e),
    }
}

impl LoopbackListener {
    /// Bind for `redirect` and wait for a request carrying `expected_state`.
    pub async fn bind(
        redirect: &LoopbackRedirect,
        expected_state: String,
    ) -> Result<Self, ErrorInfo> {
        Self::bind_with(redirect, expected_state, ListenerLimits::default()).await
    }

    /// [`bind`](Self::bind) with other limits on the connections.
    pub async fn bind_with(
        redirect: &LoopbackRedirect,
        expected_state: String,
        limits: ListenerLimits,
    ) -> Result<Self, ErrorInfo> {
        let mut attempt = 0;
        let (v4, v6) = loop {
            match bind_pair(redirect.port.unwrap_or(0)).await {
                Ok(pair) => break pair,
                // The ephemeral port was free on 127.0.0.1 but taken on ::1: try another.
                Err(e)
                    if redirect.port.is_none()
                        && attempt < 5
                        && e.kind() == std::io::ErrorKind::AddrInUse =>
                {
                    attempt += 1;
                }
                Err(e) => {
                    let port = redirect
                        .port
                        .map(|p| p.to_string())
                        .unwrap_or_else(|| "an ephemeral port".into());
                    return Err(ErrorInfo::new(
                        ErrorCode::InvalidInput,
                        format!("Patchbay could not listen for the sign-in on port {port}."),
                        "Another program is using that port. Close it, or register http://localhost without a port so Patchbay can pick a free one.",
                    )
                    .with_detail(e.to_string()));
                }
            }
        };
        let port = v4.local_addr().map_err(|e| internal(&e))?.port();
        let (sender, receiver) = oneshot::channel();
        let stop = CancellationToken::new();
        let shared = Arc::new(Shared {
            expected_state,
            path: if redirect.path.is_empty() {
                "/".into()
            } else {
                redirect.path.clone()
            },
            sender: Mutex::new(Some(sender)),
            done: stop.clone(),
        });
        let app = axum::Router::new().fallback(handle).with_state(shared);
        let connections = Arc::new(Mutex::new(Connections::default()));
        for listener in std::iter::once(v4).chain(v6) {
            let listener = GuardedListener {
                inner: listener,
                connections: connections.clone(),
                limits,
                stop: stop.clone(),
            };
            let app = app.clone();
            let stop = stop.clone();
            // Ends once `stop` is cancelled: it stops accepting at once, and every connection's stream fails
            // its next read or write (see `GuardedStream`), so no connection task outlives the flow.
            tokio::spawn(async move {
                let _ = axum::serve(listener, app)
                    .with_graceful_shutdown(stop.cancelled_owned())
                    .await;
            });
        }
        Ok(Self {
            redirect_uri: redirect.with_port(port),
            receiver,
            stop,
        })
    }

    /// The exact redirect URI to send in the authorization and token requests.
    pub fn redirect_uri(&self) -> &str {
        &self.redirect_uri
    }

    /// Wait for the one matching redirect. `None` if the listener stopped first.
    pub async fn wait(&mut self) -> Option<CallbackParams> {
        (&mut self.receiver).await.ok()
    }
}

/// The connections the listener has open, in the order they came (ids only grow).
#[derive(Default)]
struct Connections {
    next_id: u64,
    open: BTreeMap<u64, OpenConnection>,
}

struct OpenConnection {
    close: CancellationToken,
    /// Its request headers have arrived and the answer has not started: closing it now would lose a request.
    in_request: Arc<AtomicBool>,
}

fn lock(connections: &Mutex<Connections>) -> MutexGuard<'_, Connections> {
    // Nothing panics while holding this lock; the map is consistent even if something did.
    connections.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A loopback `TcpListener` that enforces [`ListenerLimits`] and the end of the flow on what it accepts.
struct GuardedListener {
    inner: TcpListener,
    connections: Arc<Mutex<Connections>>,
    limits: ListenerLimits,
    stop: CancellationToken,
}

impl axum::serve::Listener for GuardedListener {
    type Io = GuardedStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let (stream, addr) = match self.inner.accept().await {
                Ok(accepted) => accepted,
                // The peer gave up before we got to it.
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::ConnectionAborted
                            | io::ErrorKind::ConnectionReset
                            | io::ErrorKind::ConnectionRefused
                    ) =>
                {
                    continue
                }
                // Most likely out of descriptors (EMFILE): pause rather than spin; the flow's wait goes on.
                Err(e) => {
                    tracing::warn!("the sign-in listener could not accept a connection: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            };
            let mut connections = lock(&self.connections);
            if connections.open.len() >= self.limits.max_connections.max(1) {
                let oldest_idle = connections
                    .open
                    .iter()
                    .find(|(_, c)| !c.in_request.load(Ordering::Acquire))
                    .map(|(id, _)| *id);
                match oldest_idle.and_then(|id| connections.open.remove(&id)) {
                    Some(evicted) => evicted.close.cancel(),
                    // Every open connection is being answered: refuse this one (dropping it closes it).
                    None => continue,
                }
            }
            let id = connections.next_id;
            connections.next_id += 1;
            let close = self.stop.child_token();
            let in_request = Arc::new(AtomicBool::new(false));
            connections.open.insert(
                id,
                OpenConnection {
                    close: close.clone(),
                    in_request: in_request.clone(),
                },
            );
            drop(connections);
            let stream = GuardedStream {
                inner: stream,
                closed: Box::pin(close.cancelled_owned()),
                header_timeout: self.limits.header_timeout,
                deadline: Some(Box::pin(tokio::time::sleep(self.limits.header_timeout))),
                head_end: HeadEnd::default(),
                wrote: false,
                grace: None,
                in_request,
                slot: Slot {
                    connections: self.connections.clone(),
                    id,
                },
            };
            return (stream, addr);
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.inner.local_addr()
    }
}

/// Frees a connection's place in [`Connections`] when its stream is dropped.
struct Slot {
    connections: Arc<Mutex<Connections>>,
    id: u64,
}

impl Drop for Slot {
    fn drop(&mut self) {
        lock(&self.connections).open.remove(&self.id);
    }
}

/// Finds the blank line that ends an HTTP/1 request head, as httparse accepts it (CRLF or bare LF line ends,
/// blank lines before the request line skipped).
#[derive(Default)]
pub struct HeadEnd {
    started: bool,
    after_line_end: bool,
}

impl HeadEnd {
    /// Feed bytes just read; true once the head is complete.
    pub fn feed(&mut self, bytes: &[u8]) -> bool {
        for &b in bytes {
            match b {
                b'\n' if self.started && self.after_line_end => return true,
                b'\n' => self.after_line_end = self.started,
                b'\r' => {}
                _ => {
                    self.started = true;
                    self.after_line_end = false;
                }
            }
        }
        false
    }
}

/// How long a connection that is being answered when the flow ends (or it is closed for room) may take to
/// finish: the answer to the sign-in's own redirect is written just as the flow, having its code, drops the
/// listener, and the browser must still get its "you can close this tab" page.
const ANSWER_GRACE: Duration = Duration::from_secs(2);

/// An accepted connection. Once the flow stops or the connection is closed to make room, its reads and writes
/// fail (at once when it is between requests, after [`ANSWER_GRACE`] when an answer is under way), and while
/// it owes us a request head for longer than the header timeout: hyper then drops the connection and its task
/// ends, instead of waiting on the peer.
struct GuardedStream {
    inner: TcpStream,
    closed: Pin<Box<WaitForCancellationFutureOwned>>,
    header_timeout: Duration,
    /// Set while waiting for a request head: from the connection, and again after each answer (keep-alive).
    /// `None` while a request is being answered.
    deadline: Option<Pin<Box<Sleep>>>,
    head_end: HeadEnd,
    /// Something of the answer was written since the last request head.
    wrote: bool,
    /// Started when the connection is closed mid-answer.
    grace: Option<Pin<Box<Sleep>>>,
    in_request: Arc<AtomicBool>,
    slot: Slot,
}

impl GuardedStream {
    fn check(&mut self, cx: &mut Context<'_>) -> io::Result<()> {
        if self.closed.as_mut().poll(cx).is_ready() {
            let aborted = || {
                io::Error::new(
                    io::ErrorKind::ConnectionAborted,
                    "the sign-in listener closed this connection",
                )
            };
            if self.deadline.is_some() {
                return Err(aborted());
            }
            let grace = self
                .grace
                .get_or_insert_with(|| Box::pin(tokio::time::sleep(ANSWER_GRACE)));
            if grace.as_mut().poll(cx).is_ready() {
                return Err(aborted());
            }
        }
        if let Some(deadline) = self.deadline.as_mut() {
            if deadline.as_mut().poll(cx).is_ready() {
                tracing::debug!(
                    connection = self.slot.id,
                    "closed a connection that sent no request headers in time"
                );
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!(
                        "no request headers within {} s",
                        self.header_timeout.as_secs_f32()
                    ),
                ));
            }
        }
        Ok(())
    }
}

impl AsyncRead for GuardedStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        if this.deadline.is_none() && this.wrote {
            // hyper reads again once its answer is out: the clock for the next request head starts now.
            this.deadline = Some(Box::pin(tokio::time::sleep(this.header_timeout)));
            this.head_end = HeadEnd::default();
            this.wrote = false;
            this.in_request.store(false, Ordering::Release);
        }
        this.check(cx)?;
        let before = buf.filled().len();
        std::task::ready!(Pin::new(&mut this.inner).poll_read(cx, buf))?;
        if this.deadline.is_some() && this.head_end.feed(&buf.filled()[before..]) {
            this.deadline = None;
            this.in_request.store(true, Ordering::Release);
        }
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for GuardedStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        this.wrote = true;
        this.check(cx)?;
        Pin::new(&mut this.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        this.check(cx)?;
        Pin::new(&mut this.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

fn internal(e: &std::io::Error) -> ErrorInfo {
    ErrorInfo::new(
        ErrorCode::Internal,
        "Patchbay could not start listening for the sign-in.",
        "Try again.",
    )
    .with_detail(e.to_string())
}

async fn handle(
    State(shared): State<Arc<Shared>>,
    uri: Uri,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    // Anything but the one matching response is refused with 400 (browsers also ask for /favicon.ico).
    if uri.path() != shared.path {
        return page(
            StatusCode::BAD_REQUEST,
            "Not found",
            "This address is not part of a Patchbay sign-in.",
        );
    }
    let Some(params) = CallbackParams::from_query(&query) else {
        return page(
            StatusCode::BAD_REQUEST,
            "Not a sign-in response",
            "This request has no state, so Patchbay ignored it.",
        );
    };
    if !state_matches(&shared.expected_state, &params.state) {
        tracing::warn!("ignored a callback whose state does not match the pending sign-in");
        return page(
            StatusCode::BAD_REQUEST,
            "This sign-in is not the one Patchbay is waiting for",
            "Patchbay ignored it. Finish the sign-in that Patchbay opened, or start again from Patchbay.",
        );
    }
    // Nothing panics while holding this lock; a poisoned one still holds a usable sender.
    let taken = shared
        .sender
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .take();
    let Some(sender) = taken else {
        return page(
            StatusCode::BAD_REQUEST,
            "Already received",
            "Patchbay already has this sign-in. You can close this tab.",
        );
    };
    let failed = params.error.clone();
    let description = params.error_description.clone();
    let _ = sender.send(params);
    // Close once this answer is on its way.
    let done = shared.done.clone();
    tokio::spawn(async move {
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        done.cancel();
    });
    match failed {
        None => page(
            StatusCode::OK,
            "You can close this tab",
            "Patchbay received your sign-in and is finishing the connection.",
        ),
        Some(error) => {
            let reason = description
                .as_deref()
                .and_then(|d| d.lines().next())
                .unwrap_or(&error)
                .to_string();
            page(
                StatusCode::OK,
                "Sign-in did not complete",
                &format!("Return to Patchbay to see what to do. ({reason})"),
            )
        }
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn page(status: StatusCode, title: &str, message: &str) -> Response {
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">\
<meta name=\"color-scheme\" content=\"light dark\"><title>Patchbay: {t}</title><style>body{{font:16px system-ui,sans-serif;display:grid;place-items:center;min-height:90vh;margin:0}}\
main{{max-width:32rem;padding:2rem;border:1px solid #8884;border-radius:12px}}h1{{font-size:1.3rem}}</style></head>\
<body><main><h1>{t}</h1><p>{m}</p></main></body></html>",
        t = escape(title),
        m = escape(message)
    );
    let mut response = (status, Html(html)).into_response();
    response
        .headers_mut()
        .insert("cache-control", "no-store".parse().expect("static header"));
    response.headers_mut().insert(
        "referrer-policy",
        "no-referrer".parse().expect("static header"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_uris_keep_their_registered_form() {
        let r = LoopbackRedirect::parse("http://localhost").unwrap();
        assert_eq!(
            r,
            LoopbackRedirect {
                host: "localhost".into(),
                port: None,
                path: "".into()
            }
        );
        assert_eq!(r.with_port(5000), "http://localhost:5000");
        assert_eq!(r.to_register(), "http://localhost");
        let r = LoopbackRedirect::parse("http://127.0.0.1:8400/callback").unwrap();
        assert_eq!(r.port, Some(8400));
        assert_eq!(r.with_port(8400), "http://127.0.0.1:8400/callback");
        assert_eq!(
            LoopbackRedirect::parse("http://[::1]/cb").unwrap().host,
            "[::1]"
        );
        for bad in [
            "https://localhost",
            "http://example.com/cb",
            "http://localhost/cb?x=1",
            "nope",
        ] {
            assert_eq!(
                LoopbackRedirect::parse(bad).unwrap_err().code,
                ErrorCode::InvalidInput,
                "{bad}"
            );
        }
    }

    #[test]
    fn typed_text_the_url_standard_normalises_does_not_panic() {
        // `http:` then a full-width letter: a 3-byte char where `//` would be, which slicing at
        // "http://".len() used to split.
        let r = LoopbackRedirect::parse("http:ｌocalhost").unwrap();
        assert_eq!(
            (r.host.as_str(), r.port, r.path.as_str()),
            ("localhost", None, "")
        );
        let r = LoopbackRedirect::parse("http:ｌocalhost:8400/cb").unwrap();
        assert_eq!(
            (r.host.as_str(), r.port, r.path.as_str()),
            ("localhost", Some(8400), "/cb")
        );
        let r = LoopbackRedirect::parse("http://ｌocalhost:8400/cb").unwrap();
        assert_eq!(r.to_register(), "http://localhost:8400/cb");
        assert_eq!(
            LoopbackRedirect::parse("http:ｅxample").unwrap_err().code,
            ErrorCode::InvalidInput
        );
        // What the URL standard accepts for http is kept as typed: no path stays no path.
        for (typed, path) in [
            ("http:localhost", ""),
            ("http:/localhost", ""),
            ("http:///localhost/", "/"),
            ("http:\\\\localhost\\cb", "/cb"),
            ("http://local\thost/cb", "/cb"),
            ("http:\t//localhost", ""),
            ("  http://[::1]:8400  ", ""),
        ] {
            assert_eq!(
                LoopbackRedirect::parse(typed).unwrap().path,
                path,
                "{typed:?}"
            );
        }
        // The wizard's advice, as the person types.
        let advice = crate::connect::redirect_advice(Some("http:ｌocalhost"), false).unwrap();
        assert_eq!(advice.redirect_uri, "http://localhost");
    }

    #[test]
    fn no_typed_redirect_uri_panics() {
        let prefixes = [
            "",
            "http:",
            "http:/",
            "http://",
            "HTTP://",
            "https://",
            ":",
            "[",
            "http://[",
            "http:ｈ",
            " \t",
            "\u{feff}",
            "\u{0}",
            "h\u{301}ttp://",
            "http://user:pw@",
            "%68ttp://",
        ];
        let middles = [
            "",
            "localhost",
            "ｌocalhost",
            "ＬＯＣＡＬＨＯＳＴ",
            "l\u{301}ocalhost",
            "127.0.0.1",
            "１２７.0.0.1",
            "[::1]",
            "[::1",
            "::1]",
            "[",
            "]",
            "🦀",
            "\u{200d}",
            "%",
            "%zz",
            "%E2%82",
            "%6c%6f%63alhost",
            "ｅxample",
            "\u{3000}",
            ":",
            "::",
            ":8400",
            ":99999",
            ":-1",
            "@",
            "\\",
            "/",
            "?",
            "#",
        ];
        let suffixes = [
            "", "/", "/cb", "/ｃｂ", "/%", "/%zz", "?", "#", "\u{0}", "\\cb", ":", "🦀/",
            "/\u{301}", " ", "\n", "/a b",
        ];
        let mut inputs: Vec<String> = Vec::new();
        for p in prefixes {
            for m in middles {
                for s in suffixes {
                    inputs.push(format!("{p}{m}{s}"));
                }
            }
        }
        // Pseudo-random strings over awkward chars (fixed seed, so a failure reproduces).
        let pool: Vec<char> = "htp:/\\[]@%?#.1ｌｅ\u{301}🦀\u{3000} \t\n\u{0}Ωl0cx8"
            .chars()
            .collect();
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..5_000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let len = (seed % 24) as usize;
            let text: String = (0..len)
                .map(|i| pool[((seed >> (i % 48)) as usize + i) % pool.len()])
                .collect();
            inputs.push(format!("http:{text}"));
            inputs.push(text);
        }
        inputs.push("http://localhost/".to_string() + &"ｃ".repeat(100_000));
        inputs.push("ｌ".repeat(100_000));
        inputs.push("http:".repeat(10_000));

        let mut panicked = Vec::new();
        for text in &inputs {
            let outcome = std::panic::catch_unwind(|| {
                for confidential in [false, true] {
                    let _ = crate::connect::redirect_advice(Some(text), confidential);
                }
                if let Ok(r) = LoopbackRedirect::parse(text) {
                    // What Patchbay says to register reads back as the same redirect.
                    assert_eq!(
                        LoopbackRedirect::parse(&r.to_register()).unwrap(),
                        r,
                        "{text:?}"
                    );
                    let _ = r.with_port(65535);
                }
            });
            if outcome.is_err() {
                panicked.push(text.chars().take(60).collect::<String>());
            }
        }
        assert!(
            panicked.is_empty(),
            "panicked on {} input(s): {panicked:?}",
            panicked.len()
        );
    }

    #[test]
    fn a_long_typed_uri_is_shortened_in_the_message() {
        let error = LoopbackRedirect::parse(&"ｌ".repeat(10_000)).unwrap_err();
        assert!(error.title.chars().count() < 200, "{}", error.title);
        assert_eq!(shorten("ab"), "ab");
        assert_eq!(shorten(&"é".repeat(101)), "é".repeat(100) + "…");
    }

    #[test]
    fn the_end_of_a_request_head_is_found_however_it_arrives() {
        let complete = |chunks: &[&[u8]]| {
            let mut head = HeadEnd::default();
            chunks.iter().any(|c| head.feed(c))
        };
        assert!(complete(&[b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"]));
        assert!(complete(&[b"GET / HTTP/1.1\r", b"\n", b"\r", b"\n"]));
        assert!(complete(&[b"GET / HTTP/1.1\n\n"]));
        assert!(complete(&[b"\r\n\r\nGET / HTTP/1.1\r\n\r\n"]));
        // Blank lines before the request line do not count (httparse skips them), nor does a partial head.
        assert!(!complete(&[b"\r\n\r\n\n\n"]));
        assert!(!complete(&[b"GET / HTTP/1.1\r\nHost: x\r\n"]));
        assert!(!complete(&[b"GET / HTTP/1.1\r\nX: a\r\r\n"]));
    }

    #[test]
    fn state_comparison_is_exact() {
        assert!(state_matches("abc", "abc"));
        assert!(!state_matches("abc", "abd"));
        assert!(!state_matches("abc", "abcd"));
        assert!(!state_matches("abc", ""));
    }

    #[tokio::test]
    async fn a_forged_callback_is_refused_and_the_real_one_completes() {
        let redirect = LoopbackRedirect::parse("http://127.0.0.1/cb").unwrap();
        let mut listener = LoopbackListener::bind(&redirect, "good-state".into())
            .await
            .unwrap();
        let uri = listener.redirect_uri().to_string();
        assert!(
            uri.starts_with("http://127.0.0.1:") && uri.ends_with("/cb"),
            "{uri}"
        );
        let http = reqwest::Client::new();
        let forged = http
            .get(format!("{uri}?code=evil&state=bad-state"))
            .send()
            .await
            .unwrap();
        assert_eq!(forged.status(), 400);
        let no_state = http.get(format!("{uri}?code=evil")).send().await.unwrap();
        assert_eq!(no_state.status(), 400);
        let wrong_path = http.get(uri.replace("/cb", "/other")).send().await.unwrap();
        assert_eq!(wrong_path.status(), 400);
        let real = http
            .get(format!("{uri}?code=the-code&state=good-state&iss=x"))
            .send()
            .await
            .unwrap();
        assert_eq!(real.status(), 200);
        assert!(real
            .text()
            .await
            .unwrap()
            .contains("You can close this tab"));
        let got = listener.wait().await.unwrap();
        assert_eq!(got.code.as_deref(), Some("the-code"));
        assert_eq!(got.iss.as_deref(), Some("x"));
        assert!(
            !format!("{got:?}").contains("the-code"),
            "Debug must not print the code"
        );
        // The listener closes after the one answer.
        tokio::time::sleep(std::time::Duration::from_millis(400)).await;
        assert!(http
            .get(format!("{uri}?code=again&state=good-state"))
            .send()
            .await
            .is_err());
    }

    #[tokio::test]
    async fn it_listens_on_ipv6_loopback_too() {
        let redirect = LoopbackRedirect::parse("http://localhost").unwrap();
        let listener = LoopbackListener::bind(&redirect, "s".into()).await.unwrap();
        let port: u16 = listener
            .redirect_uri()
            .rsplit(':')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        let response = reqwest::get(format!("http://[::1]:{port}/?state=wrong"))
            .await
            .unwrap();
        assert_eq!(response.status(), 400);
    }

    #[test]
    fn pages_escape_what_they_echo() {
        assert_eq!(escape("<script>\"'&"), "&lt;script&gt;&quot;&#39;&amp;");
    }
}
