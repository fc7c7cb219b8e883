//! JSON batching (`POST /$batch`, <https://learn.microsoft.com/graph/json-batching>): up to 20 requests in one
//! round trip. Each item succeeds or fails on its own — a 403 on the calendar leaves the inbox readable — and
//! Graph answers the items in any order, so answers are matched by id, never by position.

use super::request::{RawResponse, Request};
use super::{Graph, GraphError};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Graph refuses a batch of more than 20 requests.
pub const MAX_ITEMS: usize = 20;

/// Requests to send together, each under an id unique in the batch.
#[derive(Debug, Clone, Default)]
pub struct Batch {
    items: Vec<(String, Request)>,
}

impl Batch {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(mut self, id: impl Into<String>, request: Request) -> Self {
        self.items.push((id.into(), request));
        self
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The same batch with only the items `keep` selects (a retry of the throttled ones).
    pub fn only(&self, keep: impl Fn(&str) -> bool) -> Batch {
        Batch {
            items: self
                .items
                .iter()
                .filter(|(id, _)| keep(id))
                .cloned()
                .collect(),
        }
    }

    /// The request under `id`.
    pub fn request(&self, id: &str) -> Option<&Request> {
        self.items.iter().find(|(i, _)| i == id).map(|(_, r)| r)
    }

    /// Whether every request in it may be sent again (see [`Request::is_idempotent`]).
    pub fn is_idempotent(&self) -> bool {
        self.items.iter().all(|(_, r)| r.is_idempotent())
    }

    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.items.iter().map(|(id, _)| id.as_str())
    }

    fn body(&self) -> serde_json::Value {
        let requests: Vec<OutItem<'_>> = self
            .items
            .iter()
            .map(|(id, r)| OutItem {
                id,
                method: r.method.as_str(),
                url: r.relative_url(),
                headers: (!r.headers.is_empty() || r.body.is_some()).then(|| {
                    let mut h: HashMap<&str, &str> = r
                        .headers
                        .iter()
                        .map(|(k, v)| (k.as_str(), v.as_str()))
                        .collect();
                    if r.body.is_some() {
                        h.entry("Content-Type").or_insert("application/json");
                    }
                    h
                }),
                body: r.body.as_ref(),
            })
            .collect();
        serde_json::json!({ "requests": requests })
    }
}

#[derive(Serialize)]
struct OutItem<'a> {
    id: &'a str,
    method: &'a str,
    url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    headers: Option<HashMap<&'a str, &'a str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    body: Option<&'a serde_json::Value>,
}

#[derive(Deserialize)]
struct InBatch {
    responses: Vec<InItem>,
}

#[derive(Deserialize)]
struct InItem {
    id: String,
    status: u16,
    #[serde(default)]
    headers: HashMap<String, String>,
    #[serde(default)]
    body: Option<serde_json::Value>,
}

/// The items' answers, by id.
#[derive(Debug, Default)]
pub struct BatchResponses {
    items: HashMap<String, RawResponse>,
}

impl BatchResponses {
    /// The answer to item `id`. Graph answers every item; a missing one is reported rather than guessed.
    pub fn take(&mut self, id: &str) -> Result<RawResponse, GraphError> {
        self.items.remove(id).ok_or_else(|| {
            GraphError::Decode(format!("the batch answer has no response for item {id}"))
        })
    }

    pub fn get(&self, id: &str) -> Option<&RawResponse> {
        self.items.get(id)
    }

    /// Put in (or replace with) a later answer for the same item.
    pub fn insert(&mut self, id: String, response: RawResponse) {
        self.items.insert(id, response);
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &RawResponse)> {
        self.items.iter().map(|(k, v)| (k.as_str(), v))
    }
}

impl Graph {
    /// Send `batch` in one round trip. `Err` when the batch as a whole failed (no answer, the token refused,
    /// throttled); each item's own failure is in its response.
    pub async fn batch(
        &self,
        batch: &Batch,
        token: &SecretString,
    ) -> Result<BatchResponses, GraphError> {
        if batch.len() > MAX_ITEMS {
            return Err(GraphError::Decode(format!(
                "a batch holds at most {MAX_ITEMS} requests, not {}",
                batch.len()
            )));
        }
        let mut request = Request::get("$batch");
        request.method = reqwest::Method::POST;
        request.body = Some(batch.body());
        request.idempotent = Some(batch.is_idempotent());
        let raw = self.send(&request, token).await?;
        let parsed: InBatch = raw.json()?;
        let mut out = BatchResponses::default();
        for item in parsed.responses {
            // A JSON body is an object; anything else (an image, text) comes base64-encoded as a string and
            // is kept as sent.
            let body = match item.body {
                Some(serde_json::Value::String(s)) => s.into_bytes(),
                Some(v) => serde_json::to_vec(&v).unwrap_or_default(),
                None => Vec::new(),
            };
            let headers = item
                .headers
                .into_iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), v))
                .collect();
            out.items.insert(
                item.id,
                RawResponse {
                    status: item.status,
                    headers,
                    body,
                },
            );
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_carry_relative_urls_and_their_own_headers() {
        let b = Batch::new()
            .add("inbox", Request::get("me/messages").query("$top", "5"))
            .add(
                "calendar",
                Request::get("me/calendarView")
                    .header("Prefer", "outlook.timezone=\"Europe/Berlin\""),
            );
        let body = b.body();
        assert_eq!(body["requests"][0]["id"], "inbox");
        assert_eq!(body["requests"][0]["url"], "/me/messages?%24top=5");
        assert!(body["requests"][0].get("headers").is_none());
        assert_eq!(
            body["requests"][1]["headers"]["Prefer"],
            "outlook.timezone=\"Europe/Berlin\""
        );
        assert_eq!(b.only(|id| id == "calendar").len(), 1);
    }
}
