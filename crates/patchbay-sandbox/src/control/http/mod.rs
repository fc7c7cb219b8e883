//! `/_sandbox/`: the control levers as JSON endpoints, for JSON from the sandbox's own origin only, and a page
//! listing users and apps.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::json;

use crate::pages;
use crate::state::{App, AppState};
use crate::util::escape_html as esc;

use super::{AppRegistration, ControlError, SandboxControl};

pub fn router(state: Arc<AppState>) -> Router<Arc<AppState>> {
    Router::new()
        .route("/_sandbox", get(home))
        .route("/_sandbox/", get(home))
        .route("/_sandbox/stats", get(stats))
        .route("/_sandbox/users", get(users))
        .route("/_sandbox/apps", get(apps).post(register))
        .route(
            "/_sandbox/apps/{client_id}/expire-secret",
            post(expire_secret),
        )
        .route("/_sandbox/revoke", post(revoke))
        .route(
            "/_sandbox/admin-consent-required",
            post(admin_consent_required),
        )
        .route("/_sandbox/mfa-required", post(mfa_required))
        .route(
            "/_sandbox/mfa-registration-required",
            post(mfa_registration_required),
        )
        .route("/_sandbox/admin-approval-page", post(admin_approval_page))
        .route("/_sandbox/deny-scopes", post(deny_scopes))
        .route("/_sandbox/latency", post(latency))
        .route("/_sandbox/fail", post(fail))
        .route(
            "/_sandbox/expire-refresh-tokens",
            post(expire_refresh_tokens),
        )
        .route("/_sandbox/expire-access-tokens", post(expire_access_tokens))
        .route("/_sandbox/settings", post(settings))
        .route(
            "/_sandbox/mailbox-timezone",
            post(mailbox::mailbox_time_zone),
        )
        .route(
            "/_sandbox/mailbox-writes/{email}",
            get(mailbox::mailbox_writes),
        )
        .route("/_sandbox/deliver-mail", post(mailbox::deliver_mail))
        .route("/_sandbox/messages", get(mailbox::messages))
        .route("/_sandbox/attachment-reads", get(mailbox::attachment_reads))
        .route("/_sandbox/events", post(mailbox::add_event))
        .route("/_sandbox/events/change", post(mailbox::change_event))
        .route(
            "/_sandbox/files",
            get(drive::file_info).post(drive::put_file),
        )
        .route("/_sandbox/files/content", get(drive::file_content))
        .route("/_sandbox/files/touch", post(drive::touch))
        .route("/_sandbox/files/move", post(drive::move_file))
        .route("/_sandbox/files/delete", post(drive::delete))
        .route("/_sandbox/files/expire-delta", post(drive::expire_delta))
        .route("/_sandbox/upload-sessions", post(drive::upload_session))
        .route("/_sandbox/teams/chat-messages", post(teams::chat_message))
        .route(
            "/_sandbox/teams/channel-messages",
            post(teams::channel_message),
        )
        .route("/_sandbox/teams/messages/edit", post(teams::edit))
        .route("/_sandbox/teams/messages/delete", post(teams::delete))
        .route("/_sandbox/teams/system-events", post(teams::system_event))
        .route("/_sandbox/teams/chats", post(teams::create_chat))
        .route("/_sandbox/teams/sent", get(teams::sent))
        .route("/_sandbox/teams/rate-limit", post(teams::rate_limit))
        .route("/_sandbox/teams/expire-delta", post(teams::expire_delta))
        .route("/_sandbox/reset", post(reset))
        .route_layer(middleware::from_fn_with_state(state, guard))
}

/// What the control endpoints answer when [`crate::SandboxOptions::control`] is off.
const CONTROL_OFF: &str = "The sandbox's control endpoints are off. In Patchbay (the app or the CLI), \
start it with PATCHBAY_SANDBOX_CONTROL=1 in its environment; the patchbay-sandbox binary has them on unless started \
with --no-control.";

