//! ID token checks. The token comes straight from the token endpoint over TLS, so — as OpenID Connect Core
//! §3.1.3.7 allows — its claims are checked and its signature is not: iss (against the issuer, or Microsoft's
//! `{tenantid}` template filled with the token's `tid`), aud, exp, iat and nonce.

use crate::error::{ErrorCode, ErrorInfo};
use crate::model::Account;
use crate::oauth::callback::state_matches;
use crate::oauth::discovery::ProviderMetadata;
use base64::Engine;
use serde::Deserialize;

/// The claims Patchbay reads.
#[derive(Debug, Clone, Deserialize)]
pub struct IdTokenClaims {
    pub iss: String,
    #[serde(deserialize_with = "one_or_many")]
    pub aud: Vec<String>,
    pub exp: i64,
    #[serde(default)]
    pub iat: Option<i64>,
    #[serde(default)]
    pub nonce: Option<String>,
    /// The authorized party: the client the token was issued to, required when there are several audiences.
    #[serde(default)]
    pub azp: Option<String>,
    #[serde(default)]
    pub sub: Option<String>,
    #[serde(default)]
    pub oid: Option<String>,
    #[serde(default)]
    pub tid: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub preferred_username: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
}

fn one_or_many<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match OneOrMany::deserialize(d)? {
        OneOrMany::One(s) => vec![s],
        OneOrMany::Many(v) => v,
    })
}

impl IdTokenClaims {
    pub fn account(&self) -> Account {
        let email = self
            .email
            .clone()
            .or_else(|| self.preferred_username.clone())
            .unwrap_or_default();
        Account {
            oid: self
                .oid
                .clone()
                .or_else(|| self.sub.clone())
                .unwrap_or_default(),
            tid: self.tid.clone().unwrap_or_default(),
            name: self.name.clone().unwrap_or_else(|| email.clone()),
            email,
        }
    }
}

fn invalid(why: impl Into<String>) -> ErrorInfo {
    ErrorInfo::new(
        ErrorCode::ProviderError,
        "The sign-in service sent an identity Patchbay cannot trust.",
        "Nothing was saved. Try again; if it persists, check that the authority URL is the right one.",
    )
    .with_detail(why.into())
}

/// Allowed clock difference between here and the provider.
const SKEW_SECONDS: i64 = 300;

