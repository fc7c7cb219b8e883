//! Minting what a valid grant gets: the access token (a signed JWT, or for a personal account an opaque one), the
//! rotated refresh token and the ID token, and recording them (by digest) so the token endpoint and Graph accept
//! them.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::{json, Value};

use crate::errors::AadError;
use crate::scopes::{self, GRAPH_RESOURCE_ID};
use crate::state::{AccessGrant, App, AppState, DemoUser, Inner, RefreshGrant};
use crate::util::{self, random_b64, unix_now};
use crate::DEMO_TENANT_ID;

/// Microsoft's pairwise `sub`: stable per user and app.
pub(crate) fn pairwise_sub(user: &DemoUser, client_id: &str) -> String {
    let digest = ring::digest::digest(
        &ring::digest::SHA256,
        format!("{}:{client_id}", user.id).as_bytes(),
    );
    URL_SAFE_NO_PAD.encode(digest.as_ref())
}

/// Entra's `client_info`: base64url (unpadded) JSON `{"uid": object ID, "utid": tenant ID}` — the consumers
/// tenant for a personal account. MSAL asks for it (`client_info=1`) and builds its account's
/// `home_account_id` (`uid.utid`) from it.
pub(crate) fn client_info(user: &DemoUser) -> String {
    let utid = if user.personal {
        crate::CONSUMERS_TENANT_ID
    } else {
        DEMO_TENANT_ID
    };
    URL_SAFE_NO_PAD.encode(json!({"uid": user.id, "utid": utid}).to_string())
}

/// Whether a request's parameters ask for `client_info` (`client_info=1`, as MSAL sends it).
pub(crate) fn asks_client_info(params: &std::collections::HashMap<String, String>) -> bool {
    crate::util::param(params, "client_info") == Some("1")
}

/// What a valid grant gets: for whom, with which scopes.
pub(crate) struct Issue {
    pub(crate) app: App,
    pub(crate) user: DemoUser,
    /// Whether to return an ID token.
    pub(crate) id_token: bool,
    pub(crate) grant_scopes: Vec<String>,
    pub(crate) access_scopes: Vec<String>,
    pub(crate) nonce: Option<String>,
    /// Seconds.
    pub(crate) lifetime: u64,
    /// The token request asked for `client_info` (`client_info=1`).
    pub(crate) client_info: bool,
}

/// Tokens signed for an [`Issue`], to be recorded in the tenant.
pub(crate) struct Minted {
    pub(crate) body: Value,
    pub(crate) access_token: String,
    pub(crate) refresh_token: Option<String>,
    pub(crate) now: u64,
}

/// Sign the access token (and refresh / ID tokens as the grant allows). No state is touched.
pub(crate) fn mint(st: &AppState, issue: &Issue) -> Result<Minted, AadError> {
    let signing_failed = || {
        AadError::new(
            "temporarily_unavailable",
            90033,
            "A transient error has occurred. Please try again.",
        )
    };
    let (app, user, lifetime) = (&issue.app, &issue.user, issue.lifetime);
    let now = unix_now();
    let resource_scopes: Vec<&str> = issue
        .access_scopes
        .iter()
        .map(String::as_str)
        .filter(|s| !scopes::is_oidc(s))
        .collect();
    let access_claims = json!({
        "aud": GRAPH_RESOURCE_ID,
        "iss": format!("{}/{DEMO_TENANT_ID}/", st.base),
        "iat": now, "nbf": now, "exp": now + lifetime,
        "app_displayname": app.name,
        "appid": app.client_id,
        "family_name": user.surname, "given_name": user.given_name,
        "idtyp": "user",
        "name": user.display_name,
        "oid": user.id,
        "scp": if resource_scopes.is_empty() { "User.Read".to_string() } else { resource_scopes.join(" ") },
        "sub": pairwise_sub(user, GRAPH_RESOURCE_ID),
        "tid": DEMO_TENANT_ID,
        "unique_name": user.email, "upn": user.email,
        "uti": random_b64(1),
        "ver": "1.0",
    });
    // A personal account's access tokens are not JWTs (nothing may read one), as Microsoft's are not.
    let access_token = if user.personal {
        format!("EwB{}", random_b64(6))
    } else {
        st.signer
            .sign(&access_claims)
            .map_err(|_| signing_failed())?
    };
    let tid = if user.personal {
        crate::CONSUMERS_TENANT_ID
    } else {
        DEMO_TENANT_ID
    };
    let issuer = st.issuer_for(user);
    let mut body = json!({
        "token_type": "Bearer",
        "scope": issue.access_scopes.join(" "),
        "expires_in": lifetime,
        "ext_expires_in": lifetime,
        "access_token": access_token,
    });
    let refresh_token = scopes::contains(&issue.grant_scopes, "offline_access")
        .then(|| format!("1.A{}", random_b64(6)));
    if let Some(rt) = &refresh_token {
        body["refresh_token"] = json!(rt);
    }
    if issue.client_info {
        body["client_info"] = json!(client_info(user));
    }
    if issue.id_token {
        let mut claims = json!({
            "aud": app.client_id,
            "iss": issuer,
            "iat": now, "nbf": now, "exp": now + 3600,
            "name": user.display_name,
            "oid": user.id,
            "preferred_username": user.email,
            "email": user.email,
            "sub": pairwise_sub(user, &app.client_id),
            "tid": tid,
            "uti": random_b64(1),
            "ver": "2.0",
        });
        if let Some(n) = &issue.nonce {
            claims["nonce"] = json!(n);
        }
        body["id_token"] = json!(st.signer.sign(&claims).map_err(|_| signing_failed())?);
    }
    Ok(Minted {
        body,
        access_token,
        refresh_token,
        now,
    })
}

impl Minted {
    /// Remember the tokens (by digest) so the token endpoint and Graph accept them.
    pub(crate) fn record(&self, inner: &mut Inner, issue: &Issue) {
        inner.tenant.access_tokens.insert(
            util::sha256_hex(&self.access_token),
            AccessGrant {
                client_id: issue.app.client_id.clone(),
                user_id: issue.user.id.clone(),
                scopes: issue.access_scopes.clone(),
                expires_unix: self.now + issue.lifetime,
            },
        );
        if let Some(rt) = &self.refresh_token {
            inner.tenant.refresh_tokens.insert(
                util::sha256_hex(rt),
                RefreshGrant {
                    client_id: issue.app.client_id.clone(),
                    user_id: issue.user.id.clone(),
                    scopes: issue.grant_scopes.clone(),
                    issued_unix: self.now,
                    used_unix_ms: None,
                    revoked: false,
                    expired: false,
                },
            );
        }
    }
}
