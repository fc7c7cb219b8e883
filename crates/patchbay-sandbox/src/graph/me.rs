//! `GET /graph/v1.0/me` and the OpenID Connect userinfo endpoint.

use std::sync::Arc;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use super::{authenticate, insufficient_privileges, Caller, Reply};
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

/// `GET /me` (over HTTP or in a `$batch`).
pub fn profile(st: &AppState, caller: &Caller) -> Reply {
    if !caller.has_any(READ_ME) {
        return insufficient_privileges();
    }
    let u = &caller.user;
    Reply::ok(json!({
        "@odata.context": format!("{}/graph/v1.0/$metadata#users/$entity", st.base),
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
    }))
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
