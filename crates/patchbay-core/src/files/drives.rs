//! The drives a person can pick with `--drive ID`: their own (`me/drives`), and with a site search the document
//! libraries of the SharePoint sites found.

use super::failure;
use crate::error::{ErrorCode, ErrorInfo};
use crate::graph::batch::MAX_ITEMS;
use crate::graph::drive::{DriveInfo, SiteInfo, Sites};
use crate::graph::session::graph_error_info;
use crate::graph::{Batch, Collected, ConnectionGraph, GraphError, RawResponse};
use serde::{Deserialize, Serialize};

/// A drive: `{"id", "name", "site"}` (the fixed interface's `drives` items; `site` is null for the person's own).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct DriveEntry {
    pub id: String,
    pub name: String,
    /// The SharePoint site's name, for a document library.
    pub site: Option<String>,
}

/// The person's drives, then (with `site_search`) the libraries of every site whose name matches, site by site.
pub async fn drives(
    graph: &ConnectionGraph,
    site_search: Option<&str>,
) -> Result<Vec<DriveEntry>, ErrorInfo> {
    let mut found: Vec<DriveEntry> = list::<DriveInfo>(graph, &Sites::my_drives(), "your drives")
        .await?
        .into_iter()
        .map(|d| DriveEntry {
            name: d.name.unwrap_or_else(|| "OneDrive".into()),
            id: d.id,
            site: None,
        })
        .collect();
    let Some(query) = site_search.map(str::trim).filter(|q| !q.is_empty()) else {
        return Ok(found);
    };
    let sites = list::<SiteInfo>(graph, &Sites::search(query), "SharePoint sites").await?;
    for group in sites.chunks(MAX_ITEMS) {
        let mut batch = Batch::new();
        for (i, site) in group.iter().enumerate() {
            batch = batch.add(i.to_string(), Sites::drives(&site.id));
        }
        let mut answers = graph.batch(&batch).await.map_err(|e| e.to_error_info())?;
        for (i, site) in group.iter().enumerate() {
            let site_name = site
                .display_name
                .clone()
                .or_else(|| site.name.clone())
                .unwrap_or_else(|| site.id.clone());
            let response = answers
                .take(&i.to_string())
                .map_err(|e| graph_error_info(&e))?;
            if !response.is_success() {
                return Err(refused(&response, &format!("the libraries of {site_name}")));
            }
            let page: crate::graph::Page<DriveInfo> =
                response.json().map_err(|e| graph_error_info(&e))?;
            found.extend(page.value.into_iter().map(|d| DriveEntry {
                name: d.name.unwrap_or_else(|| "Documents".into()),
                id: d.id,
                site: Some(site_name.clone()),
            }));
        }
    }
    Ok(found)
}

/// Every page of a list, decoded.
async fn list<T: serde::de::DeserializeOwned>(
    graph: &ConnectionGraph,
    request: &crate::graph::Request,
    what: &str,
) -> Result<Vec<T>, ErrorInfo> {
    match graph.pages(request).await? {
        Collected::Items(items) => items
            .into_iter()
            .map(|v| {
                serde_json::from_value(v)
                    .map_err(|e| graph_error_info(&GraphError::Decode(e.to_string())))
            })
            .collect(),
        Collected::Failed(response) => Err(refused(&response, what)),
    }
}

fn refused(response: &RawResponse, what: &str) -> ErrorInfo {
    match response.status {
        // Personal accounts have no SharePoint: Graph says so with a 400.
        400 if what != "your drives" => ErrorInfo::new(
            ErrorCode::InvalidInput,
            format!("Microsoft would not list {what}: this account has no SharePoint (a personal Microsoft account?)."),
            "Leave out the site search: personal accounts have their OneDrive only.",
        ),
        403 => ErrorInfo::new(
            ErrorCode::InvalidScope,
            format!("Microsoft refused to list {what}: this connection lacks the permission."),
            "Sign in again (Fix) with the SharePoint sites feature (Sites.Read.All) granted.",
        ),
        _ => failure::about(response, what),
    }
    .with_detail(format!(
        "HTTP {}: {}",
        response.status,
        crate::graph::GraphErrorBody::parse(response.status, &response.body, response.header("request-id")).summary()
    ))
}
