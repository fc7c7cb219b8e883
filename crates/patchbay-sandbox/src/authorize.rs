//! The interactive part: `GET /{tenant}/oauth2/v2.0/authorize`, the sign-in and consent form posts, the admin
//! consent endpoint and sign-out.
//!
//! Like Microsoft, problems with the client or the redirect URI are shown on an error page (the app cannot be
//! trusted with them); everything else is sent back to the redirect URI as `error` + `error_description`.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use url::Url;

use crate::errors::{AadError, Trace};
use crate::pages::{self, SignInPage};
use crate::scopes::{self, ScopeRequest};
use crate::state::{
    tenant_known, AdminConsentRequest, App, AppState, AuthCode, AuthRequest, DemoUser, Inner,
    Transaction, DEMO_TENANT_NAME,
};
use crate::util::{param, parse_pairs, random_b64};
use crate::DEMO_TENANT_ID;

pub fn app_not_found(client_id: &str) -> AadError {
    AadError::new(
        "unauthorized_client",
        700016,
        format!(
            "Application with identifier '{client_id}' was not found in the directory '{DEMO_TENANT_NAME}'. This can \
             happen if the application has not been installed by the administrator of the tenant or consented to by \
             any user in the tenant. You may have sent your authentication request to the wrong tenant."
        ),
    )
}

fn redirect_mismatch(redirect_uri: &str, client_id: &str) -> AadError {
    AadError::new(
        "invalid_request",
        50011,
        format!(
            "The redirect URI '{redirect_uri}' specified in the request does not match the redirect URIs configured \
             for the application '{client_id}'. Make sure the redirect URI sent in the request matches one added to \
             your application in the Azure portal. Navigate to https://aka.ms/redirectUriMismatchError to learn more \
             about how to fix this."
        ),
    )
}

fn transaction_unknown() -> AadError {
    AadError::new(
        "invalid_request",
        90100,
        "The sign-in session is unknown or has expired (the 'tx' form field). Start the sign-in again from the app.",
    )
}

/// 302 to `target` with `params` appended to its query.
fn redirect_with(target: &str, params: &[(&str, &str)]) -> Response {
    let Ok(mut url) = Url::parse(target) else {
        return pages::error(&AadError::new(
            "invalid_request",
            90100,
            "The redirect URI is not a valid URI.",
        ));
    };
    {
        let mut q = url.query_pairs_mut();
        for (k, v) in params {
            q.append_pair(k, v);
        }
    }
    (
        StatusCode::FOUND,
        [
            (header::LOCATION, url.to_string()),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
    )
        .into_response()
}

/// Send an error back to the app, with `state` and RFC 9207 `iss`.
fn redirect_error(
    st: &AppState,
    redirect_uri: &str,
    state: Option<&str>,
    err: &AadError,
) -> Response {
    let trace = Trace::new();
    let description = err.description(&trace);
    let error_uri = err.error_uri(&st.base);
    let issuer = st.issuer();
    let mut params: Vec<(&str, &str)> = vec![
        ("error", err.error),
        ("error_description", &description),
        ("error_uri", &error_uri),
    ];
    if let Some(s) = state {
        params.push(("state", s));
    }
    params.push(("iss", &issuer));
    redirect_with(redirect_uri, &params)
}

fn redirect_error_for(st: &AppState, req: &AuthRequest, err: &AadError) -> Response {
    redirect_error(st, &req.redirect_uri, req.state.as_deref(), err)
}

/// Resolve `.default` to the app's configured permissions.
fn expand_scopes(request: ScopeRequest, app: &App) -> Vec<String> {
    match request {
        ScopeRequest::Named(list) => list,
        ScopeRequest::Default { oidc } => {
            let mut all = app.default_scopes.clone();
            for s in oidc {
                if !scopes::contains(&all, &s) {
                    all.push(s);
                }
            }
            all
        }
    }
}

/// Check client, tenant and redirect URI; errors here are pages, never redirects.
#[allow(clippy::result_large_err)] // the error is the finished response, returned once
fn check_client<'a>(
    inner: &Inner,
    tenant: &str,
    p: &'a std::collections::HashMap<String, String>,
) -> Result<(App, &'a str), Response> {
    if !tenant_known(tenant) {
        return Err(pages::error(&AadError::tenant_not_found(tenant)));
    }
    let Some(client_id) = param(p, "client_id") else {
        return Err(pages::error(&AadError::missing("client_id")));
    };
    let Some(app) = inner.tenant.apps.get(client_id).cloned() else {
        return Err(pages::error(&app_not_found(client_id)));
    };
    let Some(redirect_uri) = param(p, "redirect_uri") else {
        return Err(pages::error(&AadError::missing("redirect_uri")));
    };
    match Url::parse(redirect_uri) {
        Ok(u) if app.accepts_redirect(&u) => Ok((app, redirect_uri)),
        _ => Err(pages::error(&redirect_mismatch(redirect_uri, client_id))),
    }
}

