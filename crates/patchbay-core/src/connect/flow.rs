//! The *flow* of a sign-in: discovery, the listener (or the deep link), the browser, the wait, then the
//! checks that the answer is this provider's (RFC 9207 `iss`, the ID token's issuer, audience, expiry and
//! nonce) and the code exchange. Returns the tokens and who signed in; stores nothing.

use super::advice::DEEP_LINK_REDIRECT;
use super::flows::FlowSlot;
use super::plan::{Plan, Redirect};
use super::ConnectOptions;
use crate::environment::EnvironmentId;
use crate::error::{ErrorCode, ErrorInfo};
use crate::model::ConnectEvent;
use crate::oauth::aad::{explain_provider_error, ErrorContext, ProviderError};
use crate::oauth::callback::LoopbackListener;
use crate::oauth::discovery::{Discovery, ProviderMetadata};
use crate::oauth::id_token::{validate_id_token, IdTokenClaims};
use crate::oauth::token::{new_pkce, new_random_token, AuthorizeParams, TokenClient, TokenSet};
use secrecy::{ExposeSecret, SecretString};
use std::time::Duration;

/// A completed sign-in.
pub struct SignedIn {
    pub tokens: TokenSet,
    pub refresh_token: SecretString,
    pub claims: IdTokenClaims,
}

/// Run the browser part of a sign-in for `plan`. `events` gets the progress; the slot's token cancels.
pub async fn sign_in(
    http: &reqwest::Client,
    discovery: &Discovery,
    plan: &Plan,
    slot: &FlowSlot,
    options: &ConnectOptions,
    events: &(dyn Fn(ConnectEvent) + Send + Sync),
) -> Result<SignedIn, ErrorInfo> {
    let metadata = discovery.get(http, &plan.endpoints.authority).await?;
    let state = new_random_token();
    let nonce = new_random_token();
    let (challenge, verifier) = new_pkce();

    let (mut listener, redirect_uri) = match &plan.redirect {
        Redirect::Loopback(loopback) => {
            let listener = LoopbackListener::bind(loopback, state.clone()).await?;
            let uri = listener.redirect_uri().to_string();
            (Some(listener), uri)
        }
        Redirect::DeepLink => (None, DEEP_LINK_REDIRECT.to_string()),
    };
    let inbox = slot.waiting(
        &state,
        &plan.ctx,
        matches!(plan.redirect, Redirect::DeepLink),
    );

    let client = TokenClient::new(
        &metadata,
        &plan.client_id,
        plan.client_secret.as_ref(),
        Some(&redirect_uri),
        http.clone(),
    )?;
    // A new connection always lets the person pick the account, so the browser's current one is never bound
    // silently (where the provider supports it: Microsoft and the sandbox do without saying so). A fix names
    // its account instead, and the result is checked against it.
    let prompt = (plan.login_hint.is_none()
        && supports_select_account(&metadata, plan.environment))
    .then_some("select_account");
    let auth_url = client.authorize_url(AuthorizeParams {
        scopes: &plan.scopes,
        state: &state,
        nonce: &nonce,
        pkce_challenge: challenge,
        prompt,
        login_hint: plan.login_hint.as_deref(),
    });
    let opened = options.open_browser && crate::browser::open(auth_url.as_str());
    if options.open_browser && !opened {
        tracing::warn!("the system browser could not be opened; the person can copy the link");
    }
    events(ConnectEvent::WaitingForBrowser {
        flow_id: slot.id().into(),
        auth_url: auth_url.to_string(),
        redirect_uri: redirect_uri.clone(),
        opened,
    });

    let from_loopback = async {
        match listener.as_mut() {
            Some(l) => l.wait().await,
            None => std::future::pending().await,
        }
    };
    let params = tokio::select! {
        Some(params) = from_loopback => params,
        Ok(params) = inbox.deep_link => params,
        Ok(error) = inbox.abort => return Err(error),
        _ = slot.cancel.cancelled() => return Err(cancelled()),
        _ = tokio::time::sleep(options.timeout) => return Err(timed_out(options.timeout, &plan.ctx)),
    };
    drop(listener);

    if let Some(error) = &params.error {
        let provider = ProviderError::new(error, params.error_description.as_deref());
        return Err(explain_provider_error(&provider, &plan.ctx));
    }
    check_response_issuer(params.iss.as_deref(), &metadata)?;
    let code = params.code.clone().ok_or_else(|| {
        ErrorInfo::new(
            ErrorCode::ProviderError,
            "The sign-in came back without a code.",
            "Start again.",
        )
    })?;

    events(ConnectEvent::Exchanging {
        flow_id: slot.id().into(),
    });
    let tokens = client
        .exchange_code(code, verifier)
        .await
        .map_err(|e| e.explain(&plan.ctx))?;
    let id_token = tokens.id_token.as_ref().ok_or_else(|| {
        ErrorInfo::new(
            ErrorCode::ProviderError,
            "The sign-in service did not say who signed in (no ID token).",
            "Make sure the openid scope is allowed for the app.",
        )
    })?;
    let claims = validate_id_token(
        id_token.expose_secret(),
        &metadata,
        &plan.client_id,
        &nonce,
        crate::clock::now_unix(),
    )?;
    if let Some(iss) = &params.iss {
        if iss != &claims.iss {
            return Err(ErrorInfo::new(
                ErrorCode::StateMismatch,
                "The sign-in's issuer changed between the browser and the token.",
                "Patchbay refused it to protect your account. Start again.",
            ));
        }
    }
    let refresh_token = tokens.refresh_token.clone().ok_or_else(|| {
        ErrorInfo::new(
            ErrorCode::InvalidScope,
            "The sign-in service gave no refresh token, so the connection would stop within the hour.",
            "Make sure the offline_access permission is allowed for the app (an administrator may need to approve it), then connect again.",
        )
    })?;
    Ok(SignedIn {
        tokens,
        refresh_token,
        claims,
    })
}

