//! One Graph request as data — method, path under the version root, query, headers, body — so the same request
//! can be sent on its own or as an item of a `$batch`, and a raw response that keeps what a caller needs
//! (status, headers, body) without deciding what it means.

use super::{Graph, GraphError, GraphErrorBody};
use crate::tokens::error::parse_retry_after;
use secrecy::{ExposeSecret, SecretString};
use std::time::Duration;
use url::Url;

/// A request to Graph, relative to the version root (`me/messages`, not `/v1.0/me/messages`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub method: reqwest::Method,
    /// Under the version root, without a leading slash: `me/mailFolders/inbox/messages`.
    pub path: String,
    pub query: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
    /// A JSON body (sent with `Content-Type: application/json`).
    pub body: Option<serde_json::Value>,
    /// Bytes as they are (sent with `Content-Type: application/octet-stream` unless a header says otherwise):
    /// a small file's content.
    pub raw: Option<Vec<u8>>,
    /// Whether sending it again does no harm: see [`Request::is_idempotent`]. `None`: by its method.
    pub idempotent: Option<bool>,
}

impl Request {
    pub fn get(path: impl Into<String>) -> Self {
        Self {
            method: reqwest::Method::GET,
            path: path.into().trim_start_matches('/').to_string(),
            query: Vec::new(),
            headers: Vec::new(),
            body: None,
            raw: None,
            idempotent: None,
        }
    }

    /// `PUT path` with `bytes` as the body.
    pub fn put_bytes(path: impl Into<String>, bytes: Vec<u8>) -> Self {
        Self {
            method: reqwest::Method::PUT,
            raw: Some(bytes),
            ..Self::get(path)
        }
    }

    /// `POST path` with a JSON body.
    pub fn post(path: impl Into<String>, body: serde_json::Value) -> Self {
        Self {
            method: reqwest::Method::POST,
            body: Some(body),
            ..Self::get(path)
        }
    }

    /// Mark a request that may be sent again after an answer that may mean it was carried out (a 503 or 504):
    /// a POST that reads (`getSchedule`) or whose repeat leaves nothing behind anyone sees
    /// (`createUploadSession`: an unused session expires).
    pub fn idempotent(mut self) -> Self {
        self.idempotent = Some(true);
        self
    }

    /// Mark a request that must never be sent twice (one that sends mail, or invites), whatever its method.
    pub fn not_idempotent(mut self) -> Self {
        self.idempotent = Some(false);
        self
    }

    /// Whether sending it again does no harm.
    ///
    /// What is sent again, and after what, is [`super::session`]'s: a 401 and a 429 say the request was not
    /// carried out, so any request is sent again after them; a 503 or 504 (even with `Retry-After`) may come
    /// after Graph carried it out (a gateway that timed out waiting for Exchange, which went on), so only an
    /// idempotent request is sent again after one. Unmarked, the method says: GET, HEAD, OPTIONS, PUT and DELETE
    /// are idempotent (RFC 9110 §9.2.2); POST (`sendMail`, `reply`, `send`, creating an event or a draft) and
    /// PATCH are not.
    pub fn is_idempotent(&self) -> bool {
        self.idempotent.unwrap_or_else(|| {
            use reqwest::Method;
            [
                Method::GET,
                Method::HEAD,
                Method::OPTIONS,
                Method::PUT,
                Method::DELETE,
            ]
            .contains(&self.method)
        })
    }

    pub fn query(mut self, key: &str, value: impl Into<String>) -> Self {
        self.query.push((key.to_string(), value.into()));
        self
    }

    pub fn header(mut self, key: &str, value: impl Into<String>) -> Self {
        self.headers.push((key.to_string(), value.into()));
        self
    }

    /// `path?query` as a `$batch` item's `url` wants it: relative to the version root, starting with `/`.
    pub fn relative_url(&self) -> String {
        // Built on a throwaway base so the query is encoded exactly as a direct request's would be.
        let mut url = Url::parse("http://graph.invalid/").expect("static URL");
        url.set_path(&self.path);
        if !self.query.is_empty() {
            let mut q = url.query_pairs_mut();
            for (k, v) in &self.query {
                q.append_pair(k, v);
            }
        }
        match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_string(),
        }
    }
}

/// `text` as one path segment: percent-encoded, so a `/`, `?` or `#` in an id cannot reach another resource (ids
/// from outside are checked first with [`super::path_segment`]).
pub fn segment(text: &str) -> String {
    super::path::encode(text)
}

/// A response as Graph sent it.
#[derive(Debug, Clone)]
pub struct RawResponse {
    pub status: u16,
    /// Header names lower-cased.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl RawResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn retry_after(&self) -> Option<Duration> {
        self.header("retry-after").and_then(parse_retry_after)
    }

    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The error this response stands for, `None` on success.
    pub fn error(&self) -> Option<GraphError> {
        if self.is_success() {
            return None;
        }
        let body = GraphErrorBody::parse(self.status, &self.body, self.header("request-id"));
        Some(GraphError::from_status(
            self.status,
            self.retry_after(),
            body,
        ))
    }

    /// The body as `T`, or the error the response stands for.
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T, GraphError> {
        if let Some(e) = self.error() {
            return Err(e);
        }
        serde_json::from_slice(&self.body).map_err(|e| GraphError::Decode(e.to_string()))
    }
}

pub(crate) fn network_error(e: &reqwest::Error) -> GraphError {
    GraphError::Network {
        timeout: e.is_timeout(),
        detail: crate::oauth::discovery::describe_reqwest_error(e),
    }
}