pub async fn authorize(
    State(st): State<Arc<AppState>>,
    Path(tenant): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let p = parse_pairs(query.unwrap_or_default().as_bytes());
    let mut inner = st.lock();
    inner.stats.authorize_requests += 1;
    inner.sweep();
    let (app, redirect_uri) = match check_client(&inner, &tenant, &p) {
        Ok(ok) => ok,
        Err(page) => return page,
    };
    let state = param(&p, "state");
    let fail = |err: AadError| redirect_error(&st, redirect_uri, state, &err);

    match param(&p, "response_type") {
        None => return fail(AadError::missing("response_type")),
        Some("code") => {}
        Some(other) => {
            return fail(AadError::new(
                "unsupported_response_type",
                700054,
                format!("response_type '{other}' is not enabled for the application."),
            ))
        }
    }
    if let Some(mode) = param(&p, "response_mode") {
        if mode != "query" {
            return fail(AadError::new(
                "invalid_request",
                90100,
                format!("response_mode '{mode}' is not supported by the sandbox; use response_mode=query."),
            ));
        }
    }
    let Some(scope) = param(&p, "scope") else {
        return fail(AadError::new(
            "invalid_request",
            900144,
            "The request body must contain the following parameter: 'scope'.",
        ));
    };
    let requested = match scopes::parse(scope) {
        Ok(r) => expand_scopes(r, &app),
        Err(e) => return fail(AadError::new("invalid_scope", 70011, e.0)),
    };
    let code_challenge = param(&p, "code_challenge");
    let method = param(&p, "code_challenge_method");
    if (app.public && code_challenge.is_none())
        || (code_challenge.is_some() && method != Some("S256"))
    {
        return fail(AadError::new(
            "invalid_request",
            9002325,
            "Proof Key for Code Exchange is required for cross-origin authorization code redemption. The sandbox \
             requires code_challenge with code_challenge_method=S256.",
        ));
    }
    let prompt = param(&p, "prompt");
    match prompt {
        None | Some("login" | "consent" | "select_account") => {}
        Some("none") => {
            return fail(AadError::new(
                "login_required",
                50058,
                "A silent sign-in request was sent but no user is signed in.",
            ))
        }
        Some(other) => {
            return fail(AadError::new(
                "invalid_request",
                90100,
                format!("The value '{other}' of the parameter 'prompt' is not valid."),
            ))
        }
    }

    let request = AuthRequest {
        tenant: tenant.clone(),
        client_id: app.client_id.clone(),
        redirect_uri: redirect_uri.to_string(),
        scopes: requested,
        state: state.map(str::to_string),
        nonce: param(&p, "nonce").map(str::to_string),
        code_challenge: code_challenge.map(str::to_string),
        prompt: prompt.map(str::to_string),
        login_hint: param(&p, "login_hint").map(str::to_string),
        client_info: crate::mint::asks_client_info(&p),
        session_state: crate::util::new_guid(),
        user_id: None,
        created: std::time::Instant::now(),
    };
    let tx = random_b64(2);
    inner
        .transactions
        .insert(tx.clone(), Transaction::Authorize(request.clone()));
    render_sign_in(&inner, &tenant, &tx, &app, &request, None)
}

