//! SharePoint sites: `/me/followedSites`, `/sites?search=…`, `/sites/{id}` (by ID or by
//! `{hostname}:/sites/{name}`), `/sites/{id}/drives` and `/sites/{id}/drive`. A personal Microsoft account has
//! no SharePoint: every sites request is refused as Graph refuses it for such accounts.

use axum::http::StatusCode;
use serde_json::{json, Value};

use super::model::time;
use super::store::{Files, Site};
use super::{access_denied, context, files};
use crate::graph::odata::Query;
use crate::graph::{Caller, GraphRequest, Reply};
use crate::state::AppState;

/// What reads sites (Files.* scopes read drives, not sites).
const SITES_READ: &[&str] = &["Sites.Read.All", "Sites.ReadWrite.All"];
/// What lists a site's libraries.
const DRIVES_READ: &[&str] = &[
    "Files.Read.All",
    "Files.ReadWrite.All",
    "Sites.Read.All",
    "Sites.ReadWrite.All",
];

/// Sites requests from a personal account.
pub fn no_sharepoint() -> Reply {
    Reply::error(
        StatusCode::BAD_REQUEST,
        "BadRequest",
        "Unable to retrieve tenant service info: SharePoint is not available to personal Microsoft accounts.",
    )
}

pub fn site_not_found() -> Reply {
    Reply::error(
        StatusCode::NOT_FOUND,
        "itemNotFound",
        "Requested site could not be found",
    )
}

/// A site by ID, or by `{hostname}:/sites/{name}`.
pub fn find<'a>(files: &'a Files, key: &str) -> Option<&'a Site> {
    if let Some((host, path)) = key.split_once(':') {
        let wanted = format!("https://{host}{}", path.trim_end_matches('/'));
        return files
            .sites
            .iter()
            .find(|s| s.web_url.eq_ignore_ascii_case(&wanted));
    }
    files.site(key)
}

pub fn site_json(site: &Site) -> Value {
    json!({
        "id": site.id,
        "name": site.name,
        "displayName": site.display_name,
        "description": site.description,
        "webUrl": site.web_url,
        "createdDateTime": time(site.created),
        "lastModifiedDateTime": time(site.created),
        "siteCollection": {"hostname": super::data::SHAREPOINT_HOST},
    })
}

pub fn followed(st: &AppState, caller: &Caller, req: &GraphRequest) -> Reply {
    let _ = req;
    if !caller.has_any(SITES_READ) {
        return access_denied();
    }
    let inner = files(st);
    let value: Vec<Value> = inner
        .files
        .sites
        .iter()
        .filter(|s| s.followers.contains(&caller.user.id))
        .map(site_json)
        .collect();
    Reply::ok(json!({"@odata.context": context(st, "sites"), "value": value}))
}

/// `/sites?search=Q` (`*` for all). Without `search`, Graph lists nothing, and neither does the sandbox.
pub fn search_sites(st: &AppState, caller: &Caller, req: &GraphRequest) -> Reply {
    if !caller.has_any(SITES_READ) {
        return access_denied();
    }
    let q = Query::parse(req.query);
    let inner = files(st);
    let value: Vec<Value> = match q
        .get("search")
        .map(|s| s.trim().trim_matches('"').to_lowercase())
    {
        None => Vec::new(),
        Some(term) => inner
            .files
            .sites
            .iter()
            .filter(|s| {
                term.is_empty()
                    || term == "*"
                    || [&s.name, &s.display_name, &s.description]
                        .iter()
                        .any(|f| f.to_lowercase().contains(&term))
            })
            .map(site_json)
            .collect(),
    };
    Reply::ok(json!({"@odata.context": context(st, "sites"), "value": value}))
}

pub fn site(st: &AppState, caller: &Caller, req: &GraphRequest, key: &str) -> Reply {
    let _ = req;
    if !caller.has_any(SITES_READ) {
        return access_denied();
    }
    let inner = files(st);
    match find(&inner.files, key) {
        Some(site) => {
            let mut body = site_json(site);
            body["@odata.context"] = json!(context(st, "sites/$entity"));
            Reply::ok(body)
        }
        None => site_not_found(),
    }
}

pub fn site_drives(st: &AppState, caller: &Caller, req: &GraphRequest, key: &str) -> Reply {
    let _ = req;
    if !caller.has_any(DRIVES_READ) {
        return access_denied();
    }
    let inner = files(st);
    let Some(site) = find(&inner.files, key) else {
        return site_not_found();
    };
    let value: Vec<Value> = site
        .drives
        .iter()
        .filter_map(|d| inner.files.drive(d))
        .map(|d| d.drive_json())
        .collect();
    Reply::ok(json!({"@odata.context": context(st, "drives"), "value": value}))
}
