//! Server-rendered HTML pages. Every piece of text from a request or the state goes through `esc`.
//!
//! Each page carries `<meta name="pb-page">` (and, for forms, `pb-action` / `pb-tx`) so that
//! [`crate::driver`] can walk them without a browser.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::errors::{AadError, Trace};
use crate::state::DemoUser;
use crate::util::escape_html as esc;

const STYLE: &str = r#"
:root { color-scheme: light dark; --bg:#f2f2f2; --card:#fff; --fg:#1b1b1b; --muted:#605e5c; --line:#d1d1d1;
  --accent:#0067b8; --accent-fg:#fff; --hover:#e6e6e6; --err:#a4262c; }
@media (prefers-color-scheme: dark) { :root { --bg:#1b1a19; --card:#292827; --fg:#f3f2f1; --muted:#c8c6c4;
  --line:#484644; --accent:#2899f5; --accent-fg:#000; --hover:#3b3a39; --err:#f1707b; } }
* { box-sizing: border-box; }
body { margin:0; min-height:100vh; display:flex; align-items:center; justify-content:center; background:var(--bg);
  color:var(--fg); font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif; }
main { background:var(--card); width:min(440px,94vw); padding:44px; box-shadow:0 2px 6px rgba(0,0,0,.2); }
.brand { font-weight:600; color:var(--muted); font-size:13px; letter-spacing:.02em; margin-bottom:16px; }
h1 { font-size:24px; font-weight:600; margin:0 0 16px; }
p { margin:0 0 12px; } .muted { color:var(--muted); font-size:13px; } .err { color:var(--err); }
form { margin:0; } ul { padding-left:20px; } li { margin:4px 0; }
.account { display:flex; width:100%; text-align:left; gap:12px; align-items:center; padding:12px 8px;
  background:none; border:0; border-bottom:1px solid var(--line); color:inherit; font:inherit; cursor:pointer; }
.account:hover, .account:focus { background:var(--hover); }
.avatar { width:36px; height:36px; border-radius:50%; background:var(--accent); color:var(--accent-fg);
  display:flex; align-items:center; justify-content:center; font-weight:600; flex:none; }
.who small { display:block; color:var(--muted); }
input[type=email], input[type=password], input[type=text] { width:100%; padding:6px 0; margin:0 0 12px; border:0;
  border-bottom:1px solid var(--line); background:transparent; color:inherit; font:inherit; }
.buttons { display:flex; gap:8px; justify-content:flex-end; margin-top:20px; }
button.primary, button.secondary { min-width:108px; padding:6px 12px; font:inherit; border:1px solid var(--accent);
  cursor:pointer; } button.primary { background:var(--accent); color:var(--accent-fg); }
button.secondary { background:transparent; color:inherit; border-color:var(--line); }
code, pre { font:12px ui-monospace,monospace; white-space:pre-wrap; word-break:break-all; }
details { margin-top:16px; } a { color:var(--accent); }
table { border-collapse:collapse; width:100%; font-size:13px; } td, th { text-align:left; padding:3px 6px;
  border-bottom:1px solid var(--line); vertical-align:top; }
"#;

/// A full page. `metas` are (name, content) pairs; content is escaped here.
pub fn page(status: StatusCode, title: &str, metas: &[(&str, &str)], body: &str) -> Response {
    let metas: String = metas
        .iter()
        .map(|(n, c)| format!("<meta name=\"{}\" content=\"{}\">\n", esc(n), esc(c)))
        .collect();
    let html = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"robots\" content=\"noindex\">\n{metas}<title>{title}</title><style>{STYLE}</style></head>\n\
         <body><main><div class=\"brand\">Patchbay sandbox &middot; Microsoft identity platform</div>\n\
         {body}</main></body></html>\n",
        title = esc(title),
    );
    (
        status,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
            (header::X_FRAME_OPTIONS, "DENY"),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; style-src 'unsafe-inline'",
            ),
        ],
        html,
    )
        .into_response()
}

fn initials(user: &DemoUser) -> String {
    user.given_name
        .chars()
        .take(1)
        .chain(user.surname.chars().take(1))
        .collect()
}

