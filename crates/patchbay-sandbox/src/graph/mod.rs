//! A small Microsoft Graph under `/graph`: bearer-token checks, Graph's error shape, and one module per
//! resource — the profile (`me`), a generated demo mailbox (`messages` with their `attachments`, `mail_folders`,
//! `calendar`, `mailbox`; `mailstore` keeps what changed in it),
//! OneDrive and SharePoint (`drive`), Microsoft Teams (`teams`) and JSON batching (`batch`). Every resource is reached through [`dispatch`], so a `$batch` item runs exactly the
//! code a plain request does.

pub mod attachments;
mod batch;
mod calendar;
mod calendar_data;
pub mod calendar_delta;
pub mod delta;
pub mod drive;
mod filter;
pub mod ids;
mod mail_data;
pub mod mail_folders;
mod mailbox;
pub mod mailstore;
mod me;
pub mod messages;
mod odata;
mod reply;
mod routes;
pub mod teams;
pub mod writes;
pub mod zones;

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use axum::Router;

pub use mailbox::default_time_zone;
pub use reply::Reply;

use crate::scopes;
use crate::state::{AppState, DemoUser};

/// Where Graph's version root is served.
pub const VERSION_ROOT: &str = "/graph/v1.0";

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/graph/v1.0/$batch", post(batch::batch))
        .route("/graph/v1.0/{*path}", any(resource))
        .route("/graph/oidc/userinfo", get(me::userinfo))
        // The download and upload hosts: pre-authenticated URLs outside the Graph root, as Microsoft serves them
        // from SharePoint's and OneDrive's hosts.
        .route(
            "/_download/{token}",
            get(drive::content::download).head(drive::content::download),
        )
        .route(
            "/_upload/{token}",
            axum::routing::put(drive::upload::fragment)
                .get(drive::upload::status)
                .delete(drive::upload::cancel),
        )
}

/// One Graph request, as the resource handlers see it — from HTTP or from a `$batch` item.
pub struct GraphRequest<'a> {
    /// The path under the version root as sent (still percent-encoded), with a leading `/`: `/me/messages`.
    pub path: &'a str,
    /// The raw query string, without `?`.
    pub query: &'a str,
    pub headers: &'a HeaderMap,
    /// The request's body (empty for a GET).
    pub body: &'a [u8],
    /// A file upload's body, spooled to disk as it arrived (`PUT …/content` over HTTP); `body` is then empty.
    pub upload: Option<&'a drive::model::FileBody>,
}

/// The largest body a Graph request other than a file upload may have (axum's default, kept).
const BODY_LIMIT: usize = 2 * 1024 * 1024;

