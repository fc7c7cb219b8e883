//! OpenID Connect discovery (`/{tenant}/v2.0/.well-known/openid-configuration`) and the JWKS.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use crate::errors::AadError;
use crate::state::{tenant_is_multi, tenant_known, AppState};
use crate::DEMO_TENANT_ID;

/// The issuer advertised by an authority: the `{tenantid}` template for multi-tenant ones, as Microsoft does.
pub fn discovery_issuer(base: &str, tenant: &str) -> String {
    if tenant_is_multi(tenant) {
        format!("{base}/{{tenantid}}/v2.0")
    } else {
        format!("{base}/{DEMO_TENANT_ID}/v2.0")
    }
}

pub async fn openid_configuration(
    State(st): State<Arc<AppState>>,
    Path(tenant): Path<String>,
) -> Response {
    st.lock().stats.discovery_requests += 1;
    if !tenant_known(&tenant) {
        return AadError::tenant_not_found(&tenant).to_json_response(&st.base);
    }
    let base = &st.base;
    let tenant_region = if tenant.eq_ignore_ascii_case("consumers") {
        ""
    } else {
        "WW"
    };
    Json(json!({
        "token_endpoint": format!("{base}/{tenant}/oauth2/v2.0/token"),
        "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        "jwks_uri": format!("{base}/{tenant}/discovery/v2.0/keys"),
        "response_modes_supported": ["query"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "issuer": discovery_issuer(base, &tenant),
        "request_uri_parameter_supported": false,
        "userinfo_endpoint": format!("{base}/graph/oidc/userinfo"),
        "authorization_endpoint": format!("{base}/{tenant}/oauth2/v2.0/authorize"),
        "device_authorization_endpoint": format!("{base}/{tenant}/oauth2/v2.0/devicecode"),
        "http_logout_supported": true,
        "frontchannel_logout_supported": true,
        "end_session_endpoint": format!("{base}/{tenant}/oauth2/v2.0/logout"),
        "claims_supported": ["sub", "iss", "aud", "exp", "iat", "nbf", "auth_time", "nonce", "name",
            "preferred_username", "email", "oid", "tid", "ver", "uti"],
        "code_challenge_methods_supported": ["S256"],
        "authorization_response_iss_parameter_supported": true,
        "kerberos_endpoint": format!("{base}/{tenant}/kerberos"),
        "tenant_region_scope": if tenant_region.is_empty() { serde_json::Value::Null } else { json!(tenant_region) },
        "cloud_instance_name": "sandbox.patchbay.invalid",
        "cloud_graph_host_name": "graph.sandbox.patchbay.invalid",
        "msgraph_host": st.base.trim_start_matches("http://").to_string() + "/graph",
        "rbac_url": format!("{base}/rbac"),
    }))
    .into_response()
}

pub async fn jwks(State(st): State<Arc<AppState>>, Path(tenant): Path<String>) -> Response {
    st.lock().stats.jwks_requests += 1;
    if !tenant_known(&tenant) {
        return AadError::tenant_not_found(&tenant).to_json_response(&st.base);
    }
    let issuer = discovery_issuer(&st.base, &tenant);
    Json(json!({ "keys": [st.signer.jwk(&issuer)] })).into_response()
}
