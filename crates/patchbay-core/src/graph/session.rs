//! Calling Graph on behalf of a connection: where a token comes from, and what to do when Graph pushes back.
//!
//! - **401**: the token was not accepted (revoked since it was issued, or a clock skew). Refresh once and send
//!   again; a second 401 is the answer.
//! - **429**, and **503**/**504** with `Retry-After`: Graph is throttling or busy. Wait as told (2 s, then 4 s
//!   when it does not say), at most [`CallPolicy::max_wait`] per wait and [`CallPolicy::attempts`] in all; a
//!   longer wait is the caller's to decide, with the answer in hand.
//! - **Never twice what may have arrived.** A 401 and a 429 say the request was not carried out. A 503 or a 504
//!   does not: a gateway may give up waiting on Exchange, which goes on and sends the mail. So a request that is
//!   not idempotent ([`Request::is_idempotent`]: a POST such as `sendMail`, unless marked) is sent again after a
//!   401 or a 429 only; after a 503 or 504 its answer is the caller's, to say "it may have been sent".
//!
//! In a `$batch`, each item can be throttled or refused on its own: only those items are sent again.

use super::batch::{Batch, BatchResponses};
use super::request::{RawResponse, Request};
use super::{Graph, GraphError};
use crate::error::ErrorInfo;
use crate::tokens::RefreshError;
use secrecy::SecretString;
use std::future::Future;
use std::time::Duration;

/// Where a call's token comes from.
pub trait TokenSource: Sync {
    /// A valid token; `fresh`: a new one even when the stored one looks valid (Graph just refused it).
    fn token(&self, fresh: bool)
        -> impl Future<Output = Result<SecretString, RefreshError>> + Send;
}

/// How long a call may wait on Graph's say-so.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallPolicy {
    /// Sends in all, the first included.
    pub attempts: u32,
    /// The longest single wait; a longer `Retry-After` ends the call with the throttled answer.
    pub max_wait: Duration,
}

impl Default for CallPolicy {
    fn default() -> Self {
        Self {
            attempts: 3,
            max_wait: Duration::from_secs(10),
        }
    }
}

/// Why a call got no answer from Graph.
#[derive(Debug, Clone, thiserror::Error)]
pub enum CallError {
    /// No token: the connection needs attention (the token manager recorded why).
    #[error(transparent)]
    Token(RefreshError),
    /// No answer from Graph, or a link Patchbay would not follow.
    #[error(transparent)]
    Graph(GraphError),
}

impl CallError {
    pub fn to_error_info(&self) -> ErrorInfo {
        match self {
            CallError::Token(e) => e.to_error_info(),
            CallError::Graph(e) => graph_error_info(e),
        }
    }
}

/// A Graph failure as a person reads it.
pub fn graph_error_info(e: &GraphError) -> ErrorInfo {
    use crate::error::ErrorCode;
    let detail = e
        .body()
        .map(|b| {
            let mut d = b.summary();
            if let Some(id) = &b.request_id {
                d.push_str(&format!(" (request-id {id})"));
            }
            d
        })
        .unwrap_or_else(|| e.to_string());
    let info = match e {
        GraphError::Network { .. } => ErrorInfo::new(
            ErrorCode::NetworkUnreachable,
            "Microsoft Graph could not be reached.",
            "Check this computer's internet connection, then try again.",
        ),
        GraphError::Throttled { retry_after, .. } => ErrorInfo::new(
            ErrorCode::ProviderError,
            "Microsoft is limiting requests from this account right now.",
            match retry_after {
                Some(d) => format!("Try again in {} s.", d.as_secs().max(1)),
                None => "Try again in a minute.".to_string(),
            },
        ),
        GraphError::Server { .. } => ErrorInfo::new(
            ErrorCode::ProviderError,
            "Microsoft Graph had a problem answering.",
            "This is on Microsoft's side; try again in a few minutes.",
        ),
        GraphError::Unauthorized(_) => ErrorInfo::new(
            ErrorCode::RefreshTokenRevoked,
            "Microsoft Graph did not accept this connection's sign-in, even after renewing it.",
            "Check the connection; if it still fails, use Fix to sign in again.",
        ),
        GraphError::Forbidden(_) => ErrorInfo::new(
            ErrorCode::InvalidScope,
            "Microsoft Graph refused: this connection lacks a permission the request needs.",
            "Use Fix to sign in again and grant it, or ask an administrator to consent.",
        ),
        GraphError::ForeignLink(_) => ErrorInfo::new(
            ErrorCode::InvalidInput,
            "Patchbay did not follow a link outside Microsoft Graph.",
            "The link would have carried this connection's token elsewhere.",
        ),
        GraphError::TooLarge { cap } => ErrorInfo::new(
            ErrorCode::ProviderError,
            format!(
                "Microsoft Graph sent an answer of more than {}, which Patchbay does not read.",
                crate::body::size_words(*cap)
            ),
            "Ask for less at a time: fewer items per page ($top) or fewer fields ($select).",
        ),
        GraphError::Other { .. } | GraphError::Decode(_) => ErrorInfo::new(
            ErrorCode::ProviderError,
            "Microsoft Graph refused the request.",
            "See Microsoft's words below.",
        ),
    };
    info.with_detail(detail)
}

