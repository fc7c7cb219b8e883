//! Microsoft's errors (AADSTS codes) translated into what happened and what to do about it.

use crate::error::{ErrorCode, ErrorInfo};
use serde::{Deserialize, Serialize};
use url::Url;

/// An OAuth error as a provider sends it, with Microsoft's extra fields kept.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderError {
    pub error: String,
    #[serde(default)]
    pub error_description: Option<String>,
    #[serde(default)]
    pub error_codes: Option<Vec<u64>>,
    #[serde(default)]
    pub error_uri: Option<String>,
    #[serde(default)]
    pub trace_id: Option<String>,
    #[serde(default)]
    pub correlation_id: Option<String>,
}

impl std::fmt::Display for ProviderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.summary())
    }
}

impl oauth2::ErrorResponse for ProviderError {}

impl ProviderError {
    pub fn new(error: &str, description: Option<&str>) -> Self {
        Self {
            error: error.into(),
            error_description: description.map(str::to_string),
            ..Default::default()
        }
    }

    /// The AADSTS number: from `error_codes`, or the `AADSTSnnnn:` prefix of the description.
    pub fn aadsts(&self) -> Option<u64> {
        if let Some(code) = self.error_codes.as_ref().and_then(|c| c.first()) {
            return Some(*code);
        }
        let description = self.error_description.as_deref()?;
        let start = description.find("AADSTS")? + 6;
        let digits: String = description[start..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        digits.parse().ok()
    }

    /// `error: first line of the description` — for a detail field. Never contains a secret.
    pub fn summary(&self) -> String {
        match self
            .error_description
            .as_deref()
            .and_then(|d| d.lines().next())
        {
            Some(first) if !first.is_empty() => format!("{}: {}", self.error, first.trim()),
            _ => self.error.clone(),
        }
    }
}

/// What the flow was doing, so a message can name the exact fix.
#[derive(Debug, Clone)]
pub struct ErrorContext {
    pub authority: Url,
    pub tenant: String,
    pub client_id: String,
    /// The redirect URI as the app registration should list it.
    pub redirect_uri_to_register: String,
    pub redirect_platform: String,
    pub scopes: Vec<String>,
    pub graph_url: Url,
    pub built_in_app: bool,
}

impl ErrorContext {
    /// Microsoft's admin-consent URL for this tenant and app, with the scopes as Graph resource scopes.
    pub fn admin_consent_url(&self) -> String {
        let mut url = self.authority.clone();
        let base = url
            .path()
            .trim_end_matches('/')
            .trim_end_matches("/v2.0")
            .to_string();
        url.set_path(&format!("{base}/v2.0/adminconsent"));
        let graph = self.graph_url.as_str().trim_end_matches('/');
        let scopes: Vec<String> = self
            .scopes
            .iter()
            .filter(|s| {
                !matches!(
                    s.as_str(),
                    "openid" | "profile" | "email" | "offline_access"
                )
            })
            .map(|s| format!("{graph}/{s}"))
            .collect();
        url.query_pairs_mut()
            .clear()
            .append_pair("client_id", &self.client_id)
            .append_pair("scope", &scopes.join(" "))
            .append_pair("redirect_uri", &self.redirect_uri_to_register);
        url.to_string()
    }
}

/// Turn a provider's error into words a person can act on.
pub fn explain_provider_error(err: &ProviderError, ctx: &ErrorContext) -> ErrorInfo {
    let detail = err.summary();
    let code = err.aadsts();
    let info = match (code, err.error.as_str()) {
        (Some(65004), _) | (None, "access_denied") => ErrorInfo::new(
            ErrorCode::Cancelled,
            "Sign-in was cancelled.",
            "Nothing was changed. Start again when you are ready.",
        ),
        (Some(65001 | 90094 | 90095 | 90008), _) | (None, "consent_required") => ErrorInfo::new(
            ErrorCode::AdminConsentRequired,
            "Your organisation needs an administrator to approve this app.",
            format!(
                "Send this link to your Microsoft 365 administrator. When they open it and accept, the app {} is approved for your organisation; then connect again.",
                ctx.client_id
            ),
        )
        .with_action("Admin-consent link", ctx.admin_consent_url()),
        (Some(50011 | 500113), _) => ErrorInfo::new(
            ErrorCode::RedirectUriMismatch,
            "The app registration does not list Patchbay's redirect URI.",
            format!(
                "In the Microsoft Entra admin center, open App registrations → your app → Authentication, add the platform \"{}\" and the redirect URI exactly as shown, then connect again.",
                ctx.redirect_platform
            ),
        )
        .with_action("Redirect URI to register", ctx.redirect_uri_to_register.clone()),
        (Some(7000215), _) => ErrorInfo::new(
            ErrorCode::InvalidClientSecret,
            "Microsoft rejected the client secret.",
            "Copy the secret's Value (not its Secret ID) from App registrations → your app → Certificates & secrets, and enter it again.",
        ),
        (Some(7000222), _) => ErrorInfo::new(
            ErrorCode::ClientSecretExpired,
            "The app's client secret has expired.",
            "In App registrations → your app → Certificates & secrets, create a new client secret, then fix the connection with the new secret's Value.",
        ),
        (Some(700016), _) | (None, "unauthorized_client") => ErrorInfo::new(
            ErrorCode::AppNotFound,
            format!("The app {} is not known in this tenant.", ctx.client_id),
            format!(
                "Check the Application (client) ID. If the app is single-tenant, set the tenant to its Directory (tenant) ID instead of \"{}\".",
                ctx.tenant
            ),
        ),
        (Some(50076 | 50079 | 50074), _) | (None, "interaction_required") => ErrorInfo::new(
            ErrorCode::MfaRequired,
            "Your organisation requires multi-factor authentication.",
            "Connect again and complete the verification Microsoft asks for in the browser (Authenticator app, text message or security key).",
        ),
        (Some(70011 | 65005), _) | (None, "invalid_scope") => ErrorInfo::new(
            ErrorCode::InvalidScope,
            "Microsoft refused the permissions Patchbay asked for.",
            format!(
                "The scopes were: {}. Make sure the app registration lists them as delegated Microsoft Graph permissions, and never combine .default with named scopes.",
                ctx.scopes.join(" ")
            ),
        ),
        (Some(700025), _) => ErrorInfo::new(
            ErrorCode::InvalidClientSecret,
            "This app is registered as a public client, so it must not use a secret.",
            "Leave the client secret empty, or register the redirect URI under the Web platform to use a secret.",
        ),
        (Some(50173 | 700082 | 70043 | 700084 | 50133 | 70008), _) => ErrorInfo::new(
            ErrorCode::RefreshTokenRevoked,
            "Microsoft no longer accepts this connection's sign-in.",
            "Fix the connection by signing in again as the same account.",
        ),
        (Some(90002 | 90023), _) => ErrorInfo::new(
            ErrorCode::InvalidInput,
            format!("Microsoft does not know the tenant \"{}\".", ctx.tenant),
            "Use organizations, common, your tenant ID (a GUID) or your domain such as contoso.onmicrosoft.com.",
        ),
        (_, "invalid_client") => ErrorInfo::new(
            ErrorCode::InvalidClientSecret,
            "The sign-in service rejected the app's credentials.",
            "Check the client ID and client secret, then try again.",
        ),
        (_, "invalid_grant") => ErrorInfo::new(
            ErrorCode::ProviderError,
            "The sign-in service did not accept the sign-in.",
            "Connect again; if it keeps failing, send the details below to your administrator.",
        ),
        (_, "temporarily_unavailable" | "server_error") => ErrorInfo::new(
            ErrorCode::ProviderError,
            "The sign-in service is having trouble right now.",
            "Wait a minute and try again. Nothing was changed.",
        ),
        _ => ErrorInfo::new(
            ErrorCode::ProviderError,
            "The sign-in service refused the request.",
            "Try again; if it keeps failing, send the details below to your administrator.",
        ),
    };
    info.with_detail(detail)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> ErrorContext {
        ErrorContext {
            authority: Url::parse("https://login.microsoftonline.com/organizations/v2.0").unwrap(),
            tenant: "organizations".into(),
            client_id: "11111111-2222-3333-4444-555555555555".into(),
            redirect_uri_to_register: "http://localhost".into(),
            redirect_platform: "Mobile and desktop applications".into(),
            scopes: vec!["openid".into(), "offline_access".into(), "Mail.Read".into()],
            graph_url: Url::parse("https://graph.microsoft.com").unwrap(),
            built_in_app: false,
        }
    }

    fn err(error: &str, description: &str) -> ProviderError {
        ProviderError::new(error, Some(description))
    }

    #[test]
    fn aadsts_comes_from_error_codes_or_the_description() {
        let mut e = err(
            "invalid_client",
            "AADSTS7000215: Invalid client secret provided.\r\nTrace ID: x",
        );
        assert_eq!(e.aadsts(), Some(7000215));
        e.error_codes = Some(vec![7000222]);
        assert_eq!(e.aadsts(), Some(7000222));
        assert_eq!(err("access_denied", "the user said no").aadsts(), None);
        assert_eq!(
            e.summary(),
            "invalid_client: AADSTS7000215: Invalid client secret provided."
        );
    }

    #[test]
    fn admin_consent_gives_the_tenant_admin_consent_link() {
        let info = explain_provider_error(
            &err(
                "consent_required",
                "AADSTS65001: The user or administrator has not consented",
            ),
            &ctx(),
        );
        assert_eq!(info.code, ErrorCode::AdminConsentRequired);
        let url = Url::parse(&info.action.unwrap().url).unwrap();
        assert_eq!(url.path(), "/organizations/v2.0/adminconsent");
        let q: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
        assert_eq!(q["client_id"], "11111111-2222-3333-4444-555555555555");
        assert_eq!(q["scope"], "https://graph.microsoft.com/Mail.Read");
        assert_eq!(q["redirect_uri"], "http://localhost");
        assert!(info.detail.unwrap().contains("AADSTS65001"));
    }

    #[test]
    fn each_known_code_maps_to_its_fix() {
        let cases = [
            (
                "invalid_request",
                "AADSTS50011: The redirect URI 'x' specified",
                ErrorCode::RedirectUriMismatch,
            ),
            (
                "invalid_client",
                "AADSTS7000215: Invalid client secret provided",
                ErrorCode::InvalidClientSecret,
            ),
            (
                "invalid_client",
                "AADSTS7000222: The provided client secret keys are expired",
                ErrorCode::ClientSecretExpired,
            ),
            (
                "unauthorized_client",
                "AADSTS700016: Application with identifier",
                ErrorCode::AppNotFound,
            ),
            (
                "interaction_required",
                "AADSTS50076: Due to a configuration change",
                ErrorCode::MfaRequired,
            ),
            (
                "interaction_required",
                "AADSTS50079: Due to a configuration change",
                ErrorCode::MfaRequired,
            ),
            (
                "invalid_scope",
                "AADSTS70011: The provided value for scope",
                ErrorCode::InvalidScope,
            ),
            (
                "access_denied",
                "AADSTS65004: User declined to consent",
                ErrorCode::Cancelled,
            ),
            ("access_denied", "", ErrorCode::Cancelled),
            (
                "invalid_grant",
                "AADSTS50173: The provided grant has expired due to it being revoked",
                ErrorCode::RefreshTokenRevoked,
            ),
            (
                "invalid_grant",
                "AADSTS700082: The refresh token has expired due to inactivity",
                ErrorCode::RefreshTokenRevoked,
            ),
            (
                "invalid_request",
                "AADSTS90094: admin approval",
                ErrorCode::AdminConsentRequired,
            ),
        ];
        for (error, description, expected) in cases {
            let info = explain_provider_error(&err(error, description), &ctx());
            assert_eq!(info.code, expected, "{description}");
            assert!(
                !info.message.contains("invalid_grant"),
                "raw protocol words leak into {:?}",
                info.message
            );
        }
        let redirect = explain_provider_error(&err("invalid_request", "AADSTS50011: x"), &ctx());
        assert_eq!(redirect.action.unwrap().url, "http://localhost");
        assert!(redirect.message.contains("Mobile and desktop applications"));
    }
}
