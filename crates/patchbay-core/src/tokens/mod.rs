//! The token manager: an access token for a connection whenever one is asked for, refreshed when needed, one
//! refresh at a time per connection across every Patchbay process, the rotated refresh token sealed before the
//! access token is handed out, and every failure classified.

mod client_secret;
pub mod error;
pub mod lock;
mod manager;
mod memo;
mod policy;
mod retry;

pub use error::{CredentialsReason, ReconnectReason, RefreshError, Unreachable, UnreachableKind};
pub use manager::TokenManager;
pub use policy::{AccessToken, TokenPolicy};
pub use retry::RetryPolicy;