/// The title of a send Graph did not confirm ([`graph_error_info_for`]).
const UNCONFIRMED: &str =
    "Microsoft Graph did not confirm the request, and may have carried it out.";

/// Whether `e` says a send may have been carried out though Graph did not confirm it: whoever would try it
/// again (an automation's retry) must not, and leave it to a person who looked.
pub fn is_unconfirmed(e: &ErrorInfo) -> bool {
    e.title == UNCONFIRMED
}

/// A Graph failure of `request` as a person reads it. For a request that is not idempotent (a send), an answer
/// that may come after Graph carried it out (a 503, a 504, a time-out once sent) says so, and says to look
/// before trying again: "try again" could send the mail twice.
pub fn graph_error_info_for(request: &Request, e: &GraphError) -> ErrorInfo {
    let info = graph_error_info(e);
    let uncertain = matches!(
        e,
        GraphError::Server {
            status: 503 | 504,
            ..
        } | GraphError::Network { timeout: true, .. }
    );
    if request.is_idempotent() || !uncertain {
        return info;
    }
    ErrorInfo {
        title: UNCONFIRMED.into(),
        message: "Patchbay did not send it again. Look first (for mail, in Sent Items; for an event, in the \
                  calendar; for a Teams message, in its chat or channel) before trying again, so that it is not \
                  done twice."
            .into(),
        ..info
    }
}

/// A wait Graph asked for that the call honours (`None`: answer now). `idempotent`: the request may be sent
/// again after an answer that may mean it was carried out.
fn wait_for(
    response: &RawResponse,
    attempt: u32,
    policy: CallPolicy,
    idempotent: bool,
) -> Option<Duration> {
    if attempt >= policy.attempts {
        return None;
    }
    let retry_after = response.retry_after();
    let wait = match response.status {
        // Not carried out: throttled before it ran.
        429 => retry_after.unwrap_or(Duration::from_secs(1 << attempt)),
        // Perhaps carried out.
        503 | 504 if idempotent => retry_after?,
        _ => return None,
    };
    (wait <= policy.max_wait).then_some(wait)
}

/// What to send: a request, or a link Graph gave (checked to stay inside this Graph).
#[derive(Clone, Copy)]
pub enum Target<'a> {
    Request(&'a Request),
    Link(&'a str, &'a Request),
}

