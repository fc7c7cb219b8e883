//! The *plan* of a sign-in: what the request (or the connection being fixed) asks for, validated and resolved
//! into endpoints, scopes and a redirect, before anything touches the network. Pure, so every rule here is
//! unit-tested without a server.

use crate::catalogue::{AuthType, Catalogue, Connector, ConnectorStatus};
use crate::config::CoreConfig;
use crate::environment::{Endpoints, EnvironmentId};
use crate::error::{ErrorCode, ErrorInfo, Remedy};
use crate::model::{Account, ConnectRequest};
use crate::oauth::aad::ErrorContext;
use crate::oauth::callback::LoopbackRedirect;
use crate::store::ConnectionRecord;
use secrecy::{ExposeSecret, SecretString};

use super::advice::{redirect_advice, DEEP_LINK_REDIRECT};

/// How the browser hands the sign-in back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Redirect {
    Loopback(LoopbackRedirect),
    DeepLink,
}

/// What the sign-in is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A new connection.
    New {
        /// The name the person chose, if any (else the account's email).
        name: Option<String>,
    },
    /// Fix an existing connection: sign in again as the same account, keep its id.
    Fix { id: String, account: Account },
}

/// Everything a sign-in needs, checked.
pub struct Plan {
    pub target: Target,
    pub connector: Connector,
    pub environment: EnvironmentId,
    pub auth_type: AuthType,
    pub client_id: String,
    pub client_secret: Option<SecretString>,
    /// Bring your own app: the day its client secret expires (`YYYY-MM-DD`), when the person said.
    pub client_secret_expires_on: Option<String>,
    pub tenant: String,
    pub endpoints: Endpoints,
    /// Whether the endpoints are the in-process sandbox's (resolved again each time the connection is used,
    /// since its port changes from run to run).
    pub hosted_sandbox: bool,
    pub scopes: Vec<String>,
    /// The redirect URI as configured (kept on the connection, so a fix signs in the same way).
    pub redirect_text: String,
    pub redirect: Redirect,
    /// `login_hint` for the provider (a fix names its account).
    pub login_hint: Option<String>,
    /// What the sign-in asked for, to explain a provider's error in terms of it.
    pub ctx: ErrorContext,
}

impl std::fmt::Debug for Plan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Plan")
            .field("target", &self.target)
            .field("connector", &self.connector.id)
            .field("environment", &self.environment)
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "<redacted>"),
            )
            .field("tenant", &self.tenant)
            .field("endpoints", &self.endpoints)
            .field("scopes", &self.scopes)
            .field("redirect", &self.redirect)
            .finish_non_exhaustive()
    }
}

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
enum Urls {
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
struct Checked<'a> {
    connector: &'a Connector,
    client_id: String,
    client_secret: Option<SecretString>,
    client_secret_expires_on: Option<String>,
    tenant: String,
    endpoints: Option<Endpoints>,
    scopes: Vec<String>,
    redirect_text: String,
    name: Option<String>,
}