impl Graph {
    /// Send `request` and return Graph's answer whatever its status; `Err` only when there was no answer.
    pub async fn send(
        &self,
        request: &Request,
        token: &SecretString,
    ) -> Result<RawResponse, GraphError> {
        let query: Vec<(&str, String)> = request
            .query
            .iter()
            .map(|(k, v)| (k.as_str(), v.clone()))
            .collect();
        let url = self.url(&request.path, &query);
        self.send_to(request.method.clone(), url, request, token)
            .await
    }

    /// Send to an absolute URL Graph gave (an `@odata.nextLink`), after checking it points into this Graph: a
    /// link elsewhere would carry the token to someone else.
    pub async fn send_link(
        &self,
        link: &str,
        request: &Request,
        token: &SecretString,
    ) -> Result<RawResponse, GraphError> {
        let url = self.check_link(link)?;
        self.send_to(request.method.clone(), url, request, token)
            .await
    }

    /// `link` parsed, when it is under this Graph's base (same scheme, host, port and base path).
    pub fn check_link(&self, link: &str) -> Result<Url, GraphError> {
        let foreign = || GraphError::ForeignLink(link.chars().take(200).collect());
        let url = Url::parse(link).map_err(|_| foreign())?;
        let base_path = self.base.path().trim_end_matches('/');
        let inside = url.scheme() == self.base.scheme()
            && url.host_str() == self.base.host_str()
            && url.port_or_known_default() == self.base.port_or_known_default()
            && url.username().is_empty()
            && url.password().is_none()
            && (base_path.is_empty()
                || url.path() == base_path
                || url.path().starts_with(&format!("{base_path}/")));
        if inside {
            Ok(url)
        } else {
            Err(foreign())
        }
    }

    /// Send `request` and return Graph's answer before its body is read: for a success whose body may be large
    /// (an attachment's bytes), to be streamed. Any other answer is read whole by [`RawResponse::read`].
    pub async fn open(
        &self,
        request: &Request,
        token: &SecretString,
    ) -> Result<reqwest::Response, GraphError> {
        let query: Vec<(&str, String)> = request
            .query
            .iter()
            .map(|(k, v)| (k.as_str(), v.clone()))
            .collect();
        let url = self.url(&request.path, &query);
        self.start(request.method.clone(), url, request, token)
            .await
    }

    async fn send_to(
        &self,
        method: reqwest::Method,
        url: Url,
        request: &Request,
        token: &SecretString,
    ) -> Result<RawResponse, GraphError> {
        let response = self.start(method, url, request, token).await?;
        RawResponse::read(response).await
    }

    async fn start(
        &self,
        method: reqwest::Method,
        url: Url,
        request: &Request,
        token: &SecretString,
    ) -> Result<reqwest::Response, GraphError> {
        let mut builder = self
            .http
            .request(method, url)
            .bearer_auth(token.expose_secret())
            // Graph echoes it in error bodies: the one id the person can quote that Patchbay chose.
            .header("client-request-id", uuid::Uuid::new_v4().to_string());
        for (k, v) in &request.headers {
            builder = builder.header(k.as_str(), v.as_str());
        }
        if let Some(body) = &request.body {
            builder = builder.json(body);
        }
        if let Some(bytes) = &request.raw {
            if !request
                .headers
                .iter()
                .any(|(k, _)| k.eq_ignore_ascii_case("content-type"))
            {
                builder = builder.header("Content-Type", "application/octet-stream");
            }
            builder = builder.body(bytes.clone());
        }
        builder.send().await.map_err(|e| network_error(&e))
    }
}

impl RawResponse {
    /// An answer read whole (at most [`crate::body::GRAPH`]).
    pub async fn read(response: reqwest::Response) -> Result<RawResponse, GraphError> {
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .filter_map(|(k, v)| Some((k.as_str().to_string(), v.to_str().ok()?.to_string())))
            .collect();
        let body = crate::body::read_capped(response, crate::body::GRAPH)
            .await
            .map_err(|e| match e {
                crate::body::BodyError::Network(e) => network_error(&e),
                crate::body::BodyError::TooLarge { cap } => GraphError::TooLarge { cap },
            })?;
        Ok(RawResponse {
            status,
            headers,
            body,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(base: &str) -> Graph {
        Graph::new(Url::parse(base).unwrap(), reqwest::Client::new())
    }

    #[test]
    fn relative_urls_encode_the_query_as_a_direct_request_would() {
        let r = Request::get("/me/messages")
            .query("$top", "25")
            .query("$filter", "receivedDateTime ge 2026-11-01T00:00:00Z");
        assert_eq!(
            r.relative_url(),
            "/me/messages?%24top=25&%24filter=receivedDateTime+ge+2026-11-01T00%3A00%3A00Z"
        );
        assert_eq!(Request::get("me").relative_url(), "/me");
    }

    #[test]
    fn next_links_must_stay_inside_the_graph_base() {
        let g = graph("https://graph.microsoft.com/");
        assert!(g
            .check_link("https://graph.microsoft.com/v1.0/me/messages?$skip=25")
            .is_ok());
        for foreign in [
            "https://graph.microsoft.com.evil.example/v1.0/me",
            "http://graph.microsoft.com/v1.0/me",
            "https://graph.microsoft.com:8443/v1.0/me",
            "https://user@graph.microsoft.com/v1.0/me",
            "https://evil.example/v1.0/me",
            "not a url",
        ] {
            assert!(
                matches!(g.check_link(foreign), Err(GraphError::ForeignLink(_))),
                "{foreign}"
            );
        }
        let g = graph("http://127.0.0.1:9/graph");
        assert!(g.check_link("http://127.0.0.1:9/graph/v1.0/me").is_ok());
        assert!(g.check_link("http://127.0.0.1:9/graphx/v1.0/me").is_err());
        assert!(g.check_link("http://127.0.0.1:9/other/v1.0/me").is_err());
    }
}
