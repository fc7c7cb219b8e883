//! The *plan* of a sign-in: what the request (or the connection being fixed) asks for, validated and resolved
//! into endpoints, scopes and a redirect, before anything touches the network. Pure, so every rule here is
//! unit-tested without a server.

use crate::catalogue::{AuthType, Catalogue, Connector};
use crate::config::CoreConfig;
use crate::environment::{Endpoints, EnvironmentId};
use crate::error::ErrorInfo;
use crate::model::{Account, ConnectRequest};
use crate::oauth::aad::ErrorContext;
use crate::oauth::callback::LoopbackRedirect;
use crate::store::ConnectionRecord;
use secrecy::SecretString;

use super::advice::{redirect_advice, DEEP_LINK_REDIRECT};
use super::check::{available_connector, Checked, Urls};

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
            hosted_sandbox: record.uses_hosted_sandbox(),
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

#[cfg(test)]
mod tests {
    use super::super::check::scope_key;
    use super::*;
    use crate::error::{ErrorCode, Remedy};
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
        req.connector_id = "nope".into();
        assert!(plan(&req).unwrap_err().title.contains("Unknown connector"));
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