/// RFC 9207: a provider that announces `iss` must send its own; any `iss` must be this provider's.
fn check_response_issuer(iss: Option<&str>, metadata: &ProviderMetadata) -> Result<(), ErrorInfo> {
    match iss {
        Some(iss) if !metadata.matches_issuer(iss) => Err(ErrorInfo::new(
            ErrorCode::StateMismatch,
            "The sign-in came back from a different sign-in service.",
            "Patchbay refused it to protect your account. Start again.",
        )
        .with_detail(format!("iss {iss:?} is not {:?}", metadata.issuer))),
        None if metadata.authorization_response_iss_parameter_supported => Err(ErrorInfo::new(
            ErrorCode::StateMismatch,
            "The sign-in response is missing its issuer.",
            "Patchbay refused it to protect your account. Start again.",
        )),
        _ => Ok(()),
    }
}

/// Whether to send `prompt=select_account`: when discovery lists it, or for Microsoft's clouds and the sandbox
/// (whose discovery documents do not list prompt values).
fn supports_select_account(metadata: &ProviderMetadata, environment: EnvironmentId) -> bool {
    match &metadata.prompt_values_supported {
        Some(values) => values.iter().any(|v| v == "select_account"),
        None => {
            let microsoft_host = metadata.authorization_endpoint.host_str().is_some_and(|h| {
                [
                    "login.microsoftonline.com",
                    "login.microsoftonline.us",
                    "login.chinacloudapi.cn",
                    "login.partner.microsoftonline.cn",
                ]
                .contains(&h)
            });
            environment != EnvironmentId::Custom || microsoft_host
        }
    }
}

pub(crate) fn cancelled() -> ErrorInfo {
    ErrorInfo::new(
        ErrorCode::Cancelled,
        "Sign-in was cancelled.",
        "Nothing was changed.",
    )
}

/// No sign-in came back in time. Microsoft shows some errors on its own page without redirecting back, so
/// the message names the fix for the two a person most likely saw there.
fn timed_out(timeout: Duration, ctx: &ErrorContext) -> ErrorInfo {
    ErrorInfo::new(
        ErrorCode::Timeout,
        format!("No sign-in arrived within {}.", minutes(timeout)),
        format!(
            "Start again and finish signing in in the browser (or copy the link into your browser). If the browser showed AADSTS50011, \
             add the redirect URI {} under the platform \"{}\" of the app registration; if it showed AADSTS700016, check the client ID {} \
             and the tenant \"{}\".",
            ctx.redirect_uri_to_register, ctx.redirect_platform, ctx.client_id, ctx.tenant
        ),
    )
}

fn minutes(duration: Duration) -> String {
    match duration.as_secs().div_ceil(60) {
        1 => "1 minute".to_string(),
        n => format!("{n} minutes"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metadata(issuer: &str, iss_supported: bool) -> ProviderMetadata {
        ProviderMetadata {
            issuer: issuer.into(),
            authorization_endpoint: url::Url::parse("https://idp.example/authorize").unwrap(),
            token_endpoint: url::Url::parse("https://idp.example/token").unwrap(),
            jwks_uri: None,
            authorization_response_iss_parameter_supported: iss_supported,
            prompt_values_supported: None,
        }
    }

    #[test]
    fn the_response_issuer_must_be_this_providers() {
        let m = metadata("https://login.microsoftonline.com/{tenantid}/v2.0", true);
        assert!(
            check_response_issuer(Some("https://login.microsoftonline.com/abc-1/v2.0"), &m).is_ok()
        );
        assert!(check_response_issuer(Some("https://evil.example/abc/v2.0"), &m).is_err());
        assert!(check_response_issuer(None, &m).is_err());
        assert!(check_response_issuer(None, &metadata("https://idp.example", false)).is_ok());
    }

    #[test]
    fn select_account_only_where_it_is_understood() {
        let mut m = metadata("https://idp.example", false);
        assert!(!supports_select_account(&m, EnvironmentId::Custom));
        assert!(supports_select_account(&m, EnvironmentId::Sandbox));
        m.prompt_values_supported = Some(vec!["login".into(), "select_account".into()]);
        assert!(supports_select_account(&m, EnvironmentId::Custom));
    }

    #[test]
    fn the_timeout_names_minutes() {
        assert_eq!(minutes(Duration::from_secs(60)), "1 minute");
        assert_eq!(minutes(Duration::from_secs(300)), "5 minutes");
    }
}