fn render_sign_in(
    inner: &Inner,
    tenant: &str,
    tx: &str,
    app: &App,
    req: &AuthRequest,
    error: Option<&str>,
) -> Response {
    let select = req.prompt.as_deref() == Some("select_account");
    let hint = if select {
        None
    } else {
        req.login_hint.as_deref()
    };
    let action = format!("/{tenant}/oauth2/v2.0/login");
    pages::sign_in(&SignInPage {
        action: &action,
        tx,
        app_name: &app.name,
        users: &inner.users,
        hint,
        hinted: hint.and_then(|h| inner.user_by_email(h)),
        error,
    })
}

/// `POST /{tenant}/oauth2/v2.0/login` — fields `tx`, `login` (email), `passwd` (anything).
pub async fn login(
    State(st): State<Arc<AppState>>,
    Path(tenant): Path<String>,
    body: Bytes,
) -> Response {
    let f = parse_pairs(&body);
    let tx = param(&f, "tx").unwrap_or_default().to_string();
    let mut inner = st.lock();
    let Some(Transaction::Authorize(req)) = inner.transactions.get(&tx).cloned() else {
        return pages::error(&transaction_unknown());
    };
    let Some(app) = inner.tenant.apps.get(&req.client_id).cloned() else {
        return pages::error(&app_not_found(&req.client_id));
    };
    let login = param(&f, "login").unwrap_or_default();
    let Some(user) = inner.user_by_email(login).cloned() else {
        let msg = if login.is_empty() {
            "Enter a valid email address, phone number, or Skype name.".to_string()
        } else {
            format!(
                "AADSTS50034: The user account {login} does not exist in the '{DEMO_TENANT_ID}' directory. To sign \
                 into this application, the account must be added to the directory."
            )
        };
        return render_sign_in(&inner, &tenant, &tx, &app, &req, Some(&msg));
    };
    if let Some(msg) = wrong_kind_of_account(&tenant, &user) {
        return render_sign_in(&inner, &tenant, &tx, &app, &req, Some(&msg));
    }
    after_sign_in(&st, &mut inner, &tx, req, &app, &user)
}

/// A personal account where only work accounts sign in, or a work account at `consumers`, as Microsoft's
/// sign-in pages say it (the personal-account page in its own words).
fn wrong_kind_of_account(tenant: &str, user: &DemoUser) -> Option<String> {
    let consumers = tenant.eq_ignore_ascii_case("consumers");
    let common = tenant.eq_ignore_ascii_case("common");
    if user.personal && !consumers && !common {
        Some(format!(
            "AADSTS50020: User account '{}' from identity provider 'live.com' does not exist in tenant \
             '{DEMO_TENANT_NAME}' and cannot access the application in that tenant. The account needs to be \
             added as an external user in the tenant first. Sign out and sign in again with a different Azure \
             Active Directory user account.",
            user.email
        ))
    } else if !user.personal && consumers {
        Some(
            "That Microsoft account doesn't exist. Enter a different account or get a new one. (A work or school \
             account signs in through your organisation, not as a personal Microsoft account.)"
                .to_string(),
        )
    } else {
        None
    }
}