/// Who may pull the levers. The endpoints revoke grants and break sign-ins, and a web page can reach a port on
/// 127.0.0.1 as well as any local program can, so: nothing unless control is on; no request from another web page (a browser always names
/// the page's origin on a cross-origin POST); and only JSON bodies, because a form or text/plain POST is a
/// "simple request" that any page may send without a CORS preflight, while a JSON one needs a preflight the
/// sandbox never grants.
async fn guard(State(st): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let home = matches!(request.uri().path(), "/_sandbox" | "/_sandbox/");
    if !st.control && !home {
        return refuse(StatusCode::NOT_FOUND, "control_off", CONTROL_OFF.into());
    }
    if let Some(origin) = request.headers().get(header::ORIGIN) {
        if origin.as_bytes() != st.base.as_bytes() {
            return refuse(
                StatusCode::FORBIDDEN,
                "forbidden_origin",
                format!(
                    "The sandbox's control endpoints refuse requests from web pages ({} is not the sandbox's own \
                     origin {}). Send the request from a program (curl, a test, Node's fetch), which sends no Origin.",
                    origin.to_str().unwrap_or("an unreadable Origin"),
                    st.base
                ),
            );
        }
    }
    if request.method() == Method::POST && !is_json(request.headers().get(header::CONTENT_TYPE)) {
        return refuse(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            format!(
                "Send the body as JSON with the header Content-Type: application/json (this request's content type: \
                 {}). An empty body may be sent as {{}}.",
                request
                    .headers()
                    .get(header::CONTENT_TYPE)
                    .map(|v| v.to_str().unwrap_or("unreadable"))
                    .unwrap_or("none")
            ),
        );
    }
    next.run(request).await
}

/// `application/json`, in any case, with or without parameters such as `charset`.
fn is_json(content_type: Option<&HeaderValue>) -> bool {
    content_type
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|media| media.trim().eq_ignore_ascii_case("application/json"))
}

fn refuse(status: StatusCode, code: &str, message: String) -> Response {
    (status, Json(json!({"error": code, "message": message}))).into_response()
}

fn control(st: &Arc<AppState>) -> SandboxControl {
    SandboxControl { state: st.clone() }
}

fn bad_request(message: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({"error": "bad_request", "message": message})),
    )
        .into_response()
}

fn control_error(err: ControlError) -> Response {
    let (status, code) = match err {
        ControlError::UnknownUser(_) | ControlError::UnknownApp(_) => {
            (StatusCode::NOT_FOUND, "not_found")
        }
        ControlError::Invalid(_) => (StatusCode::BAD_REQUEST, "bad_request"),
    };
    (
        status,
        Json(json!({"error": code, "message": err.to_string()})),
    )
        .into_response()
}

fn ok(extra: serde_json::Value) -> Response {
    let mut body = json!({"ok": true});
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    Json(body).into_response()
}

/// JSON body; an empty body reads as `{}`.
#[allow(clippy::result_large_err)] // the error is the finished response, returned once
fn parse<T: DeserializeOwned>(body: &Bytes) -> Result<T, Response> {
    let bytes: &[u8] = if body.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        body
    };
    serde_json::from_slice(bytes).map_err(|e| bad_request(&format!("invalid JSON body: {e}")))
}

macro_rules! body {
    ($ty:ty, $bytes:expr) => {
        match parse::<$ty>(&$bytes) {
            Ok(v) => v,
            Err(r) => return r,
        }
    };
}

// The mailbox's and the files' endpoints, after the `body!` macro they use.
mod drive;
mod mailbox;
mod teams;

async fn stats(State(st): State<Arc<AppState>>) -> Response {
    Json(control(&st).stats()).into_response()
}

async fn users(State(st): State<Arc<AppState>>) -> Response {
    Json(control(&st).users()).into_response()
}

