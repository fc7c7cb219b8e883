//! Fuzz targets: one function per kind of input Patchbay reads from outside, each driving the real code with
//! arbitrary bytes. `fuzz/` runs them under libFuzzer (`scripts/fuzz`, nightly); `tests/fuzz_corpus.rs` replays
//! the committed corpus and the regressions through the same functions on stable. See docs/FUZZING.md.
//!
//! No target panics on its own account: a panic is a bug in the code it drives, or a broken promise of that
//! code (asserted here, next to the call). Every call is cheap: no network, no socket, no fsync.

mod provider;
mod sign_in;
mod storage;

pub use provider::{discovery_document, id_token_claims, pasted_error, token_response};
pub use sign_in::{callback_request, deep_link, redirect_uri};
pub use storage::{open_sealed_file, seal_for_corpus, sealed_file, store_json};

use crate::connect::flows::Flows;
use crate::connect::{redirect_advice, DEEP_LINK_REDIRECT};
use crate::error::{ErrorCode, ErrorInfo};
use crate::oauth::aad::{explain_provider_error, ErrorContext, ProviderError};
use crate::oauth::callback::{state_matches, CallbackParams, HeadEnd, LoopbackRedirect};
use crate::oauth::discovery::{discovery_url, ProviderMetadata};
use crate::oauth::id_token::{validate_id_token, IdTokenClaims};
use crate::oauth::token::{AnswerMeta, IdTokenField, TokenClient, TokenError, TokenSet};
use crate::secrets::ConnectionSecrets;
use crate::store::{Store, STORE_VERSION};
use crate::tokens::RefreshError;
use crate::vault::{KeyStore, MemoryKeyStore, Vault, VaultError};
use axum::extract::Query;
use axum::http::Uri;
use base64::Engine;
use secrecy::{ExposeSecret, SecretString};
use std::collections::HashMap;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use tokio_util::sync::CancellationToken;
use url::Url;

/// A fuzz target: takes any bytes.
pub type Target = fn(&[u8]);

/// Every target by name (the names of `fuzz/fuzz_targets/*.rs` and `fuzz/corpus/*/`).
pub const TARGETS: &[(&str, Target)] = &[
    ("callback_request", callback_request),
    ("redirect_uri", redirect_uri),
    ("deep_link", deep_link),
    ("pasted_error", pasted_error),
    ("id_token_claims", id_token_claims),
    ("discovery_document", discovery_document),
    ("token_response", token_response),
    ("store_json", store_json),
    ("sealed_file", sealed_file),
];

/// The `state` (and ID-token `nonce`) the sign-in under fuzz waits for. Seeds carry it.
pub const STATE: &str = "fuzz-state-3c1e9f0a7b2d4e6f8a0b1c2d3e4f5a6b";
pub const NONCE: &str = "fuzz-nonce-9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a";
/// The app the ID tokens under fuzz are for.
pub const CLIENT_ID: &str = "4a1aa1d5-c567-49d0-ad0b-cd957a47f842";
/// "Now" for the ID-token checks (2027-01-15), so that seeds stay valid.
pub const NOW: i64 = 1_800_000_000;
/// The vault key the sealed-file target opens with, and the name its file is opened as.
pub const VAULT_KEY: [u8; 32] = *b"patchbay-fuzz-vault-key-32-bytes";
pub const SEALED_NAME: &str = "0f8fad5b-d9cb-469f-a165-70867728950e";

fn assert_words(e: &ErrorInfo) {
    assert!(
        !e.title.trim().is_empty() && !e.message.trim().is_empty(),
        "an error without words: {e:?}"
    );
}

fn error_context() -> &'static ErrorContext {
    static CTX: OnceLock<ErrorContext> = OnceLock::new();
    CTX.get_or_init(|| ErrorContext {
        authority: Url::parse("https://login.microsoftonline.com/organizations/v2.0")
            .expect("static URL"),
        tenant: "organizations".into(),
        client_id: CLIENT_ID.into(),
        redirect_uri_to_register: "http://localhost".into(),
        redirect_platform: "Mobile and desktop applications".into(),
        scopes: vec![
            "openid".into(),
            "offline_access".into(),
            "Mail.Read".into(),
            "Calendars.Read".into(),
        ],
        graph_url: Url::parse("https://graph.microsoft.com").expect("static URL"),
        built_in_app: false,
    })
}
