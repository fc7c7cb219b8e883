//! The demo tenant's directory: its users and its app registrations (Microsoft's own Graph Command Line Tools
//! and the two demo apps), and which redirect URIs an app accepts, as Entra matches them.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::{BUILT_IN_CLIENT_ID, DEMO_APP_CLIENT_ID, DEMO_APP_SECRET, DEMO_PUBLIC_APP_CLIENT_ID};

pub const DEMO_TENANT_NAME: &str = "Contoso (sandbox)";

/// A user of the demo tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DemoUser {
    /// The object ID (`oid`), stable.
    pub id: String,
    pub display_name: String,
    pub given_name: String,
    pub surname: String,
    /// Also the user principal name.
    pub email: String,
    pub job_title: String,
    /// A personal Microsoft account (Outlook.com, Hotmail, Live) rather than one of the demo tenant's: it
    /// signs in through `consumers` or `common` only, its tenant is [`crate::CONSUMERS_TENANT_ID`], its access
    /// tokens are not JWTs, and it has no shared mailboxes.
    pub personal: bool,
}

fn user(id: &str, given: &str, surname: &str, email: &str, job: &str) -> DemoUser {
    DemoUser {
        id: id.into(),
        display_name: format!("{given} {surname}"),
        given_name: given.into(),
        surname: surname.into(),
        email: email.into(),
        job_title: job.into(),
        personal: false,
    }
}

pub fn demo_users() -> Vec<DemoUser> {
    vec![
        user(
            "87d349ed-44d7-43e1-9a83-5f2406dee5bd",
            "Adele",
            "Vance",
            "adele@contoso.example",
            "Retail Manager",
        ),
        user(
            "074e56ea-0b50-4461-89e5-c67ae14a2c0b",
            "Megan",
            "Bowen",
            "megan@contoso.example",
            "Marketing Manager",
        ),
        user(
            "1fa9d1a8-7a0b-4b5e-9d6c-3a6f4b1c2d71",
            "Alex",
            "Wilber",
            "alex@contoso.example",
            "Marketing Assistant",
        ),
        DemoUser {
            personal: true,
            ..user(
                "00000000-0000-0000-4b2c-9e51d7a3f08b",
                "Sam",
                "Rivera",
                "sam@outlook.example",
                "",
            )
        },
    ]
}

/// An app registration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct App {
    pub client_id: String,
    pub name: String,
    /// The client secret's SHA-256 (hex); `None` for public clients.
    #[serde(skip)]
    pub secret: Option<String>,
    pub secret_expired: bool,
    pub redirect_uris: Vec<String>,
    /// Public client ("Mobile and desktop applications"): loopback redirect URIs match on any port and on
    /// either `localhost` or `127.0.0.1`; PKCE is required; no secret.
    pub public: bool,
    /// What `https://graph.microsoft.com/.default` stands for (the app's configured permissions).
    pub default_scopes: Vec<String>,
}

impl App {
    /// Microsoft's redirect URI matching: exact, except that for `http` loopback URIs the port is ignored
    /// (and, for public clients, `localhost` and `127.0.0.1` are interchangeable). An empty path equals `/`.
    pub fn accepts_redirect(&self, requested: &url::Url) -> bool {
        self.redirect_uris
            .iter()
            .filter_map(|r| url::Url::parse(r).ok())
            .any(|reg| {
                if reg.as_str() == requested.as_str() {
                    return true;
                }
                let loopback = |u: &url::Url| {
                    matches!(u.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"))
                };
                if reg.scheme() != "http"
                    || requested.scheme() != "http"
                    || !loopback(&reg)
                    || !loopback(requested)
                {
                    return false;
                }
                let same_host = reg.host_str() == requested.host_str() || self.public;
                same_host
                    && reg.path() == requested.path()
                    && reg.query() == requested.query()
                    && requested.fragment().is_none()
                    && requested.username().is_empty()
                    && requested.password().is_none()
            })
    }
}

pub fn built_in_apps() -> HashMap<String, App> {
    let apps = [
        App {
            client_id: BUILT_IN_CLIENT_ID.into(),
            name: "Microsoft Graph Command Line Tools".into(),
            secret: None,
            secret_expired: false,
            redirect_uris: vec!["http://localhost".into()],
            public: true,
            default_scopes: vec!["User.Read".into()],
        },
        App {
            client_id: DEMO_APP_CLIENT_ID.into(),
            name: "Patchbay demo (web)".into(),
            secret: Some(crate::util::sha256_hex(DEMO_APP_SECRET)),
            secret_expired: false,
            redirect_uris: vec![
                "http://localhost".into(),
                "http://localhost/callback".into(),
            ],
            public: false,
            default_scopes: vec!["User.Read".into(), "Mail.Read".into()],
        },
        App {
            client_id: DEMO_PUBLIC_APP_CLIENT_ID.into(),
            name: "Patchbay demo (desktop)".into(),
            secret: None,
            secret_expired: false,
            redirect_uris: vec!["http://localhost".into()],
            public: true,
            default_scopes: vec!["User.Read".into(), "Mail.Read".into()],
        },
    ];
    apps.into_iter().map(|a| (a.client_id.clone(), a)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> url::Url {
        url::Url::parse(s).unwrap()
    }

    #[test]
    fn public_loopback_any_port_exact_path() {
        let apps = built_in_apps();
        let app = &apps[BUILT_IN_CLIENT_ID];
        assert!(app.accepts_redirect(&url("http://localhost:53123")));
        assert!(app.accepts_redirect(&url("http://127.0.0.1:8400/")));
        assert!(!app.accepts_redirect(&url("http://localhost:53123/callback")));
        assert!(!app.accepts_redirect(&url("https://localhost:53123/")));
        assert!(!app.accepts_redirect(&url("http://example.com/")));
    }

    #[test]
    fn web_loopback_port_ignored_host_exact() {
        let apps = built_in_apps();
        let app = &apps[DEMO_APP_CLIENT_ID];
        assert!(app.accepts_redirect(&url("http://localhost:8080/callback")));
        assert!(app.accepts_redirect(&url("http://localhost/")));
        assert!(!app.accepts_redirect(&url("http://127.0.0.1:8080/callback")));
        assert!(!app.accepts_redirect(&url("http://localhost:8080/other")));
    }
}
