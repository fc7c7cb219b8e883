//! `GET /graph/v1.0/me` and the OpenID Connect userinfo endpoint.

use std::sync::Arc;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use super::odata::{project, selection, Query};
use super::{authenticate, insufficient_privileges, Caller, GraphRequest, Reply};
use crate::state::AppState;

/// Any of these lets a token read the signed-in user's profile.
const READ_ME: &[&str] = &[
    "User.Read",
    "User.ReadWrite",
    "User.ReadBasic.All",
    "User.Read.All",
    "User.ReadWrite.All",
    "Directory.Read.All",
];

/// The user properties the sandbox knows, for `$select`.
const USER_PROPERTIES: &[&str] = &[
    "businessPhones",
    "displayName",
    "givenName",
    "jobTitle",
    "mail",
    "mobilePhone",
    "officeLocation",
    "preferredLanguage",
    "surname",
    "userPrincipalName",
    "id",
];

/// `GET /me` (over HTTP or in a `$batch`), honouring `$select` as Graph does: only the chosen properties, and
/// the context URL names them (`$metadata#users(displayName,mail)/$entity`).
pub fn profile(st: &AppState, caller: &Caller, req: &GraphRequest) -> Reply {
    if !caller.has_any(READ_ME) {
        return insufficient_privileges();
    }
    let chosen = match selection(
        &Query::parse(req.query),
        USER_PROPERTIES,
        "microsoft.graph.user",
    ) {
        Ok(chosen) => chosen,
        Err(reply) => return reply,
    };
    let context = match &chosen {
        Some(names) => format!("users({})/$entity", names.join(",")),
        None => "users/$entity".to_string(),
    };
    let u = &caller.user;
    let entity = json!({
        "businessPhones": [],
        "displayName": u.display_name,
        "givenName": u.given_name,
        "jobTitle": u.job_title,
        "mail": u.email,
        "mobilePhone": null,
        "officeLocation": null,
        "preferredLanguage": "en-US",
        "surname": u.surname,
        "userPrincipalName": u.email,
        "id": u.id,
    });
    let mut body = project(entity, chosen.as_deref(), &[]);
    body["@odata.context"] = json!(format!("{}/graph/v1.0/$metadata#{context}", st.base));
    Reply::ok(body)
}

pub async fn userinfo(State(st): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    let caller = match authenticate(&st, &headers) {
        Ok(c) => c,
        Err(response) => return response,
    };
    let u = &caller.user;
    Json(json!({
        "sub": u.id,
        "name": u.display_name,
        "family_name": u.surname,
        "given_name": u.given_name,
        "email": u.email,
    }))
    .into_response()
}
