//! Sharing links: a view-only link to an item (`createLink` with `"type": "view"`), for people in the
//! organisation or for anyone who has it. Graph answers with the link already there when one of that kind
//! exists, so asking twice gives the same URL.

use super::{failure, Files};
use crate::error::{ErrorCode, ErrorInfo};
use crate::graph::drive::DrivePath;
use serde::Deserialize;

/// Who a link lets in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkScope {
    /// People signed in to the organisation (work or school accounts only).
    Organization,
    /// Anyone who has the link, signed in or not.
    Anonymous,
}

impl LinkScope {
    /// Graph's name for it.
    pub fn as_str(self) -> &'static str {
        match self {
            LinkScope::Organization => "organization",
            LinkScope::Anonymous => "anonymous",
        }
    }

    /// Who it lets in, in words.
    pub fn words(self) -> &'static str {
        match self {
            LinkScope::Organization => "people in the organisation",
            LinkScope::Anonymous => "anyone with the link",
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Permission {
    #[serde(default)]
    link: Option<SharingLink>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SharingLink {
    #[serde(default)]
    web_url: Option<String>,
}

impl Files<'_> {
    /// A view-only link to the item at `path` that lets `scope` in: its URL.
    pub async fn share_link(
        &self,
        path: &DrivePath,
        scope: LinkScope,
    ) -> Result<String, ErrorInfo> {
        let shown = path.display();
        let request = self
            .graph
            .graph()
            .drive(&self.drive)
            .create_link(path, scope.as_str());
        let response = self
            .graph
            .send(&request)
            .await
            .map_err(|e| e.to_error_info())?;
        if !response.is_success() {
            return Err(match response.status {
                400 | 403 => failure::link_refused(&response, &shown, scope.words()),
                _ => failure::about(&response, &shown),
            });
        }
        let permission: Permission = response
            .json()
            .map_err(|e| crate::graph::session::graph_error_info(&e))?;
        permission
            .link
            .and_then(|l| l.web_url)
            .filter(|u| !u.trim().is_empty())
            .ok_or_else(|| {
                ErrorInfo::new(
                    ErrorCode::ProviderError,
                    format!("Microsoft made a link to {shown} but did not say its address."),
                    "Try again; if it persists, share it from OneDrive.",
                )
            })
    }
}