/// Decode and check an ID token. `now` is Unix seconds.
pub fn validate_id_token(
    token: &str,
    metadata: &ProviderMetadata,
    client_id: &str,
    expected_nonce: &str,
    now: i64,
) -> Result<IdTokenClaims, ErrorInfo> {
    let mut parts = token.split('.');
    let (Some(_header), Some(payload), Some(_signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(invalid("the ID token is not a JWT"));
    };
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .map_err(|_| invalid("the ID token payload is not base64url"))?;
    let claims: IdTokenClaims = serde_json::from_slice(&bytes)
        .map_err(|e| invalid(format!("the ID token claims cannot be read: {e}")))?;

    let expected_issuer = match &claims.tid {
        Some(tid) if metadata.issuer.contains("{tenantid}") => metadata.issuer_for_tenant(tid),
        _ => metadata.issuer.clone(),
    };
    if claims.iss != expected_issuer || !metadata.matches_issuer(&claims.iss) {
        return Err(invalid(format!(
            "issuer {:?} is not {:?}",
            claims.iss, expected_issuer
        )));
    }
    if !claims.aud.iter().any(|a| a == client_id) {
        return Err(invalid(format!(
            "the ID token is for {:?}, not this app ({client_id})",
            claims.aud
        )));
    }
    // OIDC Core §3.1.3.7 (4, 5): with several audiences, azp must be present and name this client, so a token
    // minted for another app that merely lists this one is not taken as a sign-in to it.
    if claims.aud.len() > 1 && claims.azp.as_deref() != Some(client_id) {
        return Err(invalid(format!(
            "the ID token has several audiences and its authorized party is {:?}, not this app ({client_id})",
            claims.azp
        )));
    }
    // Saturating: an exp or iat near i64::MAX is hostile, and must not overflow into a pass.
    if claims.exp.saturating_add(SKEW_SECONDS) < now {
        return Err(invalid(
            "the ID token has expired (check this computer's clock)",
        ));
    }
    if claims
        .iat
        .is_some_and(|iat| iat > now.saturating_add(SKEW_SECONDS))
    {
        return Err(invalid(
            "the ID token was issued in the future (check this computer's clock)",
        ));
    }
    match &claims.nonce {
        Some(nonce) if state_matches(expected_nonce, nonce) => {}
        _ => return Err(invalid("the ID token's nonce does not match this sign-in")),
    }
    if claims.oid.is_none() && claims.sub.is_none() {
        return Err(invalid("the ID token names no user (no oid or sub)"));
    }
    Ok(claims)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn jwt(claims: serde_json::Value) -> String {
        let e = |v: &serde_json::Value| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
        };
        format!(
            "{}.{}.sig",
            e(&json!({"alg": "RS256", "typ": "JWT"})),
            e(&claims)
        )
    }

    fn meta() -> ProviderMetadata {
        serde_json::from_value(json!({
            "issuer": "https://login.microsoftonline.com/{tenantid}/v2.0",
            "authorization_endpoint": "https://login.microsoftonline.com/organizations/oauth2/v2.0/authorize",
            "token_endpoint": "https://login.microsoftonline.com/organizations/oauth2/v2.0/token",
        }))
        .unwrap()
    }

    fn good() -> serde_json::Value {
        json!({
            "iss": "https://login.microsoftonline.com/tid-1/v2.0", "aud": "client-1", "exp": 2000, "iat": 1000,
            "nonce": "n-1", "oid": "oid-1", "tid": "tid-1", "name": "Adele Vance", "preferred_username": "adele@contoso.com"
        })
    }

    #[test]
    fn a_good_token_gives_the_account() {
        let claims = validate_id_token(&jwt(good()), &meta(), "client-1", "n-1", 1500).unwrap();
        let account = claims.account();
        assert_eq!(account.oid, "oid-1");
        assert_eq!(account.tid, "tid-1");
        assert_eq!(account.name, "Adele Vance");
        assert_eq!(account.email, "adele@contoso.com");
    }

    #[test]
    fn each_bad_claim_is_refused() {
        let check = |edit: &dyn Fn(&mut serde_json::Value), now: i64, fragment: &str| {
            let mut c = good();
            edit(&mut c);
            let err = validate_id_token(&jwt(c), &meta(), "client-1", "n-1", now).unwrap_err();
            assert!(
                err.detail.as_deref().unwrap_or("").contains(fragment),
                "{fragment}: {err:?}"
            );
        };
        check(
            &|c| c["iss"] = json!("https://evil.example/tid-1/v2.0"),
            1500,
            "issuer",
        );
        check(&|c| c["tid"] = json!("tid-2"), 1500, "issuer");
        check(
            &|c| c["aud"] = json!(["someone-else"]),
            1500,
            "not this app",
        );
        check(&|_| {}, 2000 + SKEW_SECONDS + 1, "expired");
        check(&|c| c["iat"] = json!(9999), 1500, "future");
        check(&|c| c["nonce"] = json!("n-2"), 1500, "nonce");
        check(
            &|c| {
                c.as_object_mut()
                    .unwrap()
                    .remove("nonce")
                    .map(|_| ())
                    .unwrap()
            },
            1500,
            "nonce",
        );
        // Several audiences: azp must name this app.
        check(
            &|c| c["aud"] = json!(["client-1", "other-app"]),
            1500,
            "authorized party",
        );
        check(
            &|c| {
                c["aud"] = json!(["client-1", "other-app"]);
                c["azp"] = json!("other-app");
            },
            1500,
            "authorized party",
        );
        // Hostile numbers do not overflow into a pass (nor panic).
        check(&|c| c["iat"] = json!(i64::MAX), 1500, "future");
        check(&|c| c["exp"] = json!(i64::MIN), 1500, "expired");
        assert!(validate_id_token("not-a-jwt", &meta(), "client-1", "n-1", 1500).is_err());
    }

    #[test]
    fn several_audiences_with_this_app_as_authorized_party_pass() {
        let mut c = good();
        c["aud"] = json!(["client-1", "other-app"]);
        c["azp"] = json!("client-1");
        assert!(validate_id_token(&jwt(c), &meta(), "client-1", "n-1", 1500).is_ok());
        // And exp far in the future is fine.
        let mut c = good();
        c["exp"] = json!(i64::MAX);
        assert!(validate_id_token(&jwt(c), &meta(), "client-1", "n-1", i64::MAX).is_ok());
    }
}
