//! A connection's Graph: one handle that preview, the health checks, `patchbay graph` and everything new call
//! Graph through. It knows the connection's Graph base (a national cloud, the sandbox) and takes its tokens from
//! the token manager, so every caller gets the same rules: a fresh token, one refresh and one resend on a 401,
//! throttling waited out within [`CallPolicy`], and links followed only inside this Graph.

use super::batch::{Batch, BatchResponses};
use super::request::{RawResponse, Request};
use super::session::{self, CallError, CallPolicy, Target, TokenSource};
use super::Graph;
use crate::error::{ErrorCode, ErrorInfo};
use crate::tokens::{RefreshError, TokenManager, TokenPolicy};
use secrecy::SecretString;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Graph's pages are finite, but a server that loops its links (or never ends them) must not loop Patchbay,
/// nor fill its memory: a walk stops at this many pages or [`crate::body::GRAPH_PAGES`] of answers, with an
/// error (never a list cut short that would pass for a whole one). Graph's largest pages hold 1,000 items.
const MAX_PAGES: usize = 1_000;

/// What [`ConnectionGraph::pages`] collected.
#[derive(Debug)]
pub enum Collected {
    /// Every page's `value`, in order.
    Items(Vec<serde_json::Value>),
    /// A page that failed (the pages before it are dropped: a partial list would pass for a whole one).
    Failed(RawResponse),
}

/// Graph as one connection, made by [`TokenManager::graph`].
pub struct ConnectionGraph {
    id: String,
    graph: Graph,
    tokens: Arc<TokenManager>,
    /// How the first token of a call is had (a health check may want one refreshed).
    first: TokenPolicy,
    policy: CallPolicy,
    /// Whether a token this handle used was obtained by a refresh it caused.
    refreshed: AtomicBool,
}

impl ConnectionGraph {
    pub(crate) fn new(id: &str, graph: Graph, tokens: Arc<TokenManager>) -> Self {
        Self {
            id: id.to_string(),
            graph,
            tokens,
            first: TokenPolicy::default(),
            policy: CallPolicy::default(),
            refreshed: AtomicBool::new(false),
        }
    }

    /// The first token of each call is had under `policy` (refresh it, or refresh it when older than…).
    pub fn first_token(mut self, policy: TokenPolicy) -> Self {
        self.first = policy;
        self
    }

    /// How long to wait on Graph's say-so (the default: three sends, ten seconds a wait at most).
    pub fn policy(mut self, policy: CallPolicy) -> Self {
        self.policy = policy;
        self
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    /// The plain client at this connection's Graph base, to build requests with.
    pub fn graph(&self) -> &Graph {
        &self.graph
    }

    /// Whether a call made through this handle refreshed the connection's token.
    pub fn refreshed(&self) -> bool {
        self.refreshed.load(Ordering::SeqCst)
    }

    /// Send one request. Any HTTP answer is `Ok`; `Err` when there was none, or no token.
    pub async fn send(&self, request: &Request) -> Result<RawResponse, CallError> {
        session::call(&self.graph, self, self.policy, Target::Request(request)).await
    }

    /// Follow a link Graph gave (`@odata.nextLink`), as given, with `like`'s headers; only inside this Graph.
    pub async fn follow(&self, link: &str, like: &Request) -> Result<RawResponse, CallError> {
        session::call(&self.graph, self, self.policy, Target::Link(link, like)).await
    }

    /// A GET whose successful answer's body is handed back unread, to be streamed (an attachment's bytes);
    /// any other answer read whole.
    pub async fn open(&self, request: &Request) -> Result<session::Streamed, CallError> {
        session::call_streaming(&self.graph, self, self.policy, request).await
    }

    /// Send `batch` in one round trip (again only for items throttled or refused).
    pub async fn batch(&self, batch: &Batch) -> Result<BatchResponses, CallError> {
        session::call_batch(&self.graph, self, self.policy, batch).await
    }

    /// `request` and every page after it (`@odata.nextLink`, followed as given), their `value`s in order.
    pub async fn pages(&self, request: &Request) -> Result<Collected, ErrorInfo> {
        let mut items = Vec::new();
        let mut next: Option<String> = None;
        let mut read = 0usize;
        for _ in 0..MAX_PAGES {
            let response = match &next {
                None => self.send(request).await,
                Some(link) => self.follow(link, request).await,
            }
            .map_err(|e| e.to_error_info())?;
            if !response.is_success() {
                return Ok(Collected::Failed(response));
            }
            read += response.body.len();
            if read > crate::body::GRAPH_PAGES {
                return Err(too_many_pages(format!(
                    "more than {} of answers",
                    crate::body::size_words(crate::body::GRAPH_PAGES)
                )));
            }
            let body: serde_json::Value =
                response.json().map_err(|e| session::graph_error_info(&e))?;
            let Some(serde_json::Value::Array(values)) = body.get("value") else {
                return Err(ErrorInfo::new(
                    ErrorCode::InvalidInput,
                    "The answer is not a list (it has no \"value\"), so there are no pages to follow.",
                    "The path names a single resource: ask for it without following pages.",
                ));
            };
            items.extend(values.iter().cloned());
            let next_link = body
                .get("@odata.nextLink")
                .and_then(|l| l.as_str())
                .map(str::to_string);
            match next_link {
                Some(link) if Some(&link) != next.as_ref() => next = Some(link),
                _ => return Ok(Collected::Items(items)),
            }
        }
        Err(too_many_pages(format!("{MAX_PAGES} pages")))
    }
}

fn too_many_pages(what: String) -> ErrorInfo {
    ErrorInfo::new(
        ErrorCode::InvalidInput,
        format!("Patchbay stopped following the pages after {what}, before the last one."),
        "Ask for less: a narrower $filter, fewer fields ($select), or bigger pages ($top) with fewer of them.",
    )
}

impl TokenSource for ConnectionGraph {
    async fn token(&self, fresh: bool) -> Result<SecretString, RefreshError> {
        let policy = if fresh {
            TokenPolicy {
                force_refresh: true,
                max_age: None,
            }
        } else {
            self.first
        };
        let token = self.tokens.token_with(&self.id, policy).await?;
        if token.refreshed {
            self.refreshed.store(true, Ordering::SeqCst);
        }
        Ok(token.token)
    }
}
