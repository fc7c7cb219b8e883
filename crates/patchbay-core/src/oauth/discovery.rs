//! OpenID discovery, cached per authority: one round trip per authority per process.

use crate::error::{ErrorCode, ErrorInfo};
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use url::Url;

/// The parts of the discovery document Patchbay uses.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct ProviderMetadata {
    /// May be a template: Microsoft's multi-tenant authorities answer `https://login.microsoftonline.com/{tenantid}/v2.0`.
    pub issuer: String,
    pub authorization_endpoint: Url,
    pub token_endpoint: Url,
    #[serde(default)]
    pub jwks_uri: Option<Url>,
    /// RFC 9207: the provider adds `iss` to the authorization response.
    #[serde(default)]
    pub authorization_response_iss_parameter_supported: bool,
    /// OpenID prompt values the provider supports, when it says (Microsoft does not; oidc-provider does).
    #[serde(default)]
    pub prompt_values_supported: Option<Vec<String>>,
}

impl ProviderMetadata {
    /// The issuer for a tenant: the template with `{tenantid}` filled in, or the issuer itself.
    pub fn issuer_for_tenant(&self, tid: &str) -> String {
        self.issuer.replace("{tenantid}", tid)
    }

    /// Whether `iss` is this provider's issuer (any tenant, when the issuer is a template).
    pub fn matches_issuer(&self, iss: &str) -> bool {
        match self.issuer.split_once("{tenantid}") {
            None => iss == self.issuer,
            Some((prefix, suffix)) => iss
                .strip_prefix(prefix)
                .and_then(|rest| rest.strip_suffix(suffix))
                .is_some_and(|tid| {
                    !tid.is_empty() && tid.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                }),
        }
    }
}

/// Fetches and caches discovery documents.
#[derive(Default)]
pub struct Discovery {
    cache: Mutex<HashMap<String, Arc<ProviderMetadata>>>,
}

pub fn discovery_url(authority: &Url) -> Url {
    let mut url = authority.clone();
    let path = format!(
        "{}/.well-known/openid-configuration",
        authority.path().trim_end_matches('/')
    );
    url.set_path(&path);
    url
}

impl Discovery {
    pub async fn get(
        &self,
        http: &reqwest::Client,
        authority: &Url,
    ) -> Result<Arc<ProviderMetadata>, ErrorInfo> {
        let key = authority.as_str().trim_end_matches('/').to_string();
        if let Some(found) = self.cache.lock().expect("discovery cache").get(&key) {
            return Ok(found.clone());
        }
        let url = discovery_url(authority);
        let response = http
            .get(url.clone())
            .send()
            .await
            .map_err(|e| network_error(&url, &e))?;
        let status = response.status();
        let body = response.text().await.map_err(|e| network_error(&url, &e))?;
        if status.as_u16() == 429 || status.is_server_error() {
            return Err(ErrorInfo::new(
                ErrorCode::NetworkUnreachable,
                "The sign-in service is having trouble right now.",
                "Wait a minute and try again. Nothing was changed.",
            )
            .with_detail(format!("{url} answered HTTP {status}")));
        }
        if !status.is_success() {
            // Microsoft answers an unknown tenant with its own error shape (AADSTS90002).
            let provider = serde_json::from_str::<crate::oauth::ProviderError>(&body).ok();
            let detail = provider
                .as_ref()
                .map(|p| p.summary())
                .unwrap_or_else(|| format!("HTTP {status}"));
            return Err(ErrorInfo::new(
                ErrorCode::InvalidInput,
                "The sign-in service does not know this authority or tenant.",
                format!("Check the tenant and the authority URL ({authority}). Patchbay asked {url} and got HTTP {status}."),
            )
            .with_detail(detail));
        }
        let metadata: ProviderMetadata = serde_json::from_str(&body).map_err(|e| {
            ErrorInfo::new(
                ErrorCode::ProviderError,
                "The sign-in service sent a discovery document Patchbay cannot read.",
                format!("Check that {authority} is an OpenID Connect authority."),
            )
            .with_detail(e.to_string())
        })?;
        let metadata = Arc::new(metadata);
        self.cache
            .lock()
            .expect("discovery cache")
            .insert(key, metadata.clone());
        Ok(metadata)
    }
}

/// A request that never got an HTTP answer.
pub fn network_error(url: &Url, e: &reqwest::Error) -> ErrorInfo {
    let host = url.host_str().unwrap_or("the sign-in service").to_string();
    let what = if e.is_timeout() {
        "did not answer in time"
    } else {
        "could not be reached"
    };
    ErrorInfo::new(
        ErrorCode::NetworkUnreachable,
        format!("{host} {what}."),
        "Check your internet connection, VPN or proxy, then try again. Nothing was changed.",
    )
    .with_detail(describe_reqwest_error(e))
}

/// reqwest's error text, with the URL's query dropped (it could carry a code), and its causes (DNS, refused,
/// TLS) appended, since the top-level text alone says only "error sending request".
pub fn describe_reqwest_error(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    if let Some(url) = e.url() {
        let mut clean = url.clone();
        clean.set_query(None);
        text = text.replace(url.as_str(), clean.as_str());
    }
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        let part = cause.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(issuer: &str) -> ProviderMetadata {
        ProviderMetadata {
            issuer: issuer.into(),
            authorization_endpoint: Url::parse("https://x/authorize").unwrap(),
            token_endpoint: Url::parse("https://x/token").unwrap(),
            jwks_uri: None,
            authorization_response_iss_parameter_supported: false,
            prompt_values_supported: None,
        }
    }

    #[test]
    fn issuer_templates_match_any_tenant_but_nothing_else() {
        let m = meta("https://login.microsoftonline.com/{tenantid}/v2.0");
        assert!(m.matches_issuer(
            "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0"
        ));
        assert!(!m.matches_issuer("https://login.microsoftonline.com//v2.0"));
        assert!(!m.matches_issuer("https://evil.example/72f988bf/v2.0"));
        assert!(!m.matches_issuer("https://login.microsoftonline.com/a/b/v2.0"));
        assert_eq!(
            m.issuer_for_tenant("t1"),
            "https://login.microsoftonline.com/t1/v2.0"
        );
        let fixed = meta("http://127.0.0.1:9/");
        assert!(fixed.matches_issuer("http://127.0.0.1:9/"));
        assert!(!fixed.matches_issuer("http://127.0.0.1:9"));
    }

    #[test]
    fn discovery_url_appends_the_well_known_path() {
        let a = Url::parse("https://login.microsoftonline.com/organizations/v2.0").unwrap();
        assert_eq!(
            discovery_url(&a).as_str(),
            "https://login.microsoftonline.com/organizations/v2.0/.well-known/openid-configuration"
        );
        let root = Url::parse("http://127.0.0.1:4000").unwrap();
        assert_eq!(
            discovery_url(&root).as_str(),
            "http://127.0.0.1:4000/.well-known/openid-configuration"
        );
    }
}
