//! A strict stand-in for Graph's Teams, on 127.0.0.1 in the test: it holds Graph's rules from the outside and
//! records every break of them as a violation (where Graph itself would refuse with a 400, or — worse — quietly
//! ignore a `$filter` and answer something else). Every other Graph request (`/me`, the token's checks) goes on
//! to a sandbox, so a real connection signs in there.
//!
//! - `GET /chats/{CHAT}/messages`: 130 messages (`m1`…`m130`, a minute apart; `m3` edited later; `m125` from
//!   someone no longer in the chat). Only `$top` (at most 50), `$orderby` (`createdDateTime desc` or
//!   `lastModifiedDateTime desc`), `$filter` (`createdDateTime lt`, `lastModifiedDateTime gt|lt`, on the property
//!   ordered by) and `$skiptoken` are taken; a page's `@odata.nextLink` must be followed exactly as given.
//! - `GET /me/chats?$filter=chatType eq 'oneOnOne'&$expand=members`: one-on-one chats with 60 people, 50 a page,
//!   and those started here; `POST /chats` starts one (or answers the existing one), `POST /chats/{id}/messages`
//!   takes a text body.
//! - `POST /$batch` of `GET /users/{id}`: the directory (the one who left the chat).

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// The chat of 130 messages.
pub const CHAT: &str = "19:strict@thread.v2";
/// Between `m100` and `m101`; `m3` was edited after it.
pub const SINCE: &str = "2026-11-01T01:40:30Z";
/// The address of the sender who left the chat, which only the directory knows.
pub const LEFT_ADDRESS: &str = "former@contoso.example";
const LEFT_ID: &str = "u-left";
const MEGAN_ID: &str = "u-megan";
const PEOPLE: usize = 60;
const MESSAGES: usize = 130;

pub fn person(i: usize) -> String {
    format!("person{i}@contoso.example")
}

pub fn one_on_one(i: usize) -> String {
    format!("19:one-{i}@unq.gbl.spaces")
}

fn minutes(m: i64) -> jiff::Timestamp {
    "2026-11-01T00:00:00Z".parse::<jiff::Timestamp>().unwrap() + jiff::SignedDuration::from_mins(m)
}

