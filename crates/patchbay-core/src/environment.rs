//! Microsoft's clouds as presets, each pairing its sign-in host with its Graph host; plus the sandbox and any
//! authority at all ("Advanced").

use serde::{Deserialize, Serialize};
use ts_rs::TS;
use url::Url;

/// A named cloud.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "kebab-case")]
pub enum EnvironmentId {
    /// Microsoft global (commercial) cloud.
    Global,
    /// US Government (GCC High).
    Usgov,
    /// US Government DoD.
    UsgovDod,
    /// China, operated by 21Vianet.
    China,
    /// Patchbay's local sandbox (offline demo).
    Sandbox,
    /// Any authority URL and Graph base URL ("Advanced").
    Custom,
}

impl EnvironmentId {
    pub const ALL: [EnvironmentId; 6] = [
        EnvironmentId::Global,
        EnvironmentId::Usgov,
        EnvironmentId::UsgovDod,
        EnvironmentId::China,
        EnvironmentId::Sandbox,
        EnvironmentId::Custom,
    ];

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.as_str() == text)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            EnvironmentId::Global => "global",
            EnvironmentId::Usgov => "usgov",
            EnvironmentId::UsgovDod => "usgov-dod",
            EnvironmentId::China => "china",
            EnvironmentId::Sandbox => "sandbox",
            EnvironmentId::Custom => "custom",
        }
    }
}

/// A preset as the UI shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct EnvironmentPreset {
    pub id: EnvironmentId,
    pub label: String,
    /// The login host, e.g. `https://login.microsoftonline.com`. Empty for the sandbox (chosen when it starts) and
    /// for custom.
    pub login_host: String,
    /// The Graph base URL, e.g. `https://graph.microsoft.com`. Empty for the sandbox and for custom.
    pub graph_url: String,
}

pub fn presets() -> Vec<EnvironmentPreset> {
    let p = |id, label: &str, login: &str, graph: &str| EnvironmentPreset {
        id,
        label: label.into(),
        login_host: login.into(),
        graph_url: graph.into(),
    };
    vec![
        p(
            EnvironmentId::Global,
            "Microsoft global",
            "https://login.microsoftonline.com",
            "https://graph.microsoft.com",
        ),
        p(
            EnvironmentId::Usgov,
            "US Government (GCC High)",
            "https://login.microsoftonline.us",
            "https://graph.microsoft.us",
        ),
        p(
            EnvironmentId::UsgovDod,
            "US Government DoD",
            "https://login.microsoftonline.us",
            "https://dod-graph.microsoft.us",
        ),
        p(
            EnvironmentId::China,
            "China (21Vianet)",
            "https://login.chinacloudapi.cn",
            "https://microsoftgraph.chinacloudapi.cn",
        ),
        p(EnvironmentId::Sandbox, "Sandbox (offline demo)", "", ""),
        p(
            EnvironmentId::Custom,
            "Advanced: any OpenID provider",
            "",
            "",
        ),
    ]
}

/// Resolved endpoints for one connection: where to sign in and where Graph lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    /// The authority, e.g. `https://login.microsoftonline.com/organizations/v2.0`. OpenID discovery is at
    /// `{authority}/.well-known/openid-configuration`.
    pub authority: Url,
    pub graph_url: Url,
}

/// Why endpoints could not be resolved.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum EnvironmentError {
    #[error("{what} {value:?} is not a valid URL: {reason}. Give a full URL such as https://login.example.com/tenant/v2.0")]
    BadUrl {
        what: &'static str,
        value: String,
        reason: String,
    },
    #[error(
        "{what} must use https (http is only allowed for 127.0.0.1, ::1 or localhost): {value}"
    )]
    Insecure { what: &'static str, value: String },
    #[error("the tenant {0:?} is not valid: use organizations, common, consumers, a tenant ID (GUID) or a domain such as contoso.onmicrosoft.com")]
    BadTenant(String),
    #[error(
        "the {0} environment needs its URL: choose Advanced and enter the authority and Graph URLs"
    )]
    MissingUrl(&'static str),
}

/// Check a tenant: `organizations`, `common`, `consumers`, a GUID or a domain.
pub fn check_tenant(tenant: &str) -> Result<(), EnvironmentError> {
    let ok = !tenant.is_empty()
        && tenant.len() <= 256
        && tenant
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(EnvironmentError::BadTenant(tenant.to_string()))
    }
}