async fn apps(State(st): State<Arc<AppState>>) -> Response {
    let mut list: Vec<App> = st.lock().tenant.apps.values().cloned().collect();
    list.sort_by(|a, b| a.name.cmp(&b.name));
    Json(list).into_response()
}

async fn register(State(st): State<Arc<AppState>>, b: Bytes) -> Response {
    let reg = body!(AppRegistration, b);
    let id = reg.client_id.clone();
    match control(&st).register_app(reg) {
        Ok(()) => (
            StatusCode::CREATED,
            Json(json!({"ok": true, "client_id": id})),
        )
            .into_response(),
        Err(e) => control_error(e),
    }
}

async fn expire_secret(State(st): State<Arc<AppState>>, Path(client_id): Path<String>) -> Response {
    match control(&st).expire_secret(&client_id) {
        Ok(()) => ok(json!({})),
        Err(e) => control_error(e),
    }
}

#[derive(Deserialize)]
struct UserBody {
    user: String,
}

#[derive(Deserialize)]
struct OptionalUserBody {
    #[serde(default)]
    user: Option<String>,
}

async fn revoke(State(st): State<Arc<AppState>>, b: Bytes) -> Response {
    let req = body!(UserBody, b);
    match control(&st).revoke_user(&req.user) {
        Ok(n) => ok(json!({"revoked": n})),
        Err(e) => control_error(e),
    }
}

async fn expire_refresh_tokens(State(st): State<Arc<AppState>>, b: Bytes) -> Response {
    let req = body!(OptionalUserBody, b);
    match control(&st).expire_refresh_tokens(req.user.as_deref()) {
        Ok(n) => ok(json!({"expired": n})),
        Err(e) => control_error(e),
    }
}

async fn expire_access_tokens(State(st): State<Arc<AppState>>, b: Bytes) -> Response {
    let req = body!(OptionalUserBody, b);
    match control(&st).expire_access_tokens(req.user.as_deref()) {
        Ok(n) => ok(json!({"expired": n})),
        Err(e) => control_error(e),
    }
}

#[derive(Deserialize)]
struct AdminConsentBody {
    #[serde(default)]
    client_id: Option<String>,
    required: bool,
}

async fn admin_consent_required(State(st): State<Arc<AppState>>, b: Bytes) -> Response {
    let req = body!(AdminConsentBody, b);
    match control(&st).set_admin_consent_required(req.client_id.as_deref(), req.required) {
        Ok(()) => ok(json!({})),
        Err(e) => control_error(e),
    }
}

#[derive(Deserialize)]
struct RequiredBody {
    required: bool,
}

async fn mfa_required(State(st): State<Arc<AppState>>, b: Bytes) -> Response {
    let req = body!(RequiredBody, b);
    control(&st).set_mfa_required(req.required);
    ok(json!({}))
}

async fn mfa_registration_required(State(st): State<Arc<AppState>>, b: Bytes) -> Response {
    let req = body!(RequiredBody, b);
    control(&st).set_mfa_registration_required(req.required);
    ok(json!({}))
}

async fn admin_approval_page(State(st): State<Arc<AppState>>, b: Bytes) -> Response {
    let req = body!(RequiredBody, b);
    control(&st).set_admin_approval_page(req.required);
    ok(json!({}))
}

#[derive(Deserialize)]
struct DenyBody {
    client_id: String,
    #[serde(default)]
    scopes: Vec<String>,
}

async fn deny_scopes(State(st): State<Arc<AppState>>, b: Bytes) -> Response {
    let req = body!(DenyBody, b);
    match control(&st).deny_scopes(&req.client_id, req.scopes) {
        Ok(()) => ok(json!({})),
        Err(e) => control_error(e),
    }
}

#[derive(Deserialize)]
struct LatencyBody {
    ms: u64,
}

