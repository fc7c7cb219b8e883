//! OAuth 2.0 authorization code + PKCE with OpenID Connect, as Microsoft's identity platform (and any
//! standards-compliant OpenID provider) speaks it.

pub mod aad;
mod answer;
pub mod callback;
pub mod discovery;
mod guard;
pub mod id_token;
pub mod redirect;
pub mod token;

pub use aad::{explain_provider_error, ErrorContext, ProviderError};
pub use callback::{CallbackParams, LoopbackListener};
pub use discovery::{Discovery, ProviderMetadata};
pub use id_token::{validate_id_token, IdTokenClaims};
pub use token::{TokenClient, TokenSet};

/// Build the reqwest client every OAuth and Graph call uses: no redirects (token requests must not follow
/// them), rustls, sane timeouts.
pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(std::time::Duration::from_secs(10))
        .timeout(std::time::Duration::from_secs(30))
        .user_agent(concat!("Patchbay/", env!("CARGO_PKG_VERSION")))
        .build()
        .expect("the HTTP client configuration is static")
}