fn iso(t: jiff::Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

struct Message {
    id: String,
    created: jiff::Timestamp,
    modified: jiff::Timestamp,
    from: (&'static str, &'static str),
}

pub struct Strict {
    pub base: String,
    sandbox: String,
    me: String,
    http: reqwest::Client,
    messages: Vec<Message>,
    /// Links handed out: the exact query a follow must send.
    links: Mutex<Vec<String>>,
    pages: AtomicUsize,
    lookups: AtomicUsize,
    /// One-on-one chats started here: (chat id, address).
    started: Mutex<Vec<(String, String)>>,
    sent: Mutex<Vec<(String, String)>>,
    violations: Mutex<Vec<String>>,
}

impl Strict {
    /// Serve on 127.0.0.1, passing other Graph requests on to `sandbox_base`; `me` is the signed-in user's id.
    pub async fn start(sandbox_base: &str, me: &str) -> Arc<Strict> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let messages = (1..=MESSAGES as i64)
            .map(|i| Message {
                id: format!("m{i}"),
                created: minutes(i),
                modified: if i == 3 { minutes(200) } else { minutes(i) },
                from: if i == 125 {
                    (LEFT_ID, "Former Colleague")
                } else if i % 2 == 0 {
                    (MEGAN_ID, "Megan Bowen")
                } else {
                    ("me", "Adele Vance")
                },
            })
            .collect();
        let strict = Arc::new(Strict {
            base: format!("http://{addr}"),
            sandbox: sandbox_base.trim_end_matches('/').to_string(),
            me: me.to_string(),
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            messages,
            links: Mutex::new(Vec::new()),
            pages: AtomicUsize::new(0),
            lookups: AtomicUsize::new(0),
            started: Mutex::new(Vec::new()),
            sent: Mutex::new(Vec::new()),
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

    /// Pages of the chat's messages served.
    pub fn pages(&self) -> usize {
        self.pages.load(Ordering::SeqCst)
    }

    /// `$batch` requests that looked people up.
    pub fn directory_lookups(&self) -> usize {
        self.lookups.load(Ordering::SeqCst)
    }

    /// One-on-one chats started.
    pub fn created(&self) -> usize {
        self.started.lock().unwrap().len()
    }

    /// Texts posted: (chat id, text).
    pub fn sent(&self) -> Vec<(String, String)> {
        self.sent.lock().unwrap().clone()
    }

    fn violation(&self, v: String) {
        self.violations.lock().unwrap().push(v);
    }

    /// A 400 as Graph words it, recorded as a violation.
    fn refuse(&self, why: String) -> Response {
        self.violation(why.clone());
        (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({"error": {"code": "BadRequest", "message": why}})),
        )
            .into_response()
    }

    fn user(&self, id: &str) -> (String, String) {
        match id {
            "me" => (self.me.clone(), "adele@contoso.example".into()),
            MEGAN_ID => (MEGAN_ID.into(), "megan@contoso.example".into()),
            other => (other.into(), String::new()),
        }
    }

    fn member(&self, id: &str, name: &str, email: &str) -> Value {
        json!({"@odata.type": "#microsoft.graph.aadUserConversationMember", "displayName": name,
               "userId": self.user(id).0, "email": email})
    }
}

fn pairs(query: &str) -> Vec<(String, String)> {
    url::form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn get<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v.as_str())
}

fn decode(segment: &str) -> String {
    url::form_urlencoded::parse(format!("x={}", segment.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

async fn handle(State(s): State<Arc<Strict>>, request: Request) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let query = request.uri().query().unwrap_or_default().to_string();
    let headers = request.headers().clone();
    let body = axum::body::to_bytes(request.into_body(), usize::MAX)
        .await
        .unwrap_or_default();
    let Some(rest) = path.strip_prefix("/graph/v1.0/") else {
        return (StatusCode::NOT_FOUND, "not here").into_response();
    };
    if !headers.contains_key("authorization") {
        s.violation(format!("{method} {path} without a token"));
    }
    let segments: Vec<String> = rest.split('/').map(decode).collect();
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    match (method.clone(), segments.as_slice()) {
        (Method::GET, ["chats", chat, "messages"]) if *chat == CHAT => messages(&s, &path, &query),
        (Method::GET, ["chats", chat]) if *chat == CHAT => axum::Json(json!({
            "id": CHAT, "topic": "Strict", "chatType": "group",
            "webUrl": "https://teams.microsoft.com/l/chat/strict/0",
            "members": [s.member("me", "Adele Vance", "adele@contoso.example"),
                        s.member(MEGAN_ID, "Megan Bowen", "megan@contoso.example")],
        }))
        .into_response(),
        (Method::GET, ["me", "chats"]) => one_on_ones(&s, &path, &query),
        (Method::POST, ["chats"]) => start_chat(&s, &body),
        (Method::POST, ["chats", chat, "messages"]) => post_message(&s, chat, &body),
        (Method::POST, ["$batch"]) if String::from_utf8_lossy(&body).contains("/users/") => {
            directory(&s, &body)
        }
        _ => forward(&s, method, &path, &query, &headers, body).await,
    }
}

/// Check a query has only `allowed` options, a `$top` of at most 50, and (when it has one) a `$skiptoken`
/// handed out with exactly this query. `Err` is the refusal.
fn check_query(
    s: &Strict,
    path: &str,
    query: &str,
    allowed: &[&str],
) -> Result<Vec<(String, String)>, Response> {
    let q = pairs(query);
    for (k, _) in &q {
        if !allowed.iter().any(|a| a.eq_ignore_ascii_case(k)) {
            return Err(s.refuse(format!("Query option '{k}' is not allowed on {path}.")));
        }
    }
    if let Some(top) = get(&q, "$top") {
        match top.parse::<u32>() {
            Ok(n) if (1..=50).contains(&n) => {}
            _ => {
                return Err(s.refuse(format!(
                    "The limit of '50' for Top query has been exceeded. The value from the incoming request is '{top}'."
                )))
            }
        }
    }
    if get(&q, "$skiptoken").is_some() && !s.links.lock().unwrap().iter().any(|l| l == query) {
        return Err(s.refuse(format!(
            "A page was asked with a query no link gave ({query}): follow @odata.nextLink as given."
        )));
    }
    Ok(q)
}

/// `page` of `items` (after the skip token's position), with a link to the next one.
fn paged(s: &Strict, path: &str, q: &[(String, String)], items: Vec<Value>) -> Value {
    let top: usize = get(q, "$top").and_then(|t| t.parse().ok()).unwrap_or(20);
    let skip: usize = get(q, "$skiptoken")
        .and_then(|t| t.strip_prefix("at-"))
        .and_then(|t| t.parse().ok())
        .unwrap_or(0);
    let page: Vec<Value> = items.iter().skip(skip).take(top).cloned().collect();
    let mut body = json!({"value": page});
    if skip + top < items.len() {
        let mut next = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in q
            .iter()
            .filter(|(k, _)| !k.eq_ignore_ascii_case("$skiptoken"))
        {
            next.append_pair(k, v);
        }
        next.append_pair("$skiptoken", &format!("at-{}", skip + top));
        let next = next.finish();
        s.links.lock().unwrap().push(next.clone());
        body["@odata.nextLink"] = json!(format!("{}{path}?{next}", s.base));
    }
    body
}

fn messages(s: &Strict, path: &str, query: &str) -> Response {
    let q = match check_query(
        s,
        path,
        query,
        &["$top", "$orderby", "$filter", "$skiptoken"],
    ) {
        Ok(q) => q,
        Err(r) => return r,
    };
    s.pages.fetch_add(1, Ordering::SeqCst);
    let by_modified = match get(&q, "$orderby") {
        None | Some("createdDateTime desc") => false,
        Some("lastModifiedDateTime desc") => true,
        Some(other) => {
            return s.refuse(format!(
                "The $orderby '{other}' is not allowed: messages are ordered by 'lastModifiedDateTime desc' or \
                 'createdDateTime desc'."
            ))
        }
    };
    let mut bound: Option<(bool, jiff::Timestamp)> = None;
    if let Some(filter) = get(&q, "$filter") {
        let words: Vec<&str> = filter.split(' ').collect();
        let [prop, op, literal] = words.as_slice() else {
            return s.refuse(format!("Invalid filter clause: {filter}"));
        };
        let Ok(when) = literal.parse::<jiff::Timestamp>() else {
            return s.refuse(format!("Invalid filter literal: {literal}"));
        };
        let allowed = match *prop {
            "createdDateTime" => *op == "lt",
            "lastModifiedDateTime" => *op == "gt" || *op == "lt",
            _ => false,
        };
        if !allowed {
            return s.refuse(format!(
                "The entity property '{prop}' and operationKind '{op}' is not allowed in $filter query."
            ));
        }
        if (*prop == "lastModifiedDateTime") != by_modified {
            // Graph answers, ignoring the filter: a client that relied on it gets something else.
            s.violation(format!(
                "$filter on {prop} without $orderby on it: Graph would ignore the filter"
            ));
        } else {
            bound = Some((*op == "gt", when));
        }
    }
    let mut chosen: Vec<&Message> = s
        .messages
        .iter()
        .filter(|m| {
            let key = if by_modified { m.modified } else { m.created };
            match bound {
                None => true,
                Some((true, t)) => key > t,
                Some((false, t)) => key < t,
            }
        })
        .collect();
    chosen.sort_by_key(|m| std::cmp::Reverse(if by_modified { m.modified } else { m.created }));
    let items: Vec<Value> = chosen
        .iter()
        .map(|m| {
            let (id, name) = m.from;
            let body = if m.id == "m130" {
                "<p>Last <b>one</b></p>".to_string()
            } else {
                format!("<p>Message {}</p>", m.id)
            };
            json!({
                "id": m.id, "messageType": "message", "chatId": CHAT, "webUrl": null,
                "createdDateTime": iso(m.created), "lastModifiedDateTime": iso(m.modified),
                "deletedDateTime": null, "eventDetail": null,
                "from": {"user": {"id": s.user(id).0, "displayName": name}},
                "body": {"contentType": "html", "content": body},
                "mentions": [], "attachments": [],
            })
        })
        .collect();
    axum::Json(paged(s, path, &q, items)).into_response()
}

fn one_on_ones(s: &Strict, path: &str, query: &str) -> Response {
    let q = match check_query(
        s,
        path,
        query,
        &["$top", "$filter", "$expand", "$skiptoken", "$orderby"],
    ) {
        Ok(q) => q,
        Err(r) => return r,
    };
    if get(&q, "$filter") != Some("chatType eq 'oneOnOne'") {
        return s.refuse(format!(
            "This stand-in lists one-on-one chats only: {query}"
        ));
    }
    if get(&q, "$expand") != Some("members") {
        s.violation(format!(
            "one-on-one chats listed without their members: {query}"
        ));
    }
    let me = s.member("me", "Adele Vance", "adele@contoso.example");
    let chat = |id: String, email: String| {
        json!({"id": id, "chatType": "oneOnOne", "topic": null,
               "webUrl": format!("https://teams.microsoft.com/l/chat/{id}/0"),
               "members": [me.clone(), {"displayName": email.clone(), "userId": format!("u-{email}"), "email": email}]})
    };
    let mut items: Vec<Value> = (1..=PEOPLE)
        .map(|i| chat(one_on_one(i), person(i)))
        .collect();
    items.extend(
        s.started
            .lock()
            .unwrap()
            .iter()
            .map(|(id, email)| chat(id.clone(), email.clone())),
    );
    axum::Json(paged(s, path, &q, items)).into_response()
}

fn start_chat(s: &Strict, body: &[u8]) -> Response {
    let v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    if v["chatType"] != "oneOnOne" {
        return s.refuse(format!("not a one-on-one chat: {v}"));
    }
    let binds: Vec<String> = v["members"]
        .as_array()
        .map(|m| {
            m.iter()
                .filter_map(|x| x["user@odata.bind"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let key = |bind: &str| {
        let open = format!("{}/graph/v1.0/users('", s.base);
        bind.strip_prefix(&open)
            .and_then(|k| k.strip_suffix("')"))
            .map(|k| k.replace("''", "'"))
    };
    let keys: Vec<Option<String>> = binds.iter().map(|b| key(b)).collect();
    let [Some(first), Some(other)] = keys.as_slice() else {
        return s.refuse(format!(
            "two members bound as {}/graph/v1.0/users('…'): {v}",
            s.base
        ));
    };
    if *first != s.me {
        s.violation(format!("the creator is not the first member: {first}"));
    }
    let mut started = s.started.lock().unwrap();
    let id = match started.iter().find(|(_, e)| e.eq_ignore_ascii_case(other)) {
        Some((id, _)) => id.clone(),
        None => {
            let id = format!("19:new-{}@unq.gbl.spaces", started.len() + 1);
            started.push((id.clone(), other.clone()));
            id
        }
    };
    (
        StatusCode::CREATED,
        axum::Json(json!({"id": id, "chatType": "oneOnOne",
                          "webUrl": format!("https://teams.microsoft.com/l/chat/{id}/0")})),
    )
        .into_response()
}

fn post_message(s: &Strict, chat: &str, body: &[u8]) -> Response {
    let v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    if v["body"]["contentType"] != "text" {
        s.violation(format!("a message sent as something else than text: {v}"));
    }
    let text = v["body"]["content"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let mut sent = s.sent.lock().unwrap();
    sent.push((chat.to_string(), text.clone()));
    (
        StatusCode::CREATED,
        axum::Json(json!({"id": format!("sent-{}", sent.len()), "chatId": chat, "webUrl": null,
                          "messageType": "message", "body": {"contentType": "text", "content": text}})),
    )
        .into_response()
}

fn directory(s: &Strict, body: &[u8]) -> Response {
    s.lookups.fetch_add(1, Ordering::SeqCst);
    let v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let mut responses = Vec::new();
    for r in v["requests"].as_array().cloned().unwrap_or_default() {
        let id = r["id"].clone();
        let url = r["url"].as_str().unwrap_or_default();
        if r["method"] != "GET" || !url.starts_with("/users/") {
            s.violation(format!("a batch item that is not a directory lookup: {r}"));
        }
        let who = url
            .trim_start_matches("/users/")
            .split('?')
            .next()
            .map(decode)
            .unwrap_or_default();
        responses.push(if who == LEFT_ID {
            json!({"id": id, "status": 200, "headers": {"Content-Type": "application/json"},
                   "body": {"id": LEFT_ID, "displayName": "Former Colleague", "mail": LEFT_ADDRESS}})
        } else {
            json!({"id": id, "status": 404, "headers": {"Content-Type": "application/json"},
                   "body": {"error": {"code": "Request_ResourceNotFound", "message": "no such user"}}})
        });
    }
    axum::Json(json!({"responses": responses})).into_response()
}

async fn forward(
    s: &Strict,
    method: Method,
    path: &str,
    query: &str,
    headers: &HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let mut url = format!("{}{path}", s.sandbox);
    if !query.is_empty() {
        url.push('?');
        url.push_str(query);
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