/// `/graph/v1.0/...`: authenticate once, then the same dispatch a `$batch` item gets. A file upload's body is
/// spooled to disk as it arrives rather than held in memory.
async fn resource(
    State(st): State<Arc<AppState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Response {
    let path = uri.path().strip_prefix(VERSION_ROOT).unwrap_or(uri.path());
    let is_upload = method == Method::PUT
        && matches!(
            drive::parse(path),
            Some(Ok(drive::Route::Item(_, _, drive::Nav::Content)))
        );
    let batch = method == Method::POST
        && odata::percent_decode(path)
            .trim_end_matches('/')
            .eq_ignore_ascii_case("/$batch");
    if batch {
        // A client that percent-encodes the `$` (`/%24batch`) misses the literal route above.
        let body = match axum::body::to_bytes(body, BODY_LIMIT).await {
            Ok(b) => b,
            Err(_) => return StatusCode::PAYLOAD_TOO_LARGE.into_response(),
        };
        return batch::handle(&st, &headers, &body);
    }
    let caller = match authenticate(&st, &headers) {
        Ok(c) => c,
        Err(response) => return response,
    };
    let (bytes, upload) = if is_upload {
        match drive::upload::spool(&st, body, drive::upload::SIMPLE_LIMIT, caller.user.personal)
            .await
        {
            Ok(file) => (Bytes::new(), Some(file)),
            Err(reply) => return reply.into_response(),
        }
    } else {
        match axum::body::to_bytes(body, BODY_LIMIT).await {
            Ok(b) => (b, None),
            Err(_) => return StatusCode::PAYLOAD_TOO_LARGE.into_response(),
        }
    };
    let request = GraphRequest {
        path,
        query: uri.query().unwrap_or(""),
        headers: &headers,
        body: &bytes,
        upload: upload.as_ref(),
    };
    let reply = dispatch(&st, &caller, &method, &request);
    if !reply.is_success() {
        // The spooled bytes were not kept (dispatch drops them on every error it returns; this is for the rest).
        if let Some(file) = &upload {
            drive::store::discard(file);
        }
    }
    reply.into_response()
}

/// Run one authenticated request against the resource its path names.
pub fn dispatch(st: &AppState, caller: &Caller, method: &Method, req: &GraphRequest) -> Reply {
    if let Some(reply) = drive::dispatch(st, caller, method, req) {
        return reply;
    }
    if let Some(reply) = teams::dispatch(st, caller, method, req) {
        return reply;
    }
    use routes::Target;
    let target = routes::resolve(req.path);
    if method == Method::POST {
        // What a client can create: drafts, replies, mail sent and forwarded, events (see `writes`); and moves.
        return match target {
            Ok(Target::Messages(None)) => writes::create_draft(st, caller, req.body),
            Ok(Target::CreateReply(m)) => writes::create_reply(st, caller, &m.id, req.body),
            Ok(Target::Forward(m)) => writes::forward(st, caller, m.folder(), &m.id, req.body),
            Ok(Target::Move(m)) => {
                messages::change::move_message(st, caller, req, m.folder(), &m.id)
            }
            Ok(Target::SendMail) => writes::send_mail(st, caller, req.body),
            Ok(Target::Events) => writes::create_event(st, caller, req.body),
            Err(reply) => reply,
            Ok(_) => not_supported(method),
        };
    }
    if method == Method::PATCH {
        return match target {
            Ok(Target::Message(m)) => messages::change::update(st, caller, req, m.folder(), &m.id),
            Err(reply) => reply,
            Ok(_) => not_supported(method),
        };
    }
    if method != Method::GET && method != Method::HEAD {
        return not_supported(method);
    }
    match target {
        Ok(Target::Me) => me::profile(st, caller, req),
        Ok(Target::Messages(folder)) => messages::list(st, caller, req, folder),
        Ok(Target::Message(m)) => messages::get_one(st, caller, req, m.folder(), &m.id),
        Ok(Target::Attachments(m)) => attachments::list(st, caller, req, m.folder(), &m.id),
        Ok(Target::Attachment(m, a)) => {
            attachments::get_one(st, caller, req, m.folder(), &m.id, &a)
        }
        Ok(Target::AttachmentValue(m, a)) => {
            attachments::value(st, caller, method, m.folder(), &m.id, &a)
        }
        Ok(Target::CalendarView) => calendar::calendar_view(st, caller, req),
        Ok(Target::MailboxSettings) => mailbox::settings(st, caller, req),
        Ok(Target::MessagesDelta(folder)) => delta::messages_delta(st, caller, req, &folder),
        Ok(Target::CalendarViewDelta) => calendar_delta::calendar_view_delta(st, caller, req),
        Ok(Target::MailFolders) => mail_folders::list(st, caller, req, None),
        Ok(Target::MailFolder(folder)) => mail_folders::get_one(st, caller, req, &folder),
        Ok(Target::ChildFolders(folder)) => mail_folders::list(st, caller, req, Some(&folder)),
        Ok(
            Target::CreateReply(_)
            | Target::Forward(_)
            | Target::Move(_)
            | Target::SendMail
            | Target::Events,
        ) => not_supported(method),
        Err(reply) => reply,
    }
}

fn not_supported(method: &Method) -> Reply {
    // Graph itself would update or delete here; the sandbox's mailbox takes only what `writes` creates and the
    // changes `messages::change` makes.
    Reply::error(
        StatusCode::METHOD_NOT_ALLOWED,
        "Request_BadRequest",
        &format!(
            "The method '{method}' is not supported by the sandbox here: it creates drafts, replies, events, \
             sends and forwards mail, moves messages and changes their read state and categories, and changes \
             nothing else."
        ),
    )
}

/// Who is calling, from a valid access token.
#[allow(dead_code)] // client_id is for resources that will care about the calling app.
pub struct Caller {
    pub user: DemoUser,
    pub client_id: String,
    pub scopes: Vec<String>,
}

impl Caller {
    /// Whether the token carries any of `accepted` (Graph's "least privileged or higher" rule).
    pub fn has_any(&self, accepted: &[&str]) -> bool {
        accepted.iter().any(|s| scopes::contains(&self.scopes, s))
    }
}

/// `{"error": {"code", "message", "innerError": {...}}}`.
pub fn graph_error(status: StatusCode, code: &str, message: &str) -> Response {
    Reply::error(status, code, message).into_response()
}

/// Directory resources (the profile) refuse with Azure AD's code...
pub fn insufficient_privileges() -> Reply {
    Reply::error(
        StatusCode::FORBIDDEN,
        "Authorization_RequestDenied",
        "Insufficient privileges to complete the operation.",
    )
}

/// ...while Exchange resources (mail, calendar, mailbox settings) refuse with Exchange's.
pub fn access_denied() -> Reply {
    Reply::error(
        StatusCode::FORBIDDEN,
        "ErrorAccessDenied",
        "Access is denied. Check credentials and try again.",
    )
}

fn unauthorized(message: &str) -> Response {
    let mut response = graph_error(
        StatusCode::UNAUTHORIZED,
        "InvalidAuthenticationToken",
        message,
    );
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer realm=\"\", error=\"invalid_token\", client_id=\"00000003-0000-0000-c000-000000000000\""),
    );
    response
}

