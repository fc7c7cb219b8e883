//! OpenID discovery, cached per authority: one round trip per authority per process.

use crate::error::{ErrorCode, ErrorInfo};
use crate::oauth::ProviderError;
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use url::Url;

/// Why a discovery document could not be had or trusted. The network (or the service being busy) is another
/// matter than a document that lies: callers tell them apart by variant ([`DiscoveryError::unreachable`]).
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum DiscoveryError {
    /// No HTTP answer (DNS, refused, TLS, a timeout).
    #[error("{url} could not be reached: {}", .info.one_line())]
    Network { url: Url, info: ErrorInfo },
    /// 429 or 5xx: the service is busy or down.
    #[error("{url} answered HTTP {status}")]
    Busy { url: Url, status: u16 },
    /// Another refusal: the authority or tenant is not known (Microsoft answers AADSTS90002).
    #[error("{url} answered HTTP {status}")]
    UnknownAuthority {
        authority: Url,
        url: Url,
        status: u16,
        provider: Option<ProviderError>,
    },
    /// Not a discovery document.
    #[error("the discovery document of {authority} cannot be read: {detail}")]
    Unreadable { authority: Url, detail: String },
    /// An endpoint over plain http (off this computer) or with credentials in it.
    #[error("{authority} names {url} as its {endpoint}")]
    Insecure {
        authority: Url,
        endpoint: &'static str,
        url: Url,
    },
    /// The document names another issuer than the authority asked.
    #[error("{authority} names {issuer} as its issuer")]
    IssuerMismatch { authority: Url, issuer: String },
}

impl DiscoveryError {
    /// The network, or the service busy: nothing said about the authority itself.
    pub fn unreachable(&self) -> bool {
        matches!(
            self,
            DiscoveryError::Network { .. } | DiscoveryError::Busy { .. }
        )
    }
}

impl From<DiscoveryError> for ErrorInfo {
    fn from(e: DiscoveryError) -> Self {
        match e {
            DiscoveryError::Network { info, .. } => info,
            DiscoveryError::Busy { url, status } => ErrorInfo::new(
                ErrorCode::NetworkUnreachable,
                "The sign-in service is having trouble right now.",
                "Wait a minute and try again. Nothing was changed.",
            )
            .with_detail(format!("{url} answered HTTP {status}")),
            DiscoveryError::UnknownAuthority {
                authority,
                url,
                status,
                provider,
            } => ErrorInfo::new(
                ErrorCode::InvalidInput,
                "The sign-in service does not know this authority or tenant.",
                format!(
                    "Check the tenant and the authority URL ({authority}). Patchbay asked {url} and got HTTP {status}."
                ),
            )
            .with_detail(
                provider
                    .as_ref()
                    .map(|p| p.summary())
                    .unwrap_or_else(|| format!("HTTP {status}")),
            ),
            DiscoveryError::Unreadable { authority, detail } => ErrorInfo::new(
                ErrorCode::ProviderError,
                "The sign-in service sent a discovery document Patchbay cannot read.",
                format!("Check that {authority} is an OpenID Connect authority."),
            )
            .with_detail(detail),
            DiscoveryError::Insecure {
                authority,
                endpoint,
                url,
            } => ErrorInfo::new(
                ErrorCode::ProviderError,
                "The sign-in service asked for the sign-in to go over an insecure connection.",
                format!(
                    "Its discovery document names {url} as its {endpoint}; Patchbay only signs in over https (plain \
                     http only for a provider on this computer). Check the authority URL ({authority}). \
                     Nothing was sent."
                ),
            ),
            DiscoveryError::IssuerMismatch { authority, issuer } => ErrorInfo::new(
                ErrorCode::ProviderError,
                "The sign-in service says it is someone else.",
                format!(
                    "Patchbay asked {authority}, and its discovery document names {issuer} as the issuer. A provider \
                     must name itself. Check the authority URL. Nothing was sent."
                ),
            ),
        }
    }
}

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

/// Hosts that serve one Microsoft cloud's sign-in under another name: Azure China's authority
/// `login.chinacloudapi.cn` names `login.partner.microsoftonline.cn` as its issuer (MSAL keeps the same alias list).
const ISSUER_ALIASES: &[(&str, &str)] =
    &[("login.chinacloudapi.cn", "login.partner.microsoftonline.cn")];

/// Whether a tenant path segment looks like one Microsoft fills in: a GUID or a verified domain name.
fn tenant_like(segment: &str) -> bool {
    !segment.is_empty()
        && segment
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
}

