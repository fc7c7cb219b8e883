//! A small, typed Microsoft Graph client: one module per resource, requests built and then sent, the base URL
//! injected (Microsoft's clouds, the sandbox, tests), and every request carrying `$select` so only what is used
//! is fetched. Today it knows `me` (the health probe); mail, calendar and mailbox settings follow.

pub mod error;
pub mod me;

pub use error::{GraphError, GraphErrorBody};

use crate::tokens::error::parse_retry_after;
use secrecy::{ExposeSecret, SecretString};
use url::Url;

/// Graph at one base URL (e.g. `https://graph.microsoft.com/`, `http://127.0.0.1:PORT/graph`).
#[derive(Clone)]
pub struct Graph {
    base: Url,
    http: reqwest::Client,
}

impl Graph {
    pub fn new(base: Url, http: reqwest::Client) -> Self {
        Self { base, http }
    }

    /// The signed-in user.
    pub fn me(&self) -> me::MeRequest<'_> {
        me::MeRequest::new(self)
    }

    /// `{base}/v1.0/{path}` with the query pairs.
    fn url(&self, path: &str, query: &[(&str, String)]) -> Url {
        let mut url = self.base.clone();
        let base_path = url.path().trim_end_matches('/').to_string();
        url.set_path(&format!("{base_path}/v1.0/{path}"));
        if !query.is_empty() {
            let mut q = url.query_pairs_mut();
            for (k, v) in query {
                q.append_pair(k, v);
            }
        }
        url
    }

    /// GET a JSON document with a bearer token.
    async fn get_json<T: serde::de::DeserializeOwned>(
        &self,
        url: Url,
        token: &SecretString,
    ) -> Result<T, GraphError> {
        let response = self
            .http
            .get(url)
            .bearer_auth(token.expose_secret())
            .header("client-request-id", uuid::Uuid::new_v4().to_string())
            .send()
            .await
            .map_err(|e| GraphError::Network {
                timeout: e.is_timeout(),
                detail: crate::oauth::discovery::describe_reqwest_error(&e),
            })?;
        let status = response.status().as_u16();
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let retry_after = header("retry-after").as_deref().and_then(parse_retry_after);
        let request_id = header("request-id");
        let body = response.bytes().await.map_err(|e| GraphError::Network {
            timeout: e.is_timeout(),
            detail: crate::oauth::discovery::describe_reqwest_error(&e),
        })?;
        if !(200..300).contains(&status) {
            let parsed = GraphErrorBody::parse(status, &body, request_id.as_deref());
            return Err(GraphError::from_status(status, retry_after, parsed));
        }
        serde_json::from_slice(&body).map_err(|e| GraphError::Decode(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    }
}
