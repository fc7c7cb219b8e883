//! A connection's secrets, sealed together in the vault under the connection's id.

use crate::error::{ErrorCode, ErrorInfo};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

/// Never serialised as such and `Debug` redacts every field; only [`ConnectionSecrets::seal_bytes`] turns it
/// into bytes, for the vault.
#[derive(Debug, Default, Clone)]
pub struct ConnectionSecrets {
    pub refresh_token: Option<SecretString>,
    pub client_secret: Option<SecretString>,
    pub access_token: Option<SecretString>,
    /// Unix seconds.
    pub access_expires_at: Option<i64>,
    /// Unix milliseconds: when the access token was obtained (its lifetime decides how early it is renewed;
    /// milliseconds, so a forced refresh can tell a token obtained after it asked from one of the same second).
    pub access_issued_at_ms: Option<i64>,
    /// A renewal was carried out but its answer lost: the refresh token it redeemed may be spent and its
    /// successor is gone. Nothing is sent again until the person signs in again (Fix writes new secrets).
    pub renewal_lost: bool,
}

#[derive(Serialize)]
struct Out<'a> {
    refresh_token: Option<&'a str>,
    client_secret: Option<&'a str>,
    access_token: Option<&'a str>,
    access_expires_at: Option<i64>,
    access_issued_at_ms: Option<i64>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    renewal_lost: bool,
}

#[derive(Deserialize)]
struct In {
    refresh_token: Option<String>,
    client_secret: Option<String>,
    access_token: Option<String>,
    access_expires_at: Option<i64>,
    #[serde(default)]
    access_issued_at_ms: Option<i64>,
    #[serde(default)]
    renewal_lost: bool,
}

impl ConnectionSecrets {
    pub fn seal_bytes(&self) -> Zeroizing<Vec<u8>> {
        let out = Out {
            refresh_token: self.refresh_token.as_ref().map(|s| s.expose_secret()),
            client_secret: self.client_secret.as_ref().map(|s| s.expose_secret()),
            access_token: self.access_token.as_ref().map(|s| s.expose_secret()),
            access_expires_at: self.access_expires_at,
            access_issued_at_ms: self.access_issued_at_ms,
            renewal_lost: self.renewal_lost,
        };
        Zeroizing::new(serde_json::to_vec(&out).expect("plain strings serialise"))
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ErrorInfo> {
        let parsed: In = serde_json::from_slice(bytes).map_err(|_| {
            ErrorInfo::new(
                ErrorCode::Storage,
                "A connection's sealed secrets are damaged.",
                "Fix the connection by signing in again.",
            )
        })?;
        Ok(Self {
            refresh_token: parsed.refresh_token.map(SecretString::from),
            client_secret: parsed.client_secret.map(SecretString::from),
            access_token: parsed.access_token.map(SecretString::from),
            access_expires_at: parsed.access_expires_at,
            access_issued_at_ms: parsed.access_issued_at_ms,
            renewal_lost: parsed.renewal_lost,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_redacts_and_bytes_round_trip() {
        let s = ConnectionSecrets {
            refresh_token: Some(SecretString::from("rt-value")),
            client_secret: Some(SecretString::from("cs-value")),
            access_token: None,
            access_expires_at: Some(5),
            access_issued_at_ms: Some(1),
            renewal_lost: false,
        };
        let debug = format!("{s:?}");
        assert!(
            !debug.contains("rt-value") && !debug.contains("cs-value"),
            "{debug}"
        );
        let back = ConnectionSecrets::from_bytes(&s.seal_bytes()).unwrap();
        assert_eq!(back.refresh_token.unwrap().expose_secret(), "rt-value");
        assert_eq!(back.access_expires_at, Some(5));
    }
}