/// Send one request (or follow one link) with a token from `tokens`, refreshing once on 401 and waiting out
/// throttling within `policy`. Any HTTP answer is `Ok` (the last one, after retries); `Err` when there was none.
pub async fn call<S: TokenSource>(
    graph: &Graph,
    tokens: &S,
    policy: CallPolicy,
    target: Target<'_>,
) -> Result<RawResponse, CallError> {
    let mut token = tokens.token(false).await.map_err(CallError::Token)?;
    let mut refreshed = false;
    let mut attempt = 1;
    loop {
        let response = match target {
            Target::Request(r) => graph.send(r, &token).await,
            Target::Link(link, r) => graph.send_link(link, r, &token).await,
        }
        .map_err(CallError::Graph)?;
        if response.status == 401 && !refreshed {
            refreshed = true;
            token = tokens.token(true).await.map_err(CallError::Token)?;
            continue;
        }
        let idempotent = match target {
            Target::Request(r) | Target::Link(_, r) => r.is_idempotent(),
        };
        match wait_for(&response, attempt, policy, idempotent) {
            Some(wait) => {
                tracing::debug!(status = response.status, ?wait, "Graph asked to wait");
                tokio::time::sleep(wait).await;
                attempt += 1;
            }
            None => return Ok(response),
        }
    }
}

/// What [`call_streaming`] got: a success whose body is still to be read, or any other answer read whole.
pub enum Streamed {
    Body(reqwest::Response),
    Answer(RawResponse),
}

/// [`call`] for a GET whose successful body may be large (an attachment's bytes): the same token and
/// throttling rules, but a 2xx answer is handed back unread, to be streamed where it goes.
pub async fn call_streaming<S: TokenSource>(
    graph: &Graph,
    tokens: &S,
    policy: CallPolicy,
    request: &Request,
) -> Result<Streamed, CallError> {
    let mut token = tokens.token(false).await.map_err(CallError::Token)?;
    let mut refreshed = false;
    let mut attempt = 1;
    loop {
        let response = graph
            .open(request, &token)
            .await
            .map_err(CallError::Graph)?;
        if response.status().is_success() {
            return Ok(Streamed::Body(response));
        }
        let response = RawResponse::read(response)
            .await
            .map_err(CallError::Graph)?;
        if response.status == 401 && !refreshed {
            refreshed = true;
            token = tokens.token(true).await.map_err(CallError::Token)?;
            continue;
        }
        match wait_for(&response, attempt, policy, request.is_idempotent()) {
            Some(wait) => {
                tracing::debug!(status = response.status, ?wait, "Graph asked to wait");
                tokio::time::sleep(wait).await;
                attempt += 1;
            }
            None => return Ok(Streamed::Answer(response)),
        }
    }
}