impl ProviderMetadata {
    /// Check the document against the authority it was fetched from, before anything is sent to its endpoints.
    ///
    /// - OpenID Connect Discovery 1.0 §4.3: the `issuer` must be the authority it was asked of. Microsoft bends
    ///   this in two documented ways only: a multi-tenant authority (`/organizations/v2.0`) answers with the
    ///   template `…/{tenantid}/v2.0`, and a tenant named by domain answers with its GUID in that segment. So
    ///   the issuer must be the authority itself, or the same scheme and host (or a known alias of it) with the
    ///   same path but for the tenant segment.
    /// - Every endpoint must be https: the token endpoint receives the code, the PKCE verifier and a client
    ///   secret, and since the ID token's signature is trusted to TLS (OIDC Core §3.1.3.7), plain http would let
    ///   anyone on the path read them and forge the identity. Plain http is allowed only when the authority
    ///   itself is on this computer (the sandbox, a test provider), and then only for endpoints on this computer.
    pub fn validate(&self, authority: &Url) -> Result<(), DiscoveryError> {
        let local = authority.scheme() == "http" && crate::net::is_loopback_url(authority);
        let endpoints = [
            ("authorization_endpoint", Some(&self.authorization_endpoint)),
            ("token_endpoint", Some(&self.token_endpoint)),
            ("jwks_uri", self.jwks_uri.as_ref()),
        ];
        for (name, url) in endpoints {
            let Some(url) = url else { continue };
            let secure = url.scheme() == "https"
                || (local && url.scheme() == "http" && crate::net::is_loopback_url(url));
            if !secure || !url.username().is_empty() || url.password().is_some() {
                return Err(DiscoveryError::Insecure {
                    authority: authority.clone(),
                    endpoint: name,
                    url: url.clone(),
                });
            }
        }
        if self.issuer_matches(authority) {
            Ok(())
        } else {
            Err(DiscoveryError::IssuerMismatch {
                authority: authority.clone(),
                issuer: self.issuer.clone(),
            })
        }
    }