fn account_button(user: &DemoUser) -> String {
    format!(
        "<button class=\"account\" type=\"submit\" name=\"login\" value=\"{email}\">\
         <span class=\"avatar\">{ini}</span><span class=\"who\">{name}<small>{email}</small></span></button>",
        email = esc(&user.email),
        name = esc(&user.display_name),
        ini = esc(&initials(user)),
    )
}

pub struct SignInPage<'a> {
    pub action: &'a str,
    pub tx: &'a str,
    pub app_name: &'a str,
    pub users: &'a [DemoUser],
    /// `login_hint` as sent (shown pre-filled; may be hostile).
    pub hint: Option<&'a str>,
    /// The hinted user, if the hint names one (the page then offers just that account).
    pub hinted: Option<&'a DemoUser>,
    pub error: Option<&'a str>,
}

/// "Pick an account" (or "Sign in to your account" with a `login_hint`).
pub fn sign_in(p: &SignInPage) -> Response {
    let title = if p.hint.is_some() {
        "Sign in to your account"
    } else {
        "Pick an account"
    };
    let listed: Vec<&DemoUser> = match p.hinted {
        Some(u) => vec![u],
        None => p.users.iter().collect(),
    };
    let buttons: String = listed.iter().map(|u| account_button(u)).collect();
    let error = p
        .error
        .map(|e| format!("<p class=\"err\" role=\"alert\">{}</p>", esc(e)))
        .unwrap_or_default();
    let body = format!(
        "<h1>{title}</h1>\n<p class=\"muted\">to continue to <strong>{app}</strong></p>\n{error}\
         <form method=\"post\" action=\"{action}\"><input type=\"hidden\" name=\"tx\" value=\"{tx}\">\
         <input type=\"hidden\" name=\"passwd\" value=\"demo\">{buttons}</form>\n\
         <details{open}><summary>Use another account</summary>\
         <form method=\"post\" action=\"{action}\"><input type=\"hidden\" name=\"tx\" value=\"{tx}\">\
         <input type=\"email\" name=\"login\" placeholder=\"Email\" value=\"{hint}\" autocomplete=\"username\">\
         <input type=\"password\" name=\"passwd\" placeholder=\"Password (anything)\">\
         <div class=\"buttons\"><button class=\"primary\" type=\"submit\">Sign in</button></div></form></details>\n\
         <p class=\"muted\">Sandbox accounts: any password is accepted.</p>",
        app = esc(p.app_name),
        action = esc(p.action),
        tx = esc(p.tx),
        hint = esc(p.hint.unwrap_or("")),
        open = if p.error.is_some() { " open" } else { "" },
    );
    page(
        StatusCode::OK,
        title,
        &[
            ("pb-page", "sign-in"),
            ("pb-action", p.action),
            ("pb-tx", p.tx),
        ],
        &body,
    )
}

/// "Permissions requested".
pub fn consent(
    action: &str,
    tx: &str,
    app_name: &str,
    client_id: &str,
    user: &DemoUser,
    scopes: &[String],
) -> Response {
    let items: String = scopes
        .iter()
        .map(|s| {
            format!(
                "<li>{} <span class=\"muted\">({})</span></li>",
                esc(crate::scopes::describe(s)),
                esc(s)
            )
        })
        .collect();
    let body = format!(
        "<p class=\"muted\">{email}</p><h1>Permissions requested</h1>\n\
         <p><strong>{app}</strong><br><span class=\"muted\">unverified &middot; app ID {client}</span></p>\n\
         <p>This app would like to:</p><ul>{items}</ul>\n\
         <p class=\"muted\">Accepting these permissions means that you allow this app to use your data as specified \
         in their terms of service and privacy statement. You can change these permissions later.</p>\n\
         <form method=\"post\" action=\"{action}\"><input type=\"hidden\" name=\"tx\" value=\"{tx}\">\
         <div class=\"buttons\"><button class=\"secondary\" type=\"submit\" name=\"accept\" value=\"no\">Cancel</button>\
         <button class=\"primary\" type=\"submit\" name=\"accept\" value=\"yes\">Accept</button></div></form>",
        email = esc(&user.email),
        app = esc(app_name),
        client = esc(client_id),
        action = esc(action),
        tx = esc(tx),
    );
    page(
        StatusCode::OK,
        "Permissions requested",
        &[("pb-page", "consent"), ("pb-action", action), ("pb-tx", tx)],
        &body,
    )
}