impl<'a> Checked<'a> {
    fn of(
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
        let endpoints = match urls {
            Urls::HostedPending => None,
            Urls::Hosted => Some(resolve_endpoints(req, &tenant, true)?),
            Urls::Given => Some(resolve_endpoints(req, &tenant, false)?),
        };
        let mut scopes = scopes_for(connector, req)?;
        if crate::catalogue::is_personal_tenant(&tenant) {
            scopes = crate::catalogue::for_personal_accounts(&scopes);
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

impl Plan {
    /// Plan a new connection. `hosted_sandbox` says the request's URLs were filled in from the in-process
    /// sandbox (see [`crate::sandbox_host`]).
    pub fn new(
        config: &CoreConfig,
        catalogue: &Catalogue,
        req: &ConnectRequest,
        hosted_sandbox: bool,
    ) -> Result<Plan, ErrorInfo> {
        // The hosted sandbox's URLs are in the request by now: check them as any.
        let urls = if hosted_sandbox {
            Urls::Hosted
        } else {
            Urls::Given
        };
        let c = Checked::of(config, catalogue, req, urls)?;
        Plan::assemble(Assembly {
            target: Target::New { name: c.name },
            connector: c.connector.clone(),
            environment: req.environment,
            auth_type: req.auth_type,
            client_id: c.client_id,
            client_secret: c.client_secret,
            client_secret_expires_on: c.client_secret_expires_on,
            tenant: c.tenant,
            endpoints: c.endpoints.expect("checked with its endpoints"),
            hosted_sandbox,
            scopes: c.scopes,
            redirect_text: c.redirect_text,
            login_hint: None,
        })
    }

    /// Plan the fix of an existing connection: the same app, tenant, scopes and redirect, `login_hint` set to
    /// its account. `endpoints` are the connection's (resolved again for a hosted sandbox).
    pub fn for_fix(
        catalogue: &Catalogue,
        record: &ConnectionRecord,
        endpoints: Endpoints,
        client_secret: Option<SecretString>,
    ) -> Result<Plan, ErrorInfo> {
        let connector = available_connector(catalogue, &record.info.connector_id)?;
        let s = &record.info;
        let hint = if s.account.email.is_empty() {
            None
        } else {
            Some(s.account.email.clone())
        };
        Plan::assemble(Assembly {
            target: Target::Fix {
                id: s.id.clone(),
                account: s.account.clone(),
            },
            connector: connector.clone(),
            environment: s.environment,
            auth_type: s.auth_type,
            client_id: s.client_id.clone(),
            client_secret,
            client_secret_expires_on: record.info.client_secret_expires_on.clone(),
            tenant: s.tenant.clone(),
            endpoints,
            hosted_sandbox: record.hosted_sandbox,
            scopes: s.scopes_requested.clone(),
            redirect_text: record.redirect_uri.clone(),
            login_hint: hint,
        })
    }

    fn assemble(a: Assembly) -> Result<Plan, ErrorInfo> {
        let redirect = if a.redirect_text.trim() == DEEP_LINK_REDIRECT {
            Redirect::DeepLink
        } else {
            Redirect::Loopback(LoopbackRedirect::parse(&a.redirect_text)?)
        };
        let advice = redirect_advice(Some(&a.redirect_text), a.client_secret.is_some())?;
        let ctx = ErrorContext {
            authority: a.endpoints.authority.clone(),
            tenant: a.tenant.clone(),
            client_id: a.client_id.clone(),
            redirect_uri_to_register: advice.redirect_uri,
            redirect_platform: advice.platform,
            scopes: a.scopes.clone(),
            graph_url: a.endpoints.graph_url.clone(),
            built_in_app: a.auth_type == AuthType::BuiltInApp,
        };
        Ok(Plan {
            target: a.target,
            connector: a.connector,
            environment: a.environment,
            auth_type: a.auth_type,
            client_id: a.client_id,
            client_secret: a.client_secret,
            client_secret_expires_on: a.client_secret_expires_on,
            tenant: a.tenant,
            endpoints: a.endpoints,
            hosted_sandbox: a.hosted_sandbox,
            scopes: a.scopes,
            redirect_text: a.redirect_text,
            redirect,
            login_hint: a.login_hint,
            ctx,
        })
    }
}

struct Assembly {
    target: Target,
    connector: Connector,
    environment: EnvironmentId,
    auth_type: AuthType,
    client_id: String,
    client_secret: Option<SecretString>,
    client_secret_expires_on: Option<String>,
    tenant: String,
    endpoints: Endpoints,
    hosted_sandbox: bool,
    scopes: Vec<String>,
    redirect_text: String,
    login_hint: Option<String>,
}

fn available_connector<'a>(catalogue: &'a Catalogue, id: &str) -> Result<&'a Connector, ErrorInfo> {
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
        AuthType::BuiltInApp => Ok(connector.default_scopes.clone()),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ConnectRequest;

    fn config() -> CoreConfig {
        CoreConfig::with_data_dir(std::path::PathBuf::from("/nonexistent"))
    }

    fn request(auth_type: AuthType) -> ConnectRequest {
        ConnectRequest {
            connector_id: "outlook365".into(),
            environment: EnvironmentId::Global,
            authority: None,
            graph_url: None,
            auth_type,
            client_id: None,
            client_secret: None,
            client_secret_expires_on: None,
            tenant: None,
            features: None,
            scopes: None,
            redirect_uri: None,
            name: None,
        }
    }

    fn plan(req: &ConnectRequest) -> Result<Plan, ErrorInfo> {
        Plan::new(&config(), &Catalogue::builtin(), req, false)
    }

    #[test]
    fn the_built_in_app_asks_for_the_reference_scopes_on_a_loopback_redirect() {
        let p = plan(&request(AuthType::BuiltInApp)).unwrap();
        assert_eq!(p.client_id, crate::config::DEFAULT_BUILTIN_CLIENT_ID);
        assert_eq!(p.scopes.len(), 16);
        assert_eq!(p.tenant, "organizations");
        assert_eq!(
            p.endpoints.authority.as_str(),
            "https://login.microsoftonline.com/organizations/v2.0"
        );
        assert!(matches!(p.redirect, Redirect::Loopback(_)));
        assert!(p.client_secret.is_none());
        assert_eq!(p.target, Target::New { name: None });
        assert!(!format!("{p:?}").contains("secret\": Some"));
    }

    #[test]
    fn bring_your_own_app_needs_a_client_id_and_asks_for_its_features_scopes() {
        let mut req = request(AuthType::BringYourOwnApp);
        assert_eq!(plan(&req).unwrap_err().code, ErrorCode::InvalidInput);
        req.client_id = Some(" my-app ".into());
        req.features = Some(vec!["read_mail".into()]);
        req.client_secret = Some(SecretString::from("s3cret"));
        req.client_secret_expires_on = Some("2027-05-31".into());
        req.redirect_uri = Some(DEEP_LINK_REDIRECT.into());
        let p = plan(&req).unwrap();
        assert_eq!(p.client_id, "my-app");
        assert!(p.scopes.iter().any(|s| s == "Mail.Read"));
        assert!(!p.scopes.iter().any(|s| s.starts_with("Calendars")));
        assert_eq!(p.redirect, Redirect::DeepLink);
        assert_eq!(p.client_secret_expires_on.as_deref(), Some("2027-05-31"));
        assert!(!format!("{p:?}").contains("s3cret"));
        req.client_secret_expires_on = Some("31/05/2027".into());
        assert!(plan(&req).unwrap_err().message.contains("YYYY-MM-DD"));
    }

    #[test]
    fn bad_input_is_refused_before_any_network() {
        let mut req = request(AuthType::BuiltInApp);
        req.tenant = Some("a/b".into());
        assert!(plan(&req).unwrap_err().title.contains("tenant"));
        let mut req = request(AuthType::BuiltInApp);
        req.environment = EnvironmentId::Custom;
        assert!(plan(&req).unwrap_err().message.contains("authority"));
        let mut req = request(AuthType::BuiltInApp);
        req.scopes = Some(vec!["Mail Read".into()]);
        assert!(plan(&req).unwrap_err().title.contains("scope"));
        let mut req = request(AuthType::BuiltInApp);
        req.connector_id = "teams".into();
        assert!(plan(&req).unwrap_err().title.contains("coming soon"));
    }

    #[test]
    fn a_preset_environment_refuses_other_urls() {
        // The sandbox too: URLs with it (as the window could send them over IPC) would be trusted as the
        // sandbox Patchbay runs while pointing anywhere.
        for preset in [
            EnvironmentId::Global,
            EnvironmentId::Usgov,
            EnvironmentId::UsgovDod,
            EnvironmentId::China,
            EnvironmentId::Sandbox,
        ] {
            // Both, or either one alone (which would otherwise be dropped without a word).
            for (authority, graph) in [
                (
                    Some("https://idp.example.com/t/v2.0"),
                    Some("https://graph.example.com"),
                ),
                (Some("https://idp.example.com/t/v2.0"), None),
                (None, Some("https://graph.example.com")),
            ] {
                let mut req = request(AuthType::BuiltInApp);
                req.environment = preset;
                req.authority = authority.map(str::to_string);
                req.graph_url = graph.map(str::to_string);
                let err = plan(&req).unwrap_err();
                assert_eq!(err.code, ErrorCode::InvalidInput);
                assert_eq!(err.remedy, Some(Remedy::CustomEnvironment));
                let cli = err.clone().for_surface(crate::error::Surface::Cli);
                assert!(
                    cli.message.contains("--environment custom")
                        && cli.message.contains(preset.as_str()),
                    "{preset:?}: {}",
                    cli.message
                );
                let window = err.for_surface(crate::error::Surface::Window);
                assert!(
                    !window.message.contains("--") && window.message.contains("Advanced"),
                    "{preset:?}: {}",
                    window.message
                );
            }
        }
        let mut req = request(AuthType::BuiltInApp);
        req.authority = Some("https://idp.example.com/t/v2.0".into());
        req.graph_url = Some("https://graph.example.com".into());
        assert!(plan(&req)
            .unwrap_err()
            .message
            .contains("The global environment always uses https://login.microsoftonline.com"));
    }

    #[test]
    fn custom_takes_its_urls_and_the_hosted_sandbox_those_core_filled_in() {
        let mut req = request(AuthType::BuiltInApp);
        req.environment = EnvironmentId::Custom;
        req.authority = Some("https://idp.example.com/t/v2.0".into());
        req.graph_url = Some("https://graph.example.com".into());
        let p = plan(&req).unwrap();
        assert_eq!(
            p.endpoints.authority.as_str(),
            "https://idp.example.com/t/v2.0"
        );
        assert_eq!(p.environment, EnvironmentId::Custom);
        // The Sandbox environment: URLs only as core fills them in from the sandbox it runs.
        req.environment = EnvironmentId::Sandbox;
        assert!(plan(&req).is_err());
        let p = Plan::new(&config(), &Catalogue::builtin(), &req, true).unwrap();
        assert!(p.hosted_sandbox);
        assert_eq!(p.environment, EnvironmentId::Sandbox);
    }

    #[test]
    fn explicit_scopes_keep_the_base_scopes_once() {
        let mut req = request(AuthType::BuiltInApp);
        req.scopes = Some(vec!["Mail.Read".into(), "openid".into()]);
        let p = plan(&req).unwrap();
        assert_eq!(
            p.scopes.iter().filter(|s| scope_key(s) == "openid").count(),
            1
        );
        assert!(p.scopes.contains(&"Mail.Read".to_string()));
    }

    #[test]
    fn a_fix_signs_in_the_same_way_with_the_account_as_hint() {
        let mut record = crate::store::tests::record("c-1");
        record.info.account.email = "adele@contoso.example".into();
        record.info.scopes_requested = vec!["openid".into(), "Mail.Read".into()];
        let endpoints = Endpoints::for_preset(EnvironmentId::Global, "organizations").unwrap();
        let p = Plan::for_fix(&Catalogue::builtin(), &record, endpoints, None).unwrap();
        assert_eq!(p.login_hint.as_deref(), Some("adele@contoso.example"));
        assert_eq!(p.scopes, record.info.scopes_requested);
        assert!(matches!(p.target, Target::Fix { ref id, .. } if id == "c-1"));
    }
}
