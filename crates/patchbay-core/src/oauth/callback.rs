//! The loopback listener that receives the browser's redirect: bound to 127.0.0.1 and ::1 only, on an
//! ephemeral port unless the registered redirect URI names one. It accepts exactly one request whose `state`
//! matches, answers it with a small page, then closes. Anything else gets 400 and the flow keeps waiting.

use super::guard::{Connections, GuardedListener};
pub use super::guard::{HeadEnd, ListenerLimits, HEADER_TIMEOUT, MAX_CONNECTIONS};
use crate::error::{ErrorCode, ErrorInfo};
pub use crate::oauth::redirect::LoopbackRedirect;
use axum::extract::{Query, State};
use axum::http::{StatusCode, Uri};
use axum::response::{Html, IntoResponse, Response};
use std::collections::HashMap;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError};
use subtle::ConstantTimeEq;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio_util::sync::CancellationToken;

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
    headers: axum::http::HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    // The browser names the redirect URI's host (localhost, or a loopback address). Any other name is a page
    // that reached this port by DNS rebinding (its own name made to resolve to 127.0.0.1): it could try
    // codes, or read what the listener answers. Refused before anything is looked at.
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok());
    if !host.is_some_and(crate::net::is_loopback_host_header) {
        tracing::warn!("ignored a request to the sign-in listener addressed to another host name");
        return page(
            StatusCode::MISDIRECTED_REQUEST,
            "Not found",
            "This address is not part of a Patchbay sign-in.",
        );
    }
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

    #[tokio::test]
    async fn a_request_addressed_to_another_host_name_is_refused_before_its_state_is_read() {
        let redirect = LoopbackRedirect::parse("http://localhost/cb").unwrap();
        let mut listener = LoopbackListener::bind(&redirect, "good-state".into())
            .await
            .unwrap();
        let uri = listener.redirect_uri().to_string();
        let port = uri
            .rsplit(':')
            .next()
            .unwrap()
            .trim_end_matches("/cb")
            .to_string();
        let http = reqwest::Client::new();
        let target = format!("http://127.0.0.1:{port}/cb?code=c&state=good-state");
        // DNS rebinding: the right port, the right state even, but the page's own name as Host.
        for host in [
            format!("rebind.attacker.example:{port}"),
            format!("localhost.attacker.example:{port}"),
        ] {
            let refused = http.get(&target).header("host", host).send().await.unwrap();
            assert_eq!(refused.status(), 421);
        }
        let real = http
            .get(&target)
            .header("host", format!("localhost:{port}"))
            .send()
            .await
            .unwrap();
        assert_eq!(real.status(), 200, "the sign-in still completes");
        assert_eq!(listener.wait().await.unwrap().code.as_deref(), Some("c"));
        for (host, ok) in [
            ("127.0.0.1:1", true),
            ("[::1]:1", true),
            ("LOCALHOST", true),
            ("[::1].evil:1", false),
            ("127.0.0.1.nip.example", false),
        ] {
            assert_eq!(crate::net::is_loopback_host_header(host), ok, "{host}");
        }
    }

    #[test]
    fn pages_escape_what_they_echo() {
        assert_eq!(escape("<script>\"'&"), "&lt;script&gt;&quot;&#39;&amp;");
    }
}