/// Count the request, apply an injected failure, then check the bearer token.
#[allow(clippy::result_large_err)] // the error is the finished response, returned once
pub fn authenticate(st: &AppState, headers: &HeaderMap) -> Result<Caller, Response> {
    let mut inner = st.lock();
    inner.stats.graph_requests += 1;
    if let Some(plan) = inner.take_failure() {
        drop(inner);
        let status = StatusCode::from_u16(plan.status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
        let (code, message) = match plan.status {
            429 => (
                "TooManyRequests",
                "Too many requests. Please retry after the time in the Retry-After header.",
            ),
            503 => (
                "serviceNotAvailable",
                "The service is temporarily unavailable. Please retry later.",
            ),
            _ => ("generalException", "An unspecified error occurred."),
        };
        let mut response = graph_error(status, code, message);
        if let Some(secs) = plan.retry_after {
            if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        return Err(response);
    }
    let value = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .trim();
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .map(str::trim)
        .unwrap_or("");
    if token.is_empty() {
        return Err(unauthorized("Access token is empty."));
    }
    let Some(grant) = inner
        .tenant
        .access_tokens
        .get(&crate::util::sha256_hex(token))
        .cloned()
    else {
        if !token.contains('.') {
            return Err(unauthorized(
                "IDX14100: JWT is not well formed, there are no dots (.).",
            ));
        }
        return Err(unauthorized(
            "Access token validation failure. Invalid signature.",
        ));
    };
    if grant.expires_unix <= crate::util::unix_now() {
        return Err(unauthorized(
            "Lifetime validation failed, the token is expired.",
        ));
    }
    let Some(user) = inner.user_by_id(&grant.user_id).cloned() else {
        return Err(unauthorized(
            "Access token validation failure. The user does not exist.",
        ));
    };
    Ok(Caller {
        user,
        client_id: grant.client_id,
        scopes: grant.scopes,
    })
}
