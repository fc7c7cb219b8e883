//! The checks of a sign-in request, before anything else happens: the connector, the client, the tenant, the
//! environment's URLs and the scopes, each refused in words. Used by [`super::plan::Plan`] and, through
//! [`check_request`], by every surface before a secret is read or a browser opened.

use crate::catalogue::{AuthType, Catalogue, Connector, ConnectorStatus};
use crate::config::CoreConfig;
use crate::environment::{Endpoints, EnvironmentId};
use crate::error::{ErrorCode, ErrorInfo, Remedy};
use crate::model::ConnectRequest;
use secrecy::{ExposeSecret, SecretString};

fn invalid(title: impl Into<String>, message: impl Into<String>) -> ErrorInfo {
    ErrorInfo::new(ErrorCode::InvalidInput, title, message)
}

/// Library errors start in lower case; a message to a person starts with a capital.
pub(crate) fn sentence(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// `https://graph.microsoft.com/Mail.Read` and `mail.read` are the same scope.
pub(crate) fn scope_key(scope: &str) -> String {
    let short = if scope.contains("://") {
        scope.rsplit('/').next().unwrap_or(scope)
    } else {
        scope
    };
    short.to_ascii_lowercase()
}

/// Whether a request is for the sandbox Patchbay hosts itself (the Sandbox environment without URLs): its
/// endpoints are the in-process sandbox's, filled in when it starts.
pub fn hosted_sandbox(req: &ConnectRequest) -> bool {
    req.environment == EnvironmentId::Sandbox && req.authority.is_none() && req.graph_url.is_none()
}

/// Check a request before anything else happens (before a secret is read, a sandbox started, a browser
/// opened): the same rules [`Plan::new`] applies, so every surface refuses the same requests in the same words.
pub fn check_request(
    config: &CoreConfig,
    catalogue: &Catalogue,
    req: &ConnectRequest,
) -> Result<(), ErrorInfo> {
    Checked::of(config, catalogue, req, Urls::of(req)).map(|_| ())
}

/// Where a request's URLs come from.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Urls {
    /// The request's own (or a preset's).
    Given,
    /// The Sandbox environment's, not known until the sandbox Patchbay runs has started.
    HostedPending,
    /// The Sandbox environment's, filled in from the sandbox Patchbay runs.
    Hosted,
}

impl Urls {
    fn of(req: &ConnectRequest) -> Self {
        if hosted_sandbox(req) {
            Urls::HostedPending
        } else {
            Urls::Given
        }
    }
}

/// A request's parts, checked. The endpoints are missing for a hosted sandbox until it runs.
pub(super) struct Checked<'a> {
    pub(super) connector: &'a Connector,
    pub(super) client_id: String,
    pub(super) client_secret: Option<SecretString>,
    pub(super) client_secret_expires_on: Option<String>,
    pub(super) tenant: String,
    pub(super) endpoints: Option<Endpoints>,
    pub(super) scopes: Vec<String>,
    pub(super) redirect_text: String,
    pub(super) name: Option<String>,
}

impl<'a> Checked<'a> {
    pub(super) fn of(
        config: &CoreConfig,
        catalogue: &'a Catalogue,
        req: &ConnectRequest,
        urls: Urls,
    ) -> Result<Self, ErrorInfo> {
        let connector = available_connector(catalogue, &req.connector_id)?;
        let built_in = req.auth_type == AuthType::BuiltInApp;
        let client_id = if built_in {
            config.builtin_app.client_id.clone()
        } else {
            let id = req.client_id.as_deref().map(str::trim).unwrap_or_default();
            if id.is_empty() || id.contains(char::is_whitespace) || id.len() > 200 {
                return Err(invalid(
                    "Enter your app's client ID.",
                    "Copy the Application (client) ID from App registrations → your app → Overview.",
                ));
            }
            id.to_string()
        };
        let client_secret = if built_in {
            None
        } else {
            req.client_secret
                .clone()
                .filter(|s| !s.expose_secret().trim().is_empty())
        };
        let client_secret_expires_on = match (&client_secret, &req.client_secret_expires_on) {
            (Some(_), Some(day)) if !day.trim().is_empty() => Some(parse_day(day)?),
            _ => None,
        };
        let tenant = req
            .tenant
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .unwrap_or("organizations")
            .to_string();
        crate::environment::check_tenant(&tenant)
            .map_err(|e| invalid("The tenant is not valid.", e.to_string()))?;
        if crate::catalogue::is_personal_tenant(&tenant) {
            if let Some(refusal) = connector.personal_refusal() {
                return Err(invalid(refusal.title, refusal.message));
            }
        }
        let endpoints = match urls {
            Urls::HostedPending => None,
            Urls::Hosted => Some(resolve_endpoints(req, &tenant, true)?),
            Urls::Given => Some(resolve_endpoints(req, &tenant, false)?),
        };
        let mut scopes = scopes_for(connector, req)?;
        if crate::catalogue::is_personal_tenant(&tenant) {
            scopes = connector.for_personal_accounts(&scopes);
        }
        let redirect_text = if built_in {
            config.builtin_app.redirect_uri.clone()
        } else {
            req.redirect_uri
                .clone()
                .filter(|r| !r.trim().is_empty())
                .unwrap_or_else(|| "http://localhost".into())
        };
        let name = req
            .name
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::to_string);
        Ok(Self {
            connector,
            client_id,
            client_secret,
            client_secret_expires_on,
            tenant,
            endpoints,
            scopes,
            redirect_text,
            name,
        })
    }
}