    fn issuer_matches(&self, authority: &Url) -> bool {
        let trim = |s: &str| s.trim_end_matches('/').to_string();
        if trim(&self.issuer) == trim(authority.as_str()) {
            return true;
        }
        // Microsoft's forms: the tenant segment differs ("{tenantid}", a GUID for a domain), nothing else.
        let Ok(issuer) = Url::parse(&self.issuer.replace("{tenantid}", "tenantid")) else {
            return false;
        };
        let same_host = match (authority.host_str(), issuer.host_str()) {
            (Some(a), Some(i)) => {
                a.eq_ignore_ascii_case(i)
                    || ISSUER_ALIASES.iter().any(|(auth, iss)| {
                        a.eq_ignore_ascii_case(auth) && i.eq_ignore_ascii_case(iss)
                    })
            }
            _ => false,
        };
        if issuer.scheme() != authority.scheme()
            || !same_host
            || issuer.port_or_known_default() != authority.port_or_known_default()
            || !issuer.username().is_empty()
            || issuer.query().is_some()
        {
            return false;
        }
        let segments = |u: &Url| -> Vec<String> {
            u.path()
                .split('/')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect()
        };
        let (a, i) = (segments(authority), segments(&issuer));
        a.len() == i.len()
            && !a.is_empty()
            && tenant_like(&a[0])
            && tenant_like(&i[0])
            && a[1..]
                .iter()
                .zip(&i[1..])
                .all(|(x, y)| x.eq_ignore_ascii_case(y))
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
    ) -> Result<Arc<ProviderMetadata>, DiscoveryError> {
        let key = authority.as_str().trim_end_matches('/').to_string();
        if let Some(found) = self.cache.lock().expect("discovery cache").get(&key) {
            return Ok(found.clone());
        }
        let url = discovery_url(authority);
        let unreachable = |e: reqwest::Error| DiscoveryError::Network {
            url: url.clone(),
            info: network_error(&url, &e),
        };
        let response = http.get(url.clone()).send().await.map_err(unreachable)?;
        let status = response.status();
        let body = match crate::body::read_capped(response, crate::body::DISCOVERY).await {
            Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            Err(crate::body::BodyError::Network(e)) => return Err(unreachable(e)),
            Err(crate::body::BodyError::TooLarge { cap }) => {
                return Err(DiscoveryError::Unreadable {
                    authority: authority.clone(),
                    detail: format!(
                        "the discovery document is more than {}",
                        crate::body::size_words(cap)
                    ),
                })
            }
        };
        if status.as_u16() == 429 || status.is_server_error() {
            return Err(DiscoveryError::Busy {
                url,
                status: status.as_u16(),
            });
        }
        if !status.is_success() {
            return Err(DiscoveryError::UnknownAuthority {
                authority: authority.clone(),
                url,
                status: status.as_u16(),
                // Microsoft answers an unknown tenant with its own error shape (AADSTS90002).
                provider: serde_json::from_str::<ProviderError>(&body).ok(),
            });
        }
        let metadata: ProviderMetadata =
            serde_json::from_str(&body).map_err(|e| DiscoveryError::Unreadable {
                authority: authority.clone(),
                detail: e.to_string(),
            })?;
        metadata.validate(authority)?;
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

    fn doc(issuer: &str, authorize: &str, token: &str) -> ProviderMetadata {
        ProviderMetadata {
            issuer: issuer.into(),
            authorization_endpoint: Url::parse(authorize).unwrap(),
            token_endpoint: Url::parse(token).unwrap(),
            jwks_uri: None,
            authorization_response_iss_parameter_supported: false,
            prompt_values_supported: None,
        }
    }

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn microsofts_issuers_match_their_authorities() {
        let ms = |iss: &str, host: &str| {
            doc(
                iss,
                &format!("https://{host}/common/oauth2/v2.0/authorize"),
                &format!("https://{host}/common/oauth2/v2.0/token"),
            )
        };
        let common = ms(
            "https://login.microsoftonline.com/{tenantid}/v2.0",
            "login.microsoftonline.com",
        );
        for authority in [
            "https://login.microsoftonline.com/organizations/v2.0",
            "https://login.microsoftonline.com/common/v2.0/",
        ] {
            common.validate(&url(authority)).unwrap();
        }
        // A tenant named by its domain answers with its GUID.
        ms(
            "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0",
            "login.microsoftonline.com",
        )
        .validate(&url(
            "https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0",
        ))
        .unwrap();
        // Azure China names its alias.
        ms(
            "https://login.partner.microsoftonline.cn/{tenantid}/v2.0",
            "login.chinacloudapi.cn",
        )
        .validate(&url("https://login.chinacloudapi.cn/organizations/v2.0"))
        .unwrap();
        // The sandbox and a local OpenID provider, over plain http on this computer.
        doc(
            "http://127.0.0.1:4000/{tenantid}/v2.0",
            "http://127.0.0.1:4000/organizations/oauth2/v2.0/authorize",
            "http://127.0.0.1:4000/organizations/oauth2/v2.0/token",
        )
        .validate(&url("http://127.0.0.1:4000/organizations/v2.0"))
        .unwrap();
        doc(
            "http://localhost:3000",
            "http://localhost:3000/auth",
            "http://localhost:3000/token",
        )
        .validate(&url("http://localhost:3000/"))
        .unwrap();
    }

    #[test]
    fn an_issuer_that_is_someone_else_is_refused() {
        let authority = url("https://login.microsoftonline.com/organizations/v2.0");
        for issuer in [
            "https://evil.example/{tenantid}/v2.0",
            "https://login.microsoftonline.com.evil.example/{tenantid}/v2.0",
            "http://login.microsoftonline.com/{tenantid}/v2.0",
            "https://login.microsoftonline.com/{tenantid}/v1.0",
            "https://login.microsoftonline.com/{tenantid}/v2.0/extra",
            "https://login.microsoftonline.com:8443/{tenantid}/v2.0",
            "https://login.microsoftonline.com/a%2Fb/v2.0",
            "https://login.partner.microsoftonline.cn/{tenantid}/v2.0",
            "",
        ] {
            let d = doc(
                issuer,
                "https://login.microsoftonline.com/o/oauth2/v2.0/authorize",
                "https://login.microsoftonline.com/o/oauth2/v2.0/token",
            );
            let e = ErrorInfo::from(d.validate(&authority).expect_err(issuer));
            assert_eq!(e.code, ErrorCode::ProviderError);
            assert!(e.title.contains("someone else"), "{issuer}: {}", e.title);
        }
        // A provider's exact issuer must be the authority itself.
        let e = ErrorInfo::from(
            doc(
                "https://a.example",
                "https://a.example/auth",
                "https://a.example/token",
            )
            .validate(&url("https://b.example"))
            .unwrap_err(),
        );
        assert!(e.message.contains("https://a.example"), "{}", e.message);
    }

    #[test]
    fn endpoints_must_be_https_unless_the_provider_is_on_this_computer() {
        let authority = url("https://id.example.com");
        for (authorize, token) in [
            ("https://id.example.com/auth", "http://id.example.com/token"),
            ("http://id.example.com/auth", "https://id.example.com/token"),
            ("https://id.example.com/auth", "http://127.0.0.1:9/token"),
            ("javascript:alert(1)", "https://id.example.com/token"),
            (
                "https://id.example.com/auth",
                "https://user:pw@id.example.com/token",
            ),
        ] {
            let e = ErrorInfo::from(
                doc("https://id.example.com", authorize, token)
                    .validate(&authority)
                    .expect_err(token),
            );
            assert!(
                e.title.contains("insecure"),
                "{authorize} {token}: {}",
                e.title
            );
            assert!(e.message.contains("Nothing was sent"));
        }
        // On this computer: http to this computer only.
        let local = url("http://127.0.0.1:4000");
        assert!(doc(
            "http://127.0.0.1:4000",
            "http://127.0.0.1:4000/auth",
            "http://evil.example/token"
        )
        .validate(&local)
        .is_err());
        assert!(doc(
            "http://127.0.0.1:4000",
            "http://[::1]:4000/auth",
            "http://127.0.0.1:4000/token"
        )
        .validate(&local)
        .is_ok());
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