async fn latency(State(st): State<Arc<AppState>>, b: Bytes) -> Response {
    let req = body!(LatencyBody, b);
    control(&st).set_latency(Duration::from_millis(req.ms.min(60_000)));
    ok(json!({}))
}

#[derive(Deserialize)]
struct FailBody {
    status: u16,
    #[serde(default = "one")]
    count: u32,
    #[serde(default)]
    retry_after: Option<u64>,
}

fn one() -> u32 {
    1
}

async fn fail(State(st): State<Arc<AppState>>, b: Bytes) -> Response {
    let req = body!(FailBody, b);
    match control(&st).fail_next(req.status, req.count, req.retry_after) {
        Ok(()) => ok(json!({})),
        Err(e) => control_error(e),
    }
}

#[derive(Deserialize)]
struct SettingsBody {
    #[serde(default)]
    access_token_lifetime_secs: Option<u64>,
    #[serde(default)]
    refresh_token_grace_secs: Option<u64>,
    #[serde(default)]
    code_lifetime_secs: Option<u64>,
}

async fn settings(State(st): State<Arc<AppState>>, b: Bytes) -> Response {
    let req = body!(SettingsBody, b);
    let c = control(&st);
    if let Some(s) = req.access_token_lifetime_secs {
        c.set_access_token_lifetime(Duration::from_secs(s));
    }
    if let Some(s) = req.refresh_token_grace_secs {
        c.set_refresh_token_grace(Duration::from_secs(s));
    }
    if let Some(s) = req.code_lifetime_secs {
        c.set_code_lifetime(Duration::from_secs(s));
    }
    ok(json!({}))
}

async fn reset(State(st): State<Arc<AppState>>) -> Response {
    control(&st).reset();
    ok(json!({}))
}

