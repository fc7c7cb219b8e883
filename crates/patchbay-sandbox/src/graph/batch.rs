//! `POST /graph/v1.0/$batch` — JSON batching (<https://learn.microsoft.com/graph/json-batching>).
//!
//! The outer request is authenticated once (so injected failures, latency and a bad token apply to the batch
//! as a whole); each item is then dispatched like a request of its own, with the same caller, its own
//! headers (a per-item `Prefer: outlook.timezone`) and its own permission checks. Graph answers in no
//! particular order, and so does the sandbox: never in request order, so clients match responses by `id`.

use std::collections::HashSet;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};

use base64::Engine as _;

use super::{authenticate, dispatch, Caller, GraphRequest, Reply};
use crate::state::AppState;

/// Graph's limit of requests per batch.
pub const MAX_REQUESTS: usize = 20;

/// One parsed item.
struct Item {
    id: String,
    method: String,
    url: String,
    headers: HeaderMap,
    depends_on: Vec<String>,
    /// The item's `body`, as JSON text (empty when it has none).
    body: Vec<u8>,
}

fn invalid(message: &str) -> Reply {
    Reply::bad_request("BadRequest", message)
}

/// The batch payload, checked as Graph checks it before running anything.
#[allow(clippy::result_large_err)] // the error is the finished reply, returned once
fn parse(body: &[u8]) -> Result<Vec<Item>, Reply> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| invalid(&format!("Invalid batch payload format: {e}")))?;
    let Some(requests) = value.get("requests").and_then(Value::as_array) else {
        return Err(invalid(
            "Invalid batch payload format: a 'requests' array is required.",
        ));
    };
    if requests.is_empty() {
        return Err(invalid(
            "Invalid batch payload format: the 'requests' array is empty.",
        ));
    }
    if requests.len() > MAX_REQUESTS {
        return Err(invalid(&format!(
            "Number of requests exceeds the limit of {MAX_REQUESTS}."
        )));
    }
    let mut items = Vec::with_capacity(requests.len());
    let mut ids = HashSet::new();
    for (index, request) in requests.iter().enumerate() {
        // Graph's IDs are strings; a number is tolerated as its text.
        let id = match request.get("id") {
            Some(Value::String(s)) if !s.is_empty() => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => {
                return Err(invalid(&format!(
                    "Invalid batch payload format: request {index} has no 'id'."
                )))
            }
        };
        if !ids.insert(id.clone()) {
            return Err(invalid(&format!(
                "Invalid batch payload format: the request id '{id}' is used more than once; ids must be unique."
            )));
        }
        let text = |field: &str| {
            request
                .get(field)
                .and_then(Value::as_str)
                .filter(|s| !s.trim().is_empty())
                .map(str::to_string)
                .ok_or_else(|| {
                    invalid(&format!(
                        "Invalid batch payload format: request '{id}' has no '{field}'."
                    ))
                })
        };
        let method = text("method")?;
        let url = text("url")?;
        let mut headers = HeaderMap::new();
        if let Some(map) = request.get("headers").and_then(Value::as_object) {
            for (name, value) in map {
                let value = match value {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                if let (Ok(n), Ok(v)) = (
                    HeaderName::from_bytes(name.as_bytes()),
                    HeaderValue::from_str(&value),
                ) {
                    headers.append(n, v);
                }
            }
        }
        let depends_on = match request.get("dependsOn") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(list)) => list
                .iter()
                .map(|d| match d {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect(),
            Some(_) => {
                return Err(invalid(&format!(
                    "Invalid batch payload format: 'dependsOn' of request '{id}' must be an array of ids."
                )))
            }
        };
        items.push(Item {
            id,
            method,
            url,
            headers,
            depends_on,
            body: match request.get("body") {
                None | Some(Value::Null) => Vec::new(),
                Some(body) => body.to_string().into_bytes(),
            },
        });
    }
    for item in &items {
        if let Some(missing) = item.depends_on.iter().find(|d| !ids.contains(*d)) {
            return Err(invalid(&format!(
                "Invalid batch payload format: request '{}' depends on '{missing}', which is not in the batch.",
                item.id
            )));
        }
    }
    Ok(items)
}

/// The order to run the items in: each after what it depends on. `None` if they depend on each other in a
/// circle.
fn run_order(items: &[Item]) -> Option<Vec<usize>> {
    let mut done: Vec<bool> = vec![false; items.len()];
    let mut order = Vec::with_capacity(items.len());
    while order.len() < items.len() {
        let next = (0..items.len()).find(|&i| {
            !done[i]
                && items[i].depends_on.iter().all(|d| {
                    items
                        .iter()
                        .position(|other| &other.id == d)
                        .is_some_and(|j| done[j])
                })
        })?;
        done[next] = true;
        order.push(next);
    }
    Some(order)
}

/// One item, through the same dispatch a plain request gets.
fn run(st: &AppState, caller: &Caller, item: &Item) -> Reply {
    let url = item.url.trim();
    if url.contains("://") {
        return invalid(&format!(
            "The URL '{url}' of request '{}' is absolute; batch request URLs are relative to the version root, \
             like '/me/messages'.",
            item.id
        ));
    }
    let (path, query) = url.split_once('?').unwrap_or((url, ""));
    let path = if path.starts_with('/') {
        path.to_string()
    } else {
        format!("/{path}")
    };
    let Ok(method) = Method::from_bytes(item.method.trim().to_ascii_uppercase().as_bytes()) else {
        return invalid(&format!("'{}' is not an HTTP method.", item.method));
    };
    let request = GraphRequest {
        path: &path,
        query,
        headers: &item.headers,
        body: &item.body,
        upload: None,
    };
    dispatch(st, caller, &method, &request)
}

