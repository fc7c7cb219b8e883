//! `GET /me`: the signed-in user. With `$select=id` it is the cheapest request Graph answers, which makes it the
//! health probe: it proves the token is accepted without fetching anything.

use super::{Graph, GraphError};
use secrecy::SecretString;
use serde::Deserialize;

/// The fields of the user Patchbay reads.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Me {
    pub id: String,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub mail: Option<String>,
    #[serde(default)]
    pub user_principal_name: Option<String>,
}

pub struct MeRequest<'a> {
    graph: &'a Graph,
    select: Vec<&'static str>,
}

impl<'a> MeRequest<'a> {
    pub(super) fn new(graph: &'a Graph) -> Self {
        Self {
            graph,
            select: vec!["id"],
        }
    }

    /// Fetch these fields too (`id` always).
    pub fn select(mut self, fields: &[&'static str]) -> Self {
        for f in fields {
            if !self.select.contains(f) {
                self.select.push(f);
            }
        }
        self
    }

    pub fn request(&self) -> super::Request {
        super::Request::get("me").query("$select", self.select.join(","))
    }

    pub async fn send(self, token: &SecretString) -> Result<Me, GraphError> {
        self.graph.send(&self.request(), token).await?.json()
    }
}
