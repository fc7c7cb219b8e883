//! A small, typed Microsoft Graph client: one module per resource ([`me`], [`mail`], [`calendar`],
//! [`mailbox`], [`drive`], [`teams`]), requests built and then sent (`graph.mail().inbox().top(25)`) or put in a
//! [`batch::Batch`], the base URL injected (Microsoft's clouds, the sandbox, tests), and every request carrying
//! `$select` so only what is used is fetched (where Graph takes it: Teams does not). [`session`] adds what a
//! caller with a connection needs: one token refresh on a 401, and bounded waits on 429 and 503; [`connection`]
//! is the handle every caller with a connection uses.

pub mod batch;
pub mod calendar;
pub mod connection;
pub mod drive;
pub mod error;
pub mod mail;
pub mod mailbox;
pub mod me;
pub mod path;
pub mod request;
pub mod session;
pub mod teams;
pub mod zone;

pub use batch::{Batch, BatchResponses};
pub use connection::{Collected, ConnectionGraph};
pub use error::{GraphError, GraphErrorBody};
pub use path::{path_segment, PathSegmentError};
pub use request::{RawResponse, Request};
/// HTTP methods and header names and values, for building a [`Request`] without depending on the HTTP client.
pub use reqwest::header::{HeaderName, HeaderValue};
pub use reqwest::Method;

use serde::Deserialize;
use url::Url;

/// Graph at one base URL (e.g. `https://graph.microsoft.com/`, `http://127.0.0.1:PORT/graph`).
#[derive(Clone)]
pub struct Graph {
    base: Url,
    http: reqwest::Client,
}

/// One page of a collection, and where the next one is (followed exactly as given: Graph's paging tokens are
/// opaque).
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct Page<T> {
    #[serde(default = "Vec::new")]
    pub value: Vec<T>,
    #[serde(default, rename = "@odata.nextLink")]
    pub next_link: Option<String>,
}

/// `{"name": "...", "address": "..."}`; a sender without a display name has no `name`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
pub struct EmailAddress {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub address: Option<String>,
}

/// Graph's root: `base` without a version at its end. Microsoft's documentation gives Graph's address with its
/// version (`https://graph.microsoft.com/v1.0`), and a URL copied from it is that root plus the version, never
/// a root of its own: `/v1.0` or `/beta` at the end (any case, with or without a trailing slash) is taken off,
/// so requests go to `/v1.0/me`, never `/v1.0/v1.0/me`. Each request names its own version.
pub fn root(base: &Url) -> Url {
    let mut root = base.clone();
    let path = base.path().trim_end_matches('/');
    let versionless = ["/v1.0", "/beta"].iter().find_map(|version| {
        let cut = path.len().checked_sub(version.len())?;
        let tail = path.get(cut..)?;
        tail.eq_ignore_ascii_case(version).then(|| &path[..cut])
    });
    if let Some(path) = versionless {
        root.set_path(path);
    }
    root
}

impl Graph {
    /// Graph at `base`, taken as its [`root`] (a version at its end is not doubled).
    pub fn new(base: Url, http: reqwest::Client) -> Self {
        Self {
            base: root(&base),
            http,
        }
    }

    pub fn base(&self) -> &Url {
        &self.base
    }

    /// A full URL under this Graph (a nextLink, a Graph Explorer URL) as a path relative to the base, with its
    /// query: `https://graph.microsoft.com/v1.0/me?$top=1` → `v1.0/me?$top=1`. `Err` for a URL elsewhere.
    pub fn relative_of(&self, link: &str) -> Result<String, GraphError> {
        let url = self.check_link(link)?;
        let base_path = self.base.path().trim_end_matches('/');
        let path = url.path()[base_path.len()..].trim_start_matches('/');
        Ok(match url.query() {
            Some(q) => format!("{path}?{q}"),
            None => path.to_string(),
        })
    }