/// Send `batch` in one round trip, then again only the items that were throttled or whose token was refused,
/// within `policy`. Each item's last answer is in the result; `Err` when the batch itself got no answer or its
/// token could not be had.
pub async fn call_batch<S: TokenSource>(
    graph: &Graph,
    tokens: &S,
    policy: CallPolicy,
    batch: &Batch,
) -> Result<BatchResponses, CallError> {
    let mut token = tokens.token(false).await.map_err(CallError::Token)?;
    let mut refreshed = false;
    let mut attempt = 1;
    let mut answers = BatchResponses::default();
    let mut pending = batch.clone();
    loop {
        let outcome = graph.batch(&pending, &token).await;
        let got = match outcome {
            Ok(got) => got,
            // The batch as a whole: the token refused, or throttled before any item ran.
            Err(GraphError::Unauthorized(_)) if !refreshed => {
                refreshed = true;
                token = tokens.token(true).await.map_err(CallError::Token)?;
                continue;
            }
            Err(e) => {
                let wait = match &e {
                    GraphError::Throttled { retry_after, .. } if attempt < policy.attempts => {
                        Some(retry_after.unwrap_or(Duration::from_secs(1 << attempt)))
                    }
                    // A batch whose every item may be repeated; otherwise its items may have run.
                    GraphError::Server {
                        retry_after: Some(d),
                        ..
                    } if attempt < policy.attempts && pending.is_idempotent() => Some(*d),
                    _ => None,
                }
                .filter(|w| *w <= policy.max_wait);
                match wait {
                    Some(wait) => {
                        tokio::time::sleep(wait).await;
                        attempt += 1;
                        continue;
                    }
                    // A later round failed whole: what earlier rounds got stands, and the items sent again
                    // keep their last answer (a 429, a 401), so each part still fails on its own.
                    None if !answers.is_empty() => return Ok(answers),
                    None => return Err(CallError::Graph(e)),
                }
            }
        };
        // Keep every answer; decide which items go again.
        let mut again: Vec<String> = Vec::new();
        let mut longest = Duration::ZERO;
        let mut any_unauthorized = false;
        // Only what was asked: an id Graph made up is neither kept nor sent again.
        for (id, response) in got.iter().filter(|(id, _)| pending.ids().any(|p| p == *id)) {
            if response.status == 401 && !refreshed {
                any_unauthorized = true;
                again.push(id.to_string());
            } else if let Some(wait) = wait_for(
                response,
                attempt,
                policy,
                pending.request(id).is_some_and(Request::is_idempotent),
            ) {
                longest = longest.max(wait);
                again.push(id.to_string());
            }
        }
        for id in pending.ids().map(str::to_string).collect::<Vec<_>>() {
            if let Some(r) = got.get(&id) {
                answers.insert(id, r.clone());
            }
        }
        if again.is_empty() {
            return Ok(answers);
        }
        if any_unauthorized {
            refreshed = true;
            token = tokens.token(true).await.map_err(CallError::Token)?;
        }
        if !longest.is_zero() {
            tokio::time::sleep(longest).await;
        }
        attempt += 1;
        pending = pending.only(|id| again.iter().any(|a| a == id));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};
    use wiremock::matchers::{header, method, path};
    use wiremock::{Mock, MockServer, Respond, ResponseTemplate};

    /// Hands out "t1", then "t2" after a refresh; counts refreshes.
    struct Tokens {
        refreshes: AtomicU32,
    }

    impl TokenSource for Tokens {
        async fn token(&self, fresh: bool) -> Result<SecretString, RefreshError> {
            if fresh {
                self.refreshes.fetch_add(1, Ordering::SeqCst);
            }
            let n = self.refreshes.load(Ordering::SeqCst);
            Ok(SecretString::from(format!("t{}", n + 1)))
        }
    }

    fn tokens() -> Tokens {
        Tokens {
            refreshes: AtomicU32::new(0),
        }
    }

    fn quick() -> CallPolicy {
        CallPolicy {
            attempts: 3,
            max_wait: Duration::from_secs(2),
        }
    }

    fn graph(server: &MockServer) -> Graph {
        Graph::new(
            url::Url::parse(&server.uri()).unwrap(),
            reqwest::Client::new(),
        )
    }

    #[tokio::test]
    async fn a_401_refreshes_once_and_sends_again() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/v1.0/me"))
            .and(header("authorization", "Bearer t1"))
            .respond_with(ResponseTemplate::new(401).set_body_json(serde_json::json!({
                "error": {"code": "InvalidAuthenticationToken", "message": "Lifetime validation failed"}
            })))
            .expect(1)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/v1.0/me"))
            .and(header("authorization", "Bearer t2"))
            .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"id": "u"})))
            .expect(1)
            .mount(&server)
            .await;
        let t = tokens();
        let r = call(
            &graph(&server),
            &t,
            quick(),
            Target::Request(&Request::get("me")),
        )
        .await
        .unwrap();
        assert_eq!(r.status, 200);
        assert_eq!(t.refreshes.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_second_401_is_the_answer_after_one_refresh() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/v1.0/me"))
            .respond_with(ResponseTemplate::new(401))
            .expect(2)
            .mount(&server)
            .await;
        let t = tokens();
        let r = call(
            &graph(&server),
            &t,
            quick(),
            Target::Request(&Request::get("me")),
        )
        .await
        .unwrap();
        assert_eq!(r.status, 401);
        assert!(matches!(r.error(), Some(GraphError::Unauthorized(_))));
        assert_eq!(t.refreshes.load(Ordering::SeqCst), 1);
    }

    /// 429 with `Retry-After: 1` twice, then 200.
    struct ThrottleTwice(AtomicU32);

    impl Respond for ThrottleTwice {
        fn respond(&self, _: &wiremock::Request) -> ResponseTemplate {
            if self.0.fetch_add(1, Ordering::SeqCst) < 2 {
                ResponseTemplate::new(429).insert_header("Retry-After", "1")
            } else {
                ResponseTemplate::new(200).set_body_json(serde_json::json!({"id": "u"}))
            }
        }
    }

    // Real time (2 s): with a paused clock, idle waits on the mock server's socket advance the clock too.
    #[tokio::test]
    async fn throttling_is_waited_out_as_told_within_the_policy() {
        let server = MockServer::start().await;
        Mock::given(path("/v1.0/me"))
            .respond_with(ThrottleTwice(AtomicU32::new(0)))
            .expect(3)
            .mount(&server)
            .await;
        let started = std::time::Instant::now();
        let r = call(
            &graph(&server),
            &tokens(),
            quick(),
            Target::Request(&Request::get("me")),
        )
        .await
        .unwrap();
        assert_eq!(r.status, 200);
        // Not sooner than the two waits Graph asked for.
        assert!(started.elapsed() >= Duration::from_secs(2));
    }

    #[tokio::test(start_paused = true)]
    async fn a_wait_longer_than_the_policy_allows_returns_the_throttled_answer() {
        let server = MockServer::start().await;
        Mock::given(path("/v1.0/me"))
            .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "120"))
            .expect(1)
            .mount(&server)
            .await;
        let r = call(
            &graph(&server),
            &tokens(),
            quick(),
            Target::Request(&Request::get("me")),
        )
        .await
        .unwrap();
        match r.error() {
            Some(GraphError::Throttled { retry_after, .. }) => {
                assert_eq!(retry_after, Some(Duration::from_secs(120)))
            }
            other => panic!("{other:?}"),
        }
        let info = graph_error_info(&r.error().unwrap());
        assert!(info.message.contains("120 s"), "{}", info.message);
    }

    #[tokio::test]
    async fn a_link_outside_graph_is_not_followed() {
        let server = MockServer::start().await;
        let t = tokens();
        let err = call(
            &graph(&server),
            &t,
            quick(),
            Target::Link("https://evil.example/v1.0/me", &Request::get("")),
        )
        .await
        .unwrap_err();
        assert!(matches!(err, CallError::Graph(GraphError::ForeignLink(_))));
        assert!(server.received_requests().await.unwrap().is_empty());
    }

    fn item(id: &str, status: u16, body: serde_json::Value) -> serde_json::Value {
        serde_json::json!({"id": id, "status": status, "headers": {"Content-Type": "application/json"}, "body": body})
    }

    /// First batch: "a" is throttled, "b" answers; the second batch must hold "a" alone.
    struct ThrottleOneItem(AtomicU32);

    impl Respond for ThrottleOneItem {
        fn respond(&self, request: &wiremock::Request) -> ResponseTemplate {
            let sent: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
            let ids: Vec<&str> = sent["requests"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["id"].as_str().unwrap())
                .collect();
            if self.0.fetch_add(1, Ordering::SeqCst) == 0 {
                assert_eq!(ids, ["a", "b"]);
                // Answered out of order, as Graph may.
                ResponseTemplate::new(200).set_body_json(serde_json::json!({"responses": [
                    item("b", 200, serde_json::json!({"value": [2]})),
                    {"id": "a", "status": 429, "headers": {"Retry-After": "1"}, "body": {"error": {"code": "TooManyRequests", "message": "slow down"}}},
                ]}))
            } else {
                assert_eq!(ids, ["a"]);
                ResponseTemplate::new(200).set_body_json(serde_json::json!({"responses": [
                    item("a", 200, serde_json::json!({"value": [1]})),
                ]}))
            }
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_throttled_batch_item_is_sent_again_alone() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/v1.0/$batch"))
            .respond_with(ThrottleOneItem(AtomicU32::new(0)))
            .expect(2)
            .mount(&server)
            .await;
        let batch = Batch::new()
            .add("a", Request::get("me/messages"))
            .add("b", Request::get("me/events"));
        let mut answers = call_batch(&graph(&server), &tokens(), quick(), &batch)
            .await
            .unwrap();
        let a: serde_json::Value = answers.take("a").unwrap().json().unwrap();
        let b: serde_json::Value = answers.take("b").unwrap().json().unwrap();
        assert_eq!(a["value"][0], 1);
        assert_eq!(b["value"][0], 2);
    }

    #[tokio::test]
    async fn a_refused_batch_refreshes_once_and_is_sent_again() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/v1.0/$batch"))
            .and(header("authorization", "Bearer t1"))
            .respond_with(ResponseTemplate::new(401))
            .expect(1)
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path("/v1.0/$batch"))
            .and(header("authorization", "Bearer t2"))
            .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
                "responses": [item("a", 200, serde_json::json!({"id": "u"}))]
            })))
            .expect(1)
            .mount(&server)
            .await;
        let t = tokens();
        let mut answers = call_batch(
            &graph(&server),
            &t,
            quick(),
            &Batch::new().add("a", Request::get("me")),
        )
        .await
        .unwrap();
        assert_eq!(answers.take("a").unwrap().status, 200);
        assert_eq!(t.refreshes.load(Ordering::SeqCst), 1);
    }

    /// First batch: "b" answers, "a" is throttled; the second batch (for "a" alone) fails whole with a 502.
    struct ThenBadGateway(AtomicU32);

    impl Respond for ThenBadGateway {
        fn respond(&self, _: &wiremock::Request) -> ResponseTemplate {
            if self.0.fetch_add(1, Ordering::SeqCst) == 0 {
                ResponseTemplate::new(200).set_body_json(serde_json::json!({"responses": [
                    {"id": "a", "status": 429, "headers": {"Retry-After": "1"}, "body": {"error": {"code": "TooManyRequests", "message": "slow down"}}},
                    item("b", 200, serde_json::json!({"value": [2]})),
                    // An id nobody asked for: neither kept nor sent again.
                    {"id": "zz", "status": 429, "headers": {"Retry-After": "1"}, "body": {}},
                ]}))
            } else {
                ResponseTemplate::new(502)
            }
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_later_round_failing_whole_keeps_what_earlier_rounds_got() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/v1.0/$batch"))
            .respond_with(ThenBadGateway(AtomicU32::new(0)))
            .expect(2)
            .mount(&server)
            .await;
        let batch = Batch::new()
            .add("a", Request::get("me/messages"))
            .add("b", Request::get("me/events"));
        let mut answers = call_batch(&graph(&server), &tokens(), quick(), &batch)
            .await
            .expect("the answers already received stand");
        assert_eq!(answers.take("b").unwrap().status, 200);
        assert_eq!(answers.take("a").unwrap().status, 429, "its last answer");
        assert!(answers.take("zz").is_err());
        let second: serde_json::Value =
            serde_json::from_slice(&server.received_requests().await.unwrap()[1].body).unwrap();
        assert_eq!(second["requests"].as_array().unwrap().len(), 1);
    }

    /// `status` with `Retry-After: 0` the first time, then 202.
    struct OnceThenAccepted(u16, AtomicU32);

    impl Respond for OnceThenAccepted {
        fn respond(&self, _: &wiremock::Request) -> ResponseTemplate {
            if self.1.fetch_add(1, Ordering::SeqCst) == 0 {
                ResponseTemplate::new(self.0).insert_header("Retry-After", "0")
            } else {
                ResponseTemplate::new(202)
            }
        }
    }

    async fn answered(status: u16, request: Request, sends: u64) -> u16 {
        let server = MockServer::start().await;
        Mock::given(path(format!("/v1.0/{}", request.path)))
            .respond_with(OnceThenAccepted(status, AtomicU32::new(0)))
            .expect(sends)
            .mount(&server)
            .await;
        call(
            &graph(&server),
            &tokens(),
            quick(),
            Target::Request(&request),
        )
        .await
        .unwrap()
        .status
    }

    #[tokio::test]
    async fn a_send_that_may_have_arrived_is_never_sent_again() {
        let send = || Request::post("me/sendMail", serde_json::json!({"message": {}}));
        // A 503 or 504 may come after Exchange sent it: the answer is the caller's.
        for status in [503, 504] {
            assert_eq!(answered(status, send(), 1).await, status);
            let reply = Request::post("me/messages/m1/reply", serde_json::json!({}));
            assert_eq!(answered(status, reply, 1).await, status);
            let marked = Request::get("me/x").not_idempotent();
            assert_eq!(answered(status, marked, 1).await, status);
        }
        // A 429 says it was not carried out: sent again.
        assert_eq!(answered(429, send(), 2).await, 202);
        // What may be repeated still is, after a 503 or 504.
        for status in [503, 504] {
            assert_eq!(answered(status, Request::get("me/messages"), 2).await, 202);
            let session = Request::post(
                "me/messages/m1/attachments/createUploadSession",
                serde_json::json!({}),
            )
            .idempotent();
            assert_eq!(answered(status, session, 2).await, 202);
        }
    }

    #[test]
    fn a_send_that_may_have_arrived_says_to_look_before_trying_again() {
        let busy = GraphError::Server {
            status: 504,
            retry_after: None,
            body: Default::default(),
        };
        let send = Request::post("me/sendMail", serde_json::json!({}));
        let info = graph_error_info_for(&send, &busy);
        assert!(
            info.title.contains("may have carried it out"),
            "{}",
            info.title
        );
        assert!(info.message.contains("Sent Items"), "{}", info.message);
        // Told apart by whoever would try again (an automation's retry), and only this.
        assert!(is_unconfirmed(&info));
        assert!(!is_unconfirmed(&graph_error_info(&busy)));
        // A read, or a send Graph refused outright, reads as before.
        assert_eq!(
            graph_error_info_for(&Request::get("me"), &busy).title,
            graph_error_info(&busy).title
        );
        let refused = GraphError::Forbidden(Default::default());
        assert_eq!(
            graph_error_info_for(&send, &refused).title,
            graph_error_info(&refused).title
        );
    }

    /// First batch: both items 503 (`Retry-After: 0`); the second batch must hold the read alone.
    struct BusyThenReadAlone(AtomicU32);

    impl Respond for BusyThenReadAlone {
        fn respond(&self, request: &wiremock::Request) -> ResponseTemplate {
            let sent: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
            let ids: Vec<&str> = sent["requests"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["id"].as_str().unwrap())
                .collect();
            let busy = |id: &str| serde_json::json!({"id": id, "status": 503, "headers": {"Retry-After": "0"}, "body": {}});
            if self.0.fetch_add(1, Ordering::SeqCst) == 0 {
                assert_eq!(ids, ["send", "read"]);
                ResponseTemplate::new(200)
                    .set_body_json(serde_json::json!({"responses": [busy("send"), busy("read")]}))
            } else {
                assert_eq!(ids, ["read"], "the send is not sent again");
                ResponseTemplate::new(200).set_body_json(serde_json::json!({"responses": [
                    item("read", 200, serde_json::json!({"value": []})),
                ]}))
            }
        }
    }

    #[tokio::test]
    async fn a_batch_sends_again_only_what_may_be_repeated() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/v1.0/$batch"))
            .respond_with(BusyThenReadAlone(AtomicU32::new(0)))
            .expect(2)
            .mount(&server)
            .await;
        let batch = Batch::new()
            .add("send", Request::post("me/sendMail", serde_json::json!({})))
            .add("read", Request::get("me/messages"));
        let mut answers = call_batch(&graph(&server), &tokens(), quick(), &batch)
            .await
            .unwrap();
        assert_eq!(answers.take("send").unwrap().status, 503);
        assert_eq!(answers.take("read").unwrap().status, 200);

        // The batch itself answered 503: sent again only when every item may be.
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/v1.0/$batch"))
            .respond_with(ResponseTemplate::new(503).insert_header("Retry-After", "0"))
            .expect(1)
            .mount(&server)
            .await;
        let err = call_batch(&graph(&server), &tokens(), quick(), &batch)
            .await
            .unwrap_err();
        assert!(matches!(
            err,
            CallError::Graph(GraphError::Server { status: 503, .. })
        ));
    }
}