fn after_sign_in(
    st: &AppState,
    inner: &mut Inner,
    tx: &str,
    mut req: AuthRequest,
    app: &App,
    user: &DemoUser,
) -> Response {
    // MFA required (50076), or required before the user has registered a method (50079).
    let mfa = if inner.mfa_required {
        Some((50076, "use"))
    } else if inner.mfa_registration_required {
        Some((50079, "enroll in"))
    } else {
        None
    };
    if let Some((code, verb)) = mfa {
        inner.transactions.remove(tx);
        return redirect_error_for(
            st,
            &req,
            &AadError::new(
                "interaction_required",
                code,
                format!(
                    "Due to a configuration change made by your administrator, or because you moved to a new \
                     location, you must {verb} multi-factor authentication to access '{}'.",
                    scopes::GRAPH_RESOURCE_ID
                ),
            ),
        );
    }
    if inner.admin_consent_blocks(&app.client_id) && inner.admin_approval_page {
        inner.transactions.remove(tx);
        // Microsoft's "Need admin approval" page: the person stays there (no redirect back to the app).
        return pages::error(&AadError::new(
            "access_denied",
            90094,
            format!(
                "The grant requires admin permission. {} needs permission to access resources in your \
                 organization that only an admin can grant. Please ask an admin to grant permission to this app \
                 before you can use it.",
                app.name
            ),
        ));
    }
    if inner.admin_consent_blocks(&app.client_id) {
        inner.transactions.remove(tx);
        return redirect_error_for(
            st,
            &req,
            &AadError::new(
                "consent_required",
                65001,
                format!(
                    "The user or administrator has not consented to use the application with ID '{}' named '{}'. \
                     Send an interactive authorization request for this user and resource.",
                    app.client_id, app.name
                ),
            ),
        );
    }
    let key = (user.id.clone(), app.client_id.clone());
    let consented = inner.tenant.consents.get(&key).cloned().unwrap_or_default();
    let missing = req.scopes.iter().any(|s| !scopes::contains(&consented, s));
    let needs_consent = req.prompt.as_deref() == Some("consent")
        || (missing && !inner.tenant.admin_consented.contains(&app.client_id));
    if needs_consent {
        req.user_id = Some(user.id.clone());
        let scopes = req.scopes.clone();
        let action = format!("/{}/oauth2/v2.0/consent", req.tenant);
        inner
            .transactions
            .insert(tx.to_string(), Transaction::Authorize(req));
        return pages::consent(&action, tx, &app.name, &app.client_id, user, &scopes);
    }
    inner.transactions.remove(tx);
    issue_code(st, inner, req, user)
}

fn issue_code(st: &AppState, inner: &mut Inner, req: AuthRequest, user: &DemoUser) -> Response {
    let denied = inner
        .deny_scopes
        .get(&req.client_id)
        .cloned()
        .unwrap_or_default();
    let granted: Vec<String> = req
        .scopes
        .iter()
        .filter(|s| !scopes::contains(&denied, s))
        .cloned()
        .collect();
    let code = format!("1.A{}", random_b64(4));
    inner.stats.codes_issued += 1;
    inner.codes.insert(
        code.clone(),
        AuthCode {
            request: req.clone(),
            user_id: user.id.clone(),
            granted,
            issued: std::time::Instant::now(),
            redeemed: false,
        },
    );
    let issuer = st.issuer_for(user);
    let client_info = crate::mint::client_info(user);
    let mut params: Vec<(&str, &str)> = vec![("code", &code)];
    if req.client_info {
        // As Entra: beside the code when the request asked (MSAL does, for its routing hint).
        params.push(("client_info", &client_info));
    }
    if let Some(s) = req.state.as_deref() {
        params.push(("state", s));
    }
    params.push(("session_state", &req.session_state));
    params.push(("iss", &issuer));
    redirect_with(&req.redirect_uri, &params)
}

/// `POST /{tenant}/oauth2/v2.0/consent` — fields `tx`, `accept` (`yes` / `no`).
pub async fn consent(
    State(st): State<Arc<AppState>>,
    Path(_tenant): Path<String>,
    body: Bytes,
) -> Response {
    let f = parse_pairs(&body);
    let tx = param(&f, "tx").unwrap_or_default().to_string();
    let mut inner = st.lock();
    let Some(Transaction::Authorize(req)) = inner.transactions.get(&tx).cloned() else {
        return pages::error(&transaction_unknown());
    };
    let Some(user) = req
        .user_id
        .as_deref()
        .and_then(|id| inner.user_by_id(id))
        .cloned()
    else {
        return pages::error(&transaction_unknown());
    };
    inner.transactions.remove(&tx);
    if param(&f, "accept") != Some("yes") {
        return redirect_error_for(
            &st,
            &req,
            &AadError::new(
                "access_denied",
                65004,
                "User declined to consent to access the app.",
            ),
        );
    }
    let entry = inner
        .tenant
        .consents
        .entry((user.id.clone(), req.client_id.clone()))
        .or_default();
    for s in &req.scopes {
        if !scopes::contains(entry, s) {
            entry.push(s.clone());
        }
    }
    issue_code(&st, &mut inner, req, &user)
}