async fn home(State(st): State<Arc<AppState>>) -> Response {
    let base = &st.base;
    let inner = st.lock();
    let users: String = inner
        .users
        .iter()
        .map(|u| {
            let zone = inner
                .mailbox_time_zones
                .get(&u.id)
                .map(String::as_str)
                .unwrap_or_else(|| crate::graph::default_time_zone(u));
            format!(
                "<tr><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td></tr>",
                esc(&u.display_name),
                esc(&u.email),
                esc(&u.id),
                esc(zone)
            )
        })
        .collect();
    let mut apps: Vec<&App> = inner.tenant.apps.values().collect();
    apps.sort_by(|a, b| a.name.cmp(&b.name));
    let apps: String = apps
        .iter()
        .map(|a| {
            format!(
                "<tr><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
                esc(&a.name),
                esc(&a.client_id),
                if a.public { "public" } else { "confidential" },
                esc(&a.redirect_uris.join(" ")),
            )
        })
        .collect();
    let body = format!(
        "<h1>Patchbay sandbox</h1>\n<p>A local stand-in for the Microsoft identity platform (v2.0) and a little of \
         Microsoft Graph. Nothing here is real; the signing key is public.</p>\n\
         <p>Authority: <code>{base}/organizations/v2.0</code><br>Discovery: \
         <a href=\"/organizations/v2.0/.well-known/openid-configuration\">/organizations/v2.0/.well-known/openid-configuration</a>\
         <br>Graph: <code>{base}/graph/v1.0</code> &mdash; GET /me, /me/messages, /me/mailFolders, \
         /me/mailFolders/inbox/messages, /me/messages/{{id}} (and PATCH isRead, categories), /me/messages/{{id}}/attachments \
         (and /{{id}}/$value), POST /me/messages/{{id}}/forward and /move, /me/calendarView?startDateTime=&amp;endDateTime=, \
         /me/mailboxSettings, /me/drive, /sites; POST /$batch (up to 20 requests). Each user has a generated inbox (60 messages, last three weeks) and a demo week \
         from today in their mailbox time zone.</p>\n\
         <h2>Users</h2><p class=\"muted\">Any password works. The last column is the mailbox time zone \
         (POST /_sandbox/mailbox-timezone changes it); the demo mailbox's \"now\" is {anchor}.</p>\
         <table>{users}</table>\n\
         <h2>Apps</h2><table>{apps}</table>\n\
         <h2>Toggles</h2><p class=\"muted\">MFA required: {mfa} &middot; admin consent required for all: {admin} \
         &middot; latency: {latency} ms</p>\n\
         <h2>Control endpoints</h2><p class=\"muted\">{control} POST JSON (Content-Type: application/json) to /_sandbox/revoke, /apps, /apps/{{id}}/expire-secret, \
         /admin-consent-required, /admin-approval-page, /mfa-required, /mfa-registration-required, /deny-scopes, /latency, /fail, /expire-refresh-tokens, \
         /expire-access-tokens, /settings, /mailbox-timezone, /deliver-mail (user, from_name, from_address, subject, body, \
         has_attachments? | attachments: [{{kind: file, name, content_type?, text | base64 | size, inline?, content_id?}} | \
         {{kind: item, subject, from_name, from_address, body}} | {{kind: reference, name, content_type?}}]), /events, /events/change, /files (add or change a \
         file: user, path, text | base64 | size, drive?), /files/touch, /files/move (user, from, to), /files/delete, \
         /files/expire-delta, /upload-sessions (upload_url, forget | expire), /teams/chat-messages (user, chat, from, text | html, \
         mentions_me?), /teams/channel-messages (user, team, channel, from, text | html, mentions_me?, reply_to?), \
         /teams/messages/edit, /teams/messages/delete, /teams/system-events (user, chat, by, members_added | topic), \
         /teams/chats (user, members, topic?), /teams/rate-limit (enabled, reads_per_second?, sends_per_second?), \
         /teams/expire-delta, /reset; GET /_sandbox/stats, /users, /apps, \
         /files?user=&amp;path= (size and sha256 of what is there), /files/content?user=&amp;path= (its bytes), \
         /mailbox-writes/{{email}} (drafts, mail sent and forwarded, events), /messages?user=&amp;id= | original_id= | folder= \
         (a message's folder, read state and categories), /attachment-reads?user= (how often each attachment's bytes \
         were served), /teams/sent?user= (what an app sent).</p>\n\
         <h2>Files</h2><p class=\"muted\">Each user has a OneDrive (GET /me/drive, /me/drive/root/children, \
         /me/drive/root:/Documents/Welcome.md, /me/drive/root/delta, /me/drive/root/search(q='invoice')): Documents (with \
         Invoices/2026 and 2025), Pictures, Archive/2025 (300 files) and an empty folder. Work users follow the \
         Contoso Team site (GET /me/followedSites, /sites?search=contoso); the personal account has no SharePoint.</p>\n\
         <h2>Teams</h2><p class=\"muted\">Work users have chats (GET /me/chats, /chats/{{id}}/messages; POST \
         /chats/{{id}}/messages, /chats) and teams (GET /me/joinedTeams, /teams/{{id}}/channels, \
         /teams/{{id}}/channels/{{id}}/messages and /delta): Contoso Team and Project Apollo, the chats Spring launch, \
         Weekly sync and Lunch crew and one-on-one chats. Channel messages need ChannelMessage.Read.All, which only an \
         admin can grant. The personal account has no Teams.</p>",
        base = esc(base),
        mfa = inner.mfa_required,
        admin = inner.admin_consent_required_all,
        latency = inner.latency.as_millis(),
        anchor = st.anchor,
        control = if st.control {
            "On."
        } else {
            "Off in this sandbox (they answer 404): start Patchbay with PATCHBAY_SANDBOX_CONTROL=1, or the \
             patchbay-sandbox binary without --no-control."
        },
    );
    drop(inner);
    pages::page(
        StatusCode::OK,
        "Patchbay sandbox",
        &[("pb-page", "sandbox-home")],
        &body,
    )
}
