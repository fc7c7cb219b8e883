//! Sharing links: an item's permissions, and `createLink` (one link per type and scope, made once).

use axum::http::StatusCode;
use serde_json::{json, Value};

use super::rules::json_body;
use crate::graph::drive::model::Link;
use crate::graph::drive::{
    bad, context, files, item_not_found, locate, Access, DriveSel, ItemAddr,
};
use crate::graph::{Caller, GraphRequest, Reply};
use crate::state::AppState;

pub fn permissions(
    st: &AppState,
    caller: &Caller,
    req: &GraphRequest,
    sel: &DriveSel,
    addr: &ItemAddr,
) -> Reply {
    let _ = req;
    let inner = files(st);
    let (drive_id, item_id, _) = match locate(&inner, caller, sel, addr, Access::Read) {
        Ok(l) => l,
        Err(r) => return r,
    };
    let Some(item) = inner.files.drive(&drive_id).and_then(|d| d.get(&item_id)) else {
        return item_not_found();
    };
    let value: Vec<Value> = item.links.iter().map(Link::permission).collect();
    Reply::ok(json!({"@odata.context": context(st, "Collection(permission)"), "value": value}))
}

/// `POST …/createLink {"type", "scope"}`: a sharing link (201), or the same one again (200).
pub fn create_link(
    st: &AppState,
    caller: &Caller,
    req: &GraphRequest,
    sel: &DriveSel,
    addr: &ItemAddr,
) -> Reply {
    let body = match json_body(req.body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let kind = body["type"].as_str().unwrap_or("").to_ascii_lowercase();
    if !matches!(kind.as_str(), "view" | "edit" | "embed") {
        return bad("The link type must be view, edit or embed.");
    }
    let mut inner = files(st);
    let (drive_id, item_id, _) = match locate(&inner, caller, sel, addr, Access::Write) {
        Ok(l) => l,
        Err(r) => return r,
    };
    let Some(drive) = inner.files.drive_mut(&drive_id) else {
        return item_not_found();
    };
    let personal = drive.personal();
    let scope = body["scope"]
        .as_str()
        .map(str::to_ascii_lowercase)
        .unwrap_or_else(|| {
            if personal {
                "anonymous".into()
            } else {
                "organization".into()
            }
        });
    match (scope.as_str(), personal) {
        ("anonymous" | "users", _) | ("organization", false) => {}
        ("organization", true) => {
            return bad("Links scoped to an organization are only available in OneDrive for Business and SharePoint.")
        }
        _ => return bad("The link scope must be anonymous, organization or users."),
    }
    if kind == "embed" && !personal {
        return Reply::error(
            StatusCode::NOT_IMPLEMENTED,
            "notSupported",
            "Embed links are only available in OneDrive personal.",
        );
    }
    let existing = drive.get(&item_id).and_then(|i| {
        i.links
            .iter()
            .find(|l| l.kind == kind && l.scope == scope)
            .cloned()
    });
    if let Some(link) = existing {
        return Reply::ok(link.permission());
    }
    let token = crate::graph::ids::hex(&[&drive.id, &item_id, &kind, &scope], 11);
    let url = if personal {
        format!("https://1drv.ms/u/s!{token}")
    } else {
        let letter = match kind.as_str() {
            "edit" => "w",
            _ => "u",
        };
        format!(
            "https://contoso-my.sharepoint.com/:{letter}:/g/personal/{}/E{token}",
            drive
                .owner
                .email
                .as_deref()
                .unwrap_or("team")
                .replace(['@', '.'], "_")
        )
    };
    let link = Link {
        id: crate::graph::ids::guid(&[&drive.id, &item_id, &kind, &scope]),
        kind,
        scope,
        url,
    };
    if let Some(item) = drive.items.get_mut(&item_id) {
        item.links.push(link.clone());
        item.etag += 1;
    }
    drive.record(&item_id);
    Reply {
        status: StatusCode::CREATED,
        ..Reply::ok(link.permission())
    }
}