/// Parse a URL the user typed and insist on https except for loopback.
pub fn parse_endpoint_url(what: &'static str, value: &str) -> Result<Url, EnvironmentError> {
    let url = Url::parse(value.trim()).map_err(|e| EnvironmentError::BadUrl {
        what,
        value: value.to_string(),
        reason: e.to_string(),
    })?;
    if crate::net::is_https_or_loopback_http(&url) {
        Ok(url)
    } else {
        Err(EnvironmentError::Insecure {
            what,
            value: value.to_string(),
        })
    }
}

impl Endpoints {
    /// Endpoints for a Microsoft cloud preset and tenant.
    pub fn for_preset(id: EnvironmentId, tenant: &str) -> Result<Self, EnvironmentError> {
        check_tenant(tenant)?;
        let preset = presets()
            .into_iter()
            .find(|p| p.id == id)
            .expect("every id has a preset");
        if preset.login_host.is_empty() {
            return Err(EnvironmentError::MissingUrl(match id {
                EnvironmentId::Sandbox => "sandbox",
                _ => "custom",
            }));
        }
        Ok(Self {
            authority: parse_endpoint_url(
                "authority",
                &format!("{}/{tenant}/v2.0", preset.login_host),
            )?,
            graph_url: parse_endpoint_url("Graph URL", &preset.graph_url)?,
        })
    }

    /// Endpoints from URLs the user typed ("Advanced") or the sandbox reported.
    pub fn custom(authority: &str, graph_url: &str) -> Result<Self, EnvironmentError> {
        let mut authority = parse_endpoint_url("authority", authority)?;
        // Keep a single form without a trailing slash so the discovery URL is predictable.
        let path = authority.path().trim_end_matches('/').to_string();
        authority.set_path(&path);
        Ok(Self {
            authority,
            // Graph's root: a URL copied with its version (`…/v1.0`) is that root, never doubled.
            graph_url: crate::graph::root(&parse_endpoint_url("Graph URL", graph_url)?),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_pair_login_and_graph_hosts() {
        let e = Endpoints::for_preset(EnvironmentId::Global, "organizations").unwrap();
        assert_eq!(
            e.authority.as_str(),
            "https://login.microsoftonline.com/organizations/v2.0"
        );
        assert_eq!(e.graph_url.as_str(), "https://graph.microsoft.com/");
        let e = Endpoints::for_preset(EnvironmentId::UsgovDod, "contoso.onmicrosoft.us").unwrap();
        assert_eq!(
            e.authority.as_str(),
            "https://login.microsoftonline.us/contoso.onmicrosoft.us/v2.0"
        );
        assert_eq!(e.graph_url.host_str(), Some("dod-graph.microsoft.us"));
        let e = Endpoints::for_preset(EnvironmentId::China, "common").unwrap();
        assert_eq!(
            e.graph_url.host_str(),
            Some("microsoftgraph.chinacloudapi.cn")
        );
        let e = Endpoints::for_preset(EnvironmentId::Usgov, "common").unwrap();
        assert_eq!(e.graph_url.host_str(), Some("graph.microsoft.us"));
    }

    #[test]
    fn bad_input_is_refused_with_what_to_do() {
        assert!(matches!(
            Endpoints::for_preset(EnvironmentId::Global, "a/b"),
            Err(EnvironmentError::BadTenant(_))
        ));
        assert!(matches!(
            Endpoints::for_preset(EnvironmentId::Sandbox, "common"),
            Err(EnvironmentError::MissingUrl(_))
        ));
        let err =
            Endpoints::custom("http://idp.example.com/", "https://graph.example.com").unwrap_err();
        assert!(err.to_string().contains("must use https"), "{err}");
        assert!(Endpoints::custom("not a url", "https://g")
            .unwrap_err()
            .to_string()
            .contains("not a valid URL"));
        let ok = Endpoints::custom(
            "http://127.0.0.1:9000/tenant/v2.0/",
            "http://127.0.0.1:9000/graph",
        )
        .unwrap();
        assert_eq!(ok.authority.as_str(), "http://127.0.0.1:9000/tenant/v2.0");
    }

    #[test]
    fn a_graph_url_given_with_its_version_is_kept_as_graphs_root() {
        let e = Endpoints::custom(
            "https://login.example.com/t/v2.0",
            "https://graph.microsoft.com/v1.0",
        )
        .unwrap();
        assert_eq!(e.graph_url.as_str(), "https://graph.microsoft.com/");
        let e = Endpoints::custom(
            "https://login.example.com/t/v2.0",
            "https://g.example/api/beta/",
        )
        .unwrap();
        assert_eq!(e.graph_url.as_str(), "https://g.example/api");
    }

    #[test]
    fn ids_round_trip() {
        for id in EnvironmentId::ALL {
            assert_eq!(EnvironmentId::parse(id.as_str()), Some(id));
        }
        assert_eq!(EnvironmentId::parse("mars"), None);
    }
}