/// `GET /{tenant}/v2.0/adminconsent?client_id&redirect_uri&state&scope`.
pub async fn admin_consent_page(
    State(st): State<Arc<AppState>>,
    Path(tenant): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let p = parse_pairs(query.unwrap_or_default().as_bytes());
    let mut inner = st.lock();
    let (app, redirect_uri) = match check_client(&inner, &tenant, &p) {
        Ok(ok) => ok,
        Err(page) => return page,
    };
    let scope = param(&p, "scope");
    let shown = match scope.map(scopes::parse) {
        None => app.default_scopes.clone(),
        Some(Ok(r)) => expand_scopes(r, &app),
        Some(Err(e)) => {
            return redirect_error(
                &st,
                redirect_uri,
                param(&p, "state"),
                &AadError::new("invalid_scope", 70011, e.0),
            )
        }
    };
    let tx = random_b64(2);
    inner.transactions.insert(
        tx.clone(),
        Transaction::AdminConsent(AdminConsentRequest {
            client_id: app.client_id.clone(),
            redirect_uri: redirect_uri.to_string(),
            state: param(&p, "state").map(str::to_string),
            scope: scope.map(str::to_string),
            created: std::time::Instant::now(),
        }),
    );
    let action = format!("/{tenant}/v2.0/adminconsent");
    pages::admin_consent(&action, &tx, &app.name, &app.client_id, &shown)
}

/// `POST /{tenant}/v2.0/adminconsent` — fields `tx`, `accept`.
pub async fn admin_consent_submit(
    State(st): State<Arc<AppState>>,
    Path(_tenant): Path<String>,
    body: Bytes,
) -> Response {
    let f = parse_pairs(&body);
    let tx = param(&f, "tx").unwrap_or_default().to_string();
    let mut inner = st.lock();
    let Some(Transaction::AdminConsent(req)) = inner.transactions.remove(&tx) else {
        return pages::error(&transaction_unknown());
    };
    if param(&f, "accept") != Some("yes") {
        let err = AadError::new(
            "access_denied",
            65004,
            "User declined to consent to access the app.",
        );
        let trace = Trace::new();
        let description = err.description(&trace);
        let mut params: Vec<(&str, &str)> = vec![
            ("error", err.error),
            ("error_description", &description),
            ("admin_consent", "False"),
        ];
        if let Some(s) = req.state.as_deref() {
            params.push(("state", s));
        }
        return redirect_with(&req.redirect_uri, &params);
    }
    inner.admin_consent_required.remove(&req.client_id);
    inner.tenant.admin_consented.insert(req.client_id.clone());
    let mut params: Vec<(&str, &str)> = vec![("admin_consent", "True"), ("tenant", DEMO_TENANT_ID)];
    if let Some(s) = req.state.as_deref() {
        params.push(("state", s));
    }
    if let Some(s) = req.scope.as_deref() {
        params.push(("scope", s));
    }
    redirect_with(&req.redirect_uri, &params)
}

/// `GET /{tenant}/oauth2/v2.0/logout?post_logout_redirect_uri&state` (there is no session to end).
pub async fn logout(RawQuery(query): RawQuery) -> Response {
    let p = parse_pairs(query.unwrap_or_default().as_bytes());
    let target = param(&p, "post_logout_redirect_uri").and_then(|u| Url::parse(u).ok());
    match target {
        // Only back to loopback addresses: the sandbox is no open redirector.
        Some(url) if matches!(url.host_str(), Some("localhost" | "127.0.0.1" | "[::1]")) => {
            let state = param(&p, "state");
            let params: Vec<(&str, &str)> = state.map(|s| vec![("state", s)]).unwrap_or_default();
            redirect_with(url.as_str(), &params)
        }
        _ => pages::signed_out(),
    }
}