/// "Permissions requested — Accept for your organization".
pub fn admin_consent(
    action: &str,
    tx: &str,
    app_name: &str,
    client_id: &str,
    scopes: &[String],
) -> Response {
    let items: String = scopes
        .iter()
        .map(|s| {
            format!(
                "<li>{} <span class=\"muted\">({})</span></li>",
                esc(crate::scopes::describe(s)),
                esc(s)
            )
        })
        .collect();
    let body = format!(
        "<p class=\"muted\">Administrator of {tenant}</p><h1>Permissions requested</h1>\n\
         <p><strong>{app}</strong><br><span class=\"muted\">app ID {client}</span></p>\n\
         <p>This app would like to, for everyone in your organization:</p><ul>{items}</ul>\n\
         <p class=\"muted\">If you accept, this app will get access to the specified resources for all users in \
         your organization. No one else will be prompted to review these permissions.</p>\n\
         <form method=\"post\" action=\"{action}\"><input type=\"hidden\" name=\"tx\" value=\"{tx}\">\
         <div class=\"buttons\"><button class=\"secondary\" type=\"submit\" name=\"accept\" value=\"no\">Cancel</button>\
         <button class=\"primary\" type=\"submit\" name=\"accept\" value=\"yes\">Accept</button></div></form>",
        tenant = esc(crate::DEMO_TENANT_DOMAIN),
        app = esc(app_name),
        client = esc(client_id),
        action = esc(action),
        tx = esc(tx),
    );
    page(
        StatusCode::OK,
        "Permissions requested",
        &[
            ("pb-page", "admin-consent"),
            ("pb-action", action),
            ("pb-tx", tx),
        ],
        &body,
    )
}

/// The identity platform's error page ("Sorry, but we're having trouble signing you in.").
pub fn error(err: &AadError) -> Response {
    let trace = Trace::new();
    let headline = err.headline();
    let body = format!(
        "<h1>Sign in</h1><p>Sorry, but we&#39;re having trouble signing you in.</p>\n\
         <p class=\"err\" role=\"alert\">{headline}</p>\n\
         <details><summary>Troubleshooting details</summary><pre>Request Id: {trace}\nCorrelation Id: {corr}\n\
         Timestamp: {ts}\nMessage: {headline}</pre></details>",
        headline = esc(&headline),
        trace = esc(&trace.trace_id),
        corr = esc(&trace.correlation_id),
        ts = esc(&trace.timestamp),
    );
    let code = format!("AADSTS{}", err.code);
    page(
        err.status,
        "Sign in to your account",
        &[
            ("pb-page", "error"),
            ("pb-error", &headline),
            ("pb-code", &code),
        ],
        &body,
    )
}

/// Where the `error_uri` points.
pub fn error_help(code: Option<u32>) -> Response {
    let body = match code {
        Some(c) => format!(
            "<h1>AADSTS{c}</h1><p>{}</p>",
            esc(crate::errors::explain(c).unwrap_or("No description is available for this code."))
        ),
        None => "<h1>Error lookup</h1><p>Add <code>?code=NNNNN</code>.</p>".to_string(),
    };
    page(
        StatusCode::OK,
        "Error code lookup",
        &[("pb-page", "error-help")],
        &body,
    )
}

pub fn signed_out() -> Response {
    page(
        StatusCode::OK,
        "You signed out of your account",
        &[("pb-page", "signed-out")],
        "<h1>You signed out of your account</h1><p>It&#39;s a good idea to close all browser windows.</p>",
    )
}

pub fn not_found() -> Response {
    page(
        StatusCode::NOT_FOUND,
        "Not found",
        &[("pb-page", "not-found")],
        "<h1>Not found</h1><p>The sandbox has nothing here. See <a href=\"/_sandbox/\">/_sandbox/</a>.</p>",
    )
}
