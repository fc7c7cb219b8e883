//! Calling the sandbox's Graph and checking each answer against the schema. Every mismatch is collected, so
//! one run names them all; [`Probe::finish`] fails the test with the list.

use patchbay_sandbox::Sandbox;
use reqwest::{Method, StatusCode};
use serde_json::Value;

use super::check;
use crate::common::graph;

/// `message` → `microsoft.graph.message`.
pub fn full_name(short: &str) -> String {
    if short.contains('.') {
        short.to_string()
    } else {
        format!("microsoft.graph.{short}")
    }
}

pub struct Probe<'a> {
    pub sb: &'a Sandbox,
    pub client: reqwest::Client,
    pub token: String,
    /// Whose answers (for messages).
    pub who: String,
    problems: Vec<String>,
    /// How many answers were checked.
    pub checked: usize,
}

/// An answer: status and JSON body (`null` when there is none).
pub struct Answer {
    pub status: StatusCode,
    pub body: Value,
    pub headers: reqwest::header::HeaderMap,
}

impl<'a> Probe<'a> {
    pub fn new(sb: &'a Sandbox, client: reqwest::Client, token: String, who: &str) -> Probe<'a> {
        Probe {
            sb,
            client,
            token,
            who: who.to_string(),
            problems: Vec::new(),
            checked: 0,
        }
    }

    /// A full URL for a Graph path (`/me`), or the URL itself (a nextLink).
    pub fn url(&self, path: &str) -> String {
        if path.starts_with("http") {
            path.to_string()
        } else {
            graph(self.sb, path)
        }
    }

    /// Send a request with the token (and a JSON body, and headers).
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Vec<u8>>,
        headers: &[(&str, &str)],
    ) -> Answer {
        let mut request = self
            .client
            .request(method, self.url(path))
            .bearer_auth(&self.token);
        for (k, v) in headers {
            request = request.header(*k, *v);
        }
        if let Some(b) = body {
            request = request.body(b);
        }
        let response = request.send().await.expect("the sandbox answers");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.unwrap_or_default();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Answer {
            status,
            body,
            headers,
        }
    }

    /// GET `path` (with `headers`), which must succeed.
    pub async fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> Value {
        let answer = self.call(Method::GET, path, None, headers).await;
        assert!(
            answer.status.is_success(),
            "{}: GET {path} answered {}: {}",
            self.who,
            answer.status,
            answer.body
        );
        answer.body
    }

    /// POST (or PUT, PATCH) JSON to `path`, which must answer `expected`.
    pub async fn send_json(
        &self,
        method: Method,
        path: &str,
        body: &Value,
        expected: StatusCode,
    ) -> Value {
        let answer = self
            .call(
                method.clone(),
                path,
                Some(body.to_string().into_bytes()),
                &[("Content-Type", "application/json")],
            )
            .await;
        assert_eq!(
            answer.status, expected,
            "{}: {method} {path} answered {}: {}",
            self.who, answer.status, answer.body
        );
        answer.body
    }

    /// Check `body` as one `type_name` (short names are in `microsoft.graph`).
    pub fn entity(&mut self, what: &str, type_name: &str, body: &Value) {
        self.checked += 1;
        let problems = check::entity(&full_name(type_name), body);
        self.record(what, type_name, problems);
    }

    /// Check `body` as a collection of `element`.
    pub fn collection(&mut self, what: &str, element: &str, body: &Value) {
        self.checked += 1;
        let problems = check::collection(&full_name(element), body);
        self.record(what, &format!("Collection({element})"), problems);
    }

    fn record(&mut self, what: &str, type_name: &str, problems: Vec<String>) {
        for p in problems {
            self.problems
                .push(format!("{} · {what} (as {type_name}): {p}", self.who));
        }
    }

    /// GET `path` and check it as `type_name`; the body.
    pub async fn entity_at(&mut self, path: &str, type_name: &str) -> Value {
        let body = self.get_with(path, &[]).await;
        self.entity(&format!("GET {path}"), type_name, &body);
        body
    }

    /// GET `path` and check it as a collection of `element`; the body.
    pub async fn collection_at(&mut self, path: &str, element: &str) -> Value {
        self.collection_with(path, element, &[]).await
    }

    pub async fn collection_with(
        &mut self,
        path: &str,
        element: &str,
        headers: &[(&str, &str)],
    ) -> Value {
        let body = self.get_with(path, headers).await;
        self.collection(&format!("GET {path}"), element, &body);
        body
    }

    /// Follow a delta round from `first` to its deltaLink, checking every page; its items and the deltaLink.
    pub async fn delta_round(
        &mut self,
        first: &str,
        element: &str,
        page_size: usize,
    ) -> (Vec<Value>, String) {
        let prefer = format!("odata.maxpagesize={page_size}");
        let mut url = first.to_string();
        let mut items = Vec::new();
        for page in 0.. {
            assert!(
                page < 500,
                "{}: the delta round from {first} does not end",
                self.who
            );
            let body = self
                .collection_with(&url, element, &[("Prefer", prefer.as_str())])
                .await;
            items.extend(body["value"].as_array().cloned().unwrap_or_default());
            if let Some(next) = body["@odata.nextLink"].as_str() {
                url = next.to_string();
            } else {
                let link = body["@odata.deltaLink"].as_str().unwrap_or_else(|| {
                    panic!("{}: a delta page without either link: {body}", self.who)
                });
                return (items, link.to_string());
            }
        }
        unreachable!()
    }

    /// Fail the test with every mismatch found, if any.
    pub fn finish(mut self) {
        let problems = std::mem::take(&mut self.problems);
        assert!(
            self.checked > 0,
            "{}: no answer was checked against the schema",
            self.who
        );
        assert!(
            problems.is_empty(),
            "{} mismatch(es) with Graph's v1.0 schema in the {} answers checked for {}:\n{}",
            problems.len(),
            self.checked,
            self.who,
            problems.join("\n")
        );
    }
}

impl Drop for Probe<'_> {
    /// A test that fails before [`Probe::finish`] still shows the mismatches found until then.
    fn drop(&mut self) {
        if std::thread::panicking() && !self.problems.is_empty() {
            eprintln!(
                "mismatches with Graph's v1.0 schema found before the failure:\n{}",
                self.problems.join("\n")
            );
        }
    }
}