pub(super) fn available_connector<'a>(
    catalogue: &'a Catalogue,
    id: &str,
) -> Result<&'a Connector, ErrorInfo> {
    let available = || Remedy::ChooseConnector {
        available: catalogue
            .connectors()
            .iter()
            .filter(|c| c.status == ConnectorStatus::Available)
            .map(|c| c.id.clone())
            .collect(),
    };
    let connector = catalogue.get(id).map_err(|e| {
        invalid(
            "Unknown connector.",
            format!("{}.", sentence(&e.to_string())),
        )
        .with_remedy(available())
    })?;
    if connector.status != ConnectorStatus::Available {
        return Err(invalid(
            format!("{} is coming soon.", connector.name),
            "It cannot be connected yet.",
        )
        .with_remedy(available()));
    }
    Ok(connector)
}

/// `YYYY-MM-DD` (what a date input gives), checked.
pub(crate) fn parse_day(text: &str) -> Result<String, ErrorInfo> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(text.trim(), format)
        .map(|d| d.format(format).expect("a parsed date formats"))
        .map_err(|_| {
            invalid(
                "The secret's expiry date is not a date.",
                "Give it as YYYY-MM-DD, as shown under Certificates & secrets → Expires, or leave it empty.",
            )
        })
}

/// `hosted`: the URLs are those of the sandbox Patchbay runs, filled in by core (never a request's own).
fn resolve_endpoints(
    req: &ConnectRequest,
    tenant: &str,
    hosted: bool,
) -> Result<Endpoints, ErrorInfo> {
    let to_info = |e: crate::environment::EnvironmentError| {
        invalid("The environment is not complete.", e.to_string())
    };
    let overridden = req.authority.is_some() || req.graph_url.is_some();
    match req.environment {
        // A preset names a Microsoft cloud, and the connection is labelled and trusted as that cloud: its URLs
        // must be the cloud's own, never whatever the request says.
        preset @ (EnvironmentId::Global
        | EnvironmentId::Usgov
        | EnvironmentId::UsgovDod
        | EnvironmentId::China)
            if overridden =>
        {
            let login_host = crate::environment::presets()
                .into_iter()
                .find(|p| p.id == preset)
                .map(|p| p.login_host)
                .unwrap_or_default();
            return Err(invalid(
                "Custom URLs are only for the custom environment.",
                format!(
                    "The {} environment always uses {login_host}.",
                    preset.as_str()
                ),
            )
            .with_remedy(Remedy::CustomEnvironment));
        }
        // The sandbox environment is the one Patchbay runs itself; URLs with it would be trusted as that
        // (labelled "Sandbox", its secrets treated as a demo's) while pointing anywhere. A sandbox already
        // running elsewhere is reached as a custom environment.
        EnvironmentId::Sandbox if overridden && !hosted => {
            return Err(invalid(
                "The sandbox chooses its own URLs.",
                "A sandbox started by Patchbay needs none; one already running elsewhere is a custom environment.",
            )
            .with_remedy(Remedy::CustomEnvironment));
        }
        _ => {}
    }
    match (
        req.environment,
        req.authority.as_deref(),
        req.graph_url.as_deref(),
    ) {
        (_, Some(authority), Some(graph)) => Endpoints::custom(authority, graph).map_err(to_info),
        (EnvironmentId::Sandbox | EnvironmentId::Custom, _, _) => Err(invalid(
            "The environment is not complete.",
            "It needs both an authority URL and a Graph base URL.",
        )
        .with_remedy(Remedy::GiveUrls)),
        (preset, _, _) => Endpoints::for_preset(preset, tenant).map_err(to_info),
    }
}

fn scopes_for(connector: &Connector, req: &ConnectRequest) -> Result<Vec<String>, ErrorInfo> {
    if let Some(scopes) = req.scopes.as_ref().filter(|s| !s.is_empty()) {
        let mut all: Vec<String> = connector.base_scopes.clone();
        for s in scopes {
            if s.contains(char::is_whitespace) || s.is_empty() {
                return Err(invalid(
                    "A scope is not valid.",
                    format!("{s:?} must be one word such as Mail.Read."),
                ));
            }
            if !all.iter().any(|a| scope_key(a) == scope_key(s)) {
                all.push(s.clone());
            }
        }
        return Ok(all);
    }
    match req.auth_type {
        // The built-in app's scopes, and the opt-in features chosen (a permission that needs an administrator).
        AuthType::BuiltInApp => {
            let mut scopes = connector.default_scopes.clone();
            for id in req.features.iter().flatten() {
                let Some(f) = connector.features.iter().find(|f| &f.id == id && f.opt_in) else {
                    return Err(invalid(
                        "A feature is not known.",
                        format!(
                            "{id} is not a choice of {}'s built-in app. Its choices: {}.",
                            connector.name,
                            connector
                                .features
                                .iter()
                                .filter(|f| f.opt_in)
                                .map(|f| f.id.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    ));
                };
                for s in &f.scopes {
                    if !scopes.iter().any(|a| scope_key(a) == scope_key(s)) {
                        scopes.push(s.clone());
                    }
                }
            }
            Ok(scopes)
        }
        AuthType::BringYourOwnApp => {
            let features: Vec<String> = match &req.features {
                Some(f) => f.clone(),
                None => connector
                    .features
                    .iter()
                    .filter(|f| f.default)
                    .map(|f| f.id.clone())
                    .collect(),
            };
            connector.scopes_for_features(&features).map_err(|e| {
                let known: Vec<&str> = connector.features.iter().map(|f| f.id.as_str()).collect();
                invalid(
                    "A feature is not known.",
                    format!(
                        "{}. Its features: {}.",
                        sentence(&e.to_string()),
                        known.join(", ")
                    ),
                )
            })
        }
    }
}
