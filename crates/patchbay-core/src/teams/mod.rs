//! Microsoft Teams for the `patchbay teams` commands, the assistant's Teams tools, the Teams automations and the
//! preview: one API over a connection's Graph ([`ConnectionGraph`]), so every surface reads and sends the same
//! way.
//!
//! - [`Msg`], [`Chat`], [`Team`], [`Channel`], [`ChannelPost`], [`Sent`]: the fixed interface's shapes
//!   ([`model`]); a message's text as a person reads it ([`text`]), who sent it ([`people`]).
//! - Reading ([`chats`], [`channels`]): chats latest first, a chat's messages newest first, teams, channels, a
//!   channel's posts with their replies. Only what people wrote is listed: system events (members added, a chat
//!   renamed) and deleted messages are left out, and `top` counts what is listed (further pages are read to
//!   make it up).
//! - Sending ([`send`]): to a chat, to a person (their one-on-one chat, found or started), to a channel or as a
//!   reply; always as text, so what was typed arrives as that text; more than 28 KB is refused before anything
//!   is sent. A send is never sent again after an answer that may mean it arrived (see
//!   [`crate::graph::session`]), and such a failure says so.
//! - Throttling: a 429 is waited out as the connection's policy allows, and requests go one after another, never
//!   in a burst.
//!
//! Errors are [`ErrorInfo`]: what happened and what to do, in words ([`failure`]).

pub mod channels;
pub mod chats;
pub mod failure;
pub mod message;
pub mod model;
pub mod people;
pub mod send;
pub mod text;

pub use model::{Channel, ChannelPost, Chat, Msg, Sent, Team};

use crate::error::ErrorInfo;
use crate::graph::session::graph_error_info;
use crate::graph::{ConnectionGraph, GraphError, Page, RawResponse, Request};
use people::People;
use serde::de::DeserializeOwned;
use std::sync::Mutex;

/// A walk over pages stops here: Graph's pages end, but a server that loops its links must not loop Patchbay.
const MAX_PAGES: usize = 1_000;

/// The signed-in person, as Teams needs them: their id (mentions, a new one-on-one chat) and address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Me {
    pub id: String,
    pub name: Option<String>,
    pub address: Option<String>,
}

/// One connection's Teams. Cheap to make; it remembers who the person is and the people it has looked up
/// for as long as it lives.
pub struct Teams<'a> {
    graph: &'a ConnectionGraph,
    me: tokio::sync::OnceCell<Me>,
    people: Mutex<People>,
}

impl<'a> Teams<'a> {
    pub fn new(graph: &'a ConnectionGraph) -> Self {
        Self {
            graph,
            me: tokio::sync::OnceCell::new(),
            people: Mutex::new(People::default()),
        }
    }

    pub fn graph(&self) -> &'a ConnectionGraph {
        self.graph
    }

    /// The signed-in person (`GET /me`, once).
    pub async fn me(&self) -> Result<&Me, ErrorInfo> {
        self.me
            .get_or_try_init(|| async {
                let request =
                    self.graph
                        .graph()
                        .me()
                        .select(&["displayName", "mail", "userPrincipalName"]);
                let response = self
                    .graph
                    .send(&request.request())
                    .await
                    .map_err(|e| e.to_error_info())?;
                let me: crate::graph::me::Me = decode_answer(&response)?;
                Ok(Me {
                    id: me.id,
                    name: me.display_name,
                    address: me.mail.or(me.user_principal_name),
                })
            })
            .await
    }

    /// `request` and the pages after it (`@odata.nextLink`, followed as given, one after another), each page's
    /// items handed to `take` until it says it has enough (`false`) or the pages end. A page that fails ends the
    /// walk with `fail`'s words for it.
    pub(crate) async fn walk<T: DeserializeOwned>(
        &self,
        request: &Request,
        fail: impl Fn(&RawResponse) -> ErrorInfo,
        mut take: impl FnMut(Vec<T>) -> bool,
    ) -> Result<(), ErrorInfo> {
        let mut next: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let response = match &next {
                None => self.graph.send(request).await,
                Some(link) => self.graph.follow(link, request).await,
            }
            .map_err(|e| e.to_error_info())?;
            if !response.is_success() {
                return Err(fail(&response));
            }
            let page: Page<T> = decode_answer(&response)?;
            if !take(page.value) {
                return Ok(());
            }
            match page.next_link {
                Some(link) if Some(&link) != next.as_ref() => next = Some(link),
                _ => return Ok(()),
            }
        }
        Err(failure::too_many_pages())
    }

    /// One request's answer as `T`, or `fail`'s words for it.
    pub(crate) async fn get<T: DeserializeOwned>(
        &self,
        request: &Request,
        fail: impl Fn(&RawResponse) -> ErrorInfo,
    ) -> Result<T, ErrorInfo> {
        let response = self
            .graph
            .send(request)
            .await
            .map_err(|e| e.to_error_info())?;
        if !response.is_success() {
            return Err(fail(&response));
        }
        decode_answer(&response)
    }
}

/// A successful answer's JSON as `T`.
pub(crate) fn decode_answer<T: DeserializeOwned>(response: &RawResponse) -> Result<T, ErrorInfo> {
    response
        .json()
        .map_err(|e: GraphError| graph_error_info(&e))
}