/// A batch response entry: `{"id", "status", "headers", "body"}`.
fn entry(id: &str, reply: Reply) -> Value {
    let mut headers = Map::new();
    headers.insert("Content-Type".into(), json!(reply.content_type()));
    for (name, value) in &reply.headers {
        headers.insert((*name).to_string(), json!(value));
    }
    // A binary body travels base64-encoded inside the JSON batch response, as Graph sends it.
    let body = match &reply.raw {
        Some((_, bytes)) => json!(base64::engine::general_purpose::STANDARD.encode(bytes)),
        None => reply.body,
    };
    json!({
        "id": id,
        "status": reply.status.as_u16(),
        "headers": headers,
        "body": body,
    })
}

pub async fn batch(State(st): State<Arc<AppState>>, headers: HeaderMap, body: Bytes) -> Response {
    handle(&st, &headers, &body)
}

/// The whole batch: authenticate, check the payload, run the items, answer.
pub fn handle(st: &AppState, headers: &HeaderMap, body: &[u8]) -> Response {
    let caller = match authenticate(st, headers) {
        Ok(c) => c,
        Err(response) => return response,
    };
    let items = match parse(body) {
        Ok(items) => items,
        Err(reply) => return reply.into_response(),
    };
    let Some(order) = run_order(&items) else {
        return invalid("Invalid batch payload format: the requests' dependsOn form a cycle.")
            .into_response();
    };
    st.lock().stats.graph_batch_items += items.len() as u64;
    let mut statuses: Vec<Option<StatusCode>> = vec![None; items.len()];
    let mut responses: Vec<Value> = Vec::with_capacity(items.len());
    for index in order {
        let item = &items[index];
        // Graph runs a request only if what it depends on succeeded; otherwise 424 Failed Dependency.
        let failed = item.depends_on.iter().any(|d| {
            items
                .iter()
                .position(|other| &other.id == d)
                .and_then(|j| statuses[j])
                .is_none_or(|s| !s.is_success())
        });
        let reply = if failed {
            Reply::error(
                StatusCode::FAILED_DEPENDENCY,
                "FailedDependency",
                "A request this one depends on failed.",
            )
        } else {
            run(st, &caller, item)
        };
        statuses[index] = Some(reply.status);
        responses.push(entry(&item.id, reply));
    }
    scramble(&mut responses);
    Reply::ok(json!({ "responses": responses })).into_response()
}

/// Graph's response order is arbitrary; make it so, and never the request order (for two or more).
fn scramble(responses: &mut [Value]) {
    let before: Vec<Value> = responses.to_vec();
    let mut rng = super::ids::Rng::new(&[&crate::util::new_guid()]);
    rng.shuffle(responses);
    if responses.len() > 1 && responses == before.as_slice() {
        responses.rotate_left(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error_message(body: &str) -> String {
        parse(body.as_bytes())
            .err()
            .and_then(|r| r.body["error"]["message"].as_str().map(String::from))
            .unwrap_or_default()
    }

    #[test]
    fn payload_checks() {
        assert!(error_message("{").starts_with("Invalid batch payload format"));
        assert!(error_message("{\"requests\": 5}").contains("'requests' array"));
        let many: Vec<Value> = (0..21)
            .map(|i| json!({"id": i.to_string(), "method": "GET", "url": "/me"}))
            .collect();
        assert_eq!(
            error_message(&json!({ "requests": many }).to_string()),
            "Number of requests exceeds the limit of 20."
        );
        let dup = json!({"requests": [
            {"id": "1", "method": "GET", "url": "/me"},
            {"id": "1", "method": "GET", "url": "/me/messages"},
        ]});
        assert!(error_message(&dup.to_string()).contains("more than once"));
        let dangling = json!({"requests": [
            {"id": "1", "method": "GET", "url": "/me", "dependsOn": ["9"]},
        ]});
        assert!(error_message(&dangling.to_string()).contains("not in the batch"));
    }

    #[test]
    fn dependencies_run_first_and_cycles_are_refused() {
        let body = json!({"requests": [
            {"id": "a", "method": "GET", "url": "/me", "dependsOn": ["b"]},
            {"id": "b", "method": "GET", "url": "/me"},
        ]});
        let items = parse(body.to_string().as_bytes()).unwrap_or_default();
        assert_eq!(run_order(&items), Some(vec![1, 0]));
        let body = json!({"requests": [
            {"id": "a", "method": "GET", "url": "/me", "dependsOn": ["b"]},
            {"id": "b", "method": "GET", "url": "/me", "dependsOn": ["a"]},
        ]});
        let items = parse(body.to_string().as_bytes()).unwrap_or_default();
        assert_eq!(run_order(&items), None);
    }

    #[test]
    fn scrambled_is_never_in_order() {
        for n in 2..6 {
            let mut v: Vec<Value> = (0..n).map(|i| json!(i)).collect();
            let before = v.clone();
            scramble(&mut v);
            assert_ne!(v, before);
            let mut sorted = v.clone();
            sorted.sort_by_key(|x| x.as_i64());
            assert_eq!(sorted, before);
        }
    }
}