    /// The signed-in user.
    pub fn me(&self) -> me::MeRequest<'_> {
        me::MeRequest::new(self)
    }

    /// The signed-in user's mail.
    pub fn mail(&self) -> mail::Mail<'_> {
        mail::Mail::new(self)
    }

    /// The signed-in user's calendar.
    pub fn calendar(&self) -> calendar::Calendar<'_> {
        calendar::Calendar::new(self)
    }

    /// The signed-in user's mailbox settings.
    pub fn mailbox_settings(&self) -> mailbox::MailboxSettingsRequest<'_> {
        mailbox::MailboxSettingsRequest::new(self)
    }

    /// `{base}/v1.0/{path}` with the query pairs. A path that starts with a version (`beta/…`, `v1.0/…`) keeps
    /// it.
    fn url(&self, path: &str, query: &[(&str, String)]) -> Url {
        let mut url = self.base.clone();
        let base_path = url.path().trim_end_matches('/').to_string();
        let path = path.trim_start_matches('/');
        let versioned = ["v1.0/", "beta/"].iter().any(|v| path.starts_with(v));
        if versioned {
            url.set_path(&format!("{base_path}/{path}"));
        } else {
            url.set_path(&format!("{base_path}/v1.0/{path}"));
        }
        if !query.is_empty() {
            let mut q = url.query_pairs_mut();
            for (k, v) in query {
                q.append_pair(k, v);
            }
        }
        url
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_urls_under_the_base_become_relative_and_others_are_refused() {
        let g = Graph::new(
            Url::parse("http://127.0.0.1:9/graph").unwrap(),
            reqwest::Client::new(),
        );
        assert_eq!(
            g.relative_of("http://127.0.0.1:9/graph/v1.0/me/messages?%24skip=10")
                .unwrap(),
            "v1.0/me/messages?%24skip=10"
        );
        assert_eq!(
            g.relative_of("http://127.0.0.1:9/graph/beta/me").unwrap(),
            "beta/me"
        );
        for foreign in [
            "http://127.0.0.1:10/graph/v1.0/me",
            "https://127.0.0.1:9/graph/v1.0/me",
            "http://evil.example/graph/v1.0/me",
            "http://u:p@127.0.0.1:9/graph/v1.0/me",
            "http://127.0.0.1:9/graphx/v1.0/me",
        ] {
            assert!(g.relative_of(foreign).is_err(), "{foreign}");
        }
    }

    #[test]
    fn urls_keep_the_base_path_and_add_the_version() {
        let g = Graph::new(
            Url::parse("http://127.0.0.1:9/graph").unwrap(),
            reqwest::Client::new(),
        );
        assert_eq!(
            g.url("me", &[("$select", "id".into())]).as_str(),
            "http://127.0.0.1:9/graph/v1.0/me?%24select=id"
        );
        let g = Graph::new(
            Url::parse("https://graph.microsoft.com/").unwrap(),
            reqwest::Client::new(),
        );
        assert_eq!(
            g.url("me", &[]).as_str(),
            "https://graph.microsoft.com/v1.0/me"
        );
        assert_eq!(
            g.url("/beta/me/events", &[]).as_str(),
            "https://graph.microsoft.com/beta/me/events"
        );
    }

    #[test]
    fn a_graph_url_copied_with_its_version_is_that_root_and_the_version_is_never_doubled() {
        for given in [
            "https://graph.microsoft.com/v1.0",
            "https://graph.microsoft.com/v1.0/",
            "https://graph.microsoft.com/V1.0",
            "https://graph.microsoft.com/beta",
            "https://graph.microsoft.com/beta/",
            "https://graph.microsoft.com",
            "https://graph.microsoft.com/",
        ] {
            let g = Graph::new(Url::parse(given).unwrap(), reqwest::Client::new());
            assert_eq!(g.base().as_str(), "https://graph.microsoft.com/", "{given}");
            assert_eq!(
                g.url("me", &[]).as_str(),
                "https://graph.microsoft.com/v1.0/me",
                "{given}"
            );
            assert_eq!(
                g.url("beta/me", &[]).as_str(),
                "https://graph.microsoft.com/beta/me",
                "{given}"
            );
            assert_eq!(
                g.relative_of("https://graph.microsoft.com/v1.0/me?$top=1")
                    .unwrap(),
                "v1.0/me?$top=1"
            );
        }
        // A base path of its own stays; only a version at the end is Graph's.
        let g = Graph::new(
            Url::parse("http://127.0.0.1:9/graph/v1.0").unwrap(),
            reqwest::Client::new(),
        );
        assert_eq!(
            g.url("me", &[]).as_str(),
            "http://127.0.0.1:9/graph/v1.0/me"
        );
        for kept in [
            "https://g.example/v1.0x",
            "https://g.example/myv1.0",
            "https://g.example/betas",
        ] {
            let g = Graph::new(Url::parse(kept).unwrap(), reqwest::Client::new());
            assert_eq!(g.base().as_str(), kept, "{kept}");
        }
    }
}
