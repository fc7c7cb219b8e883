//! `GET /_sandbox/proof?challenge=…`: the sandbox proves it is the one a listing names, without saying its key.
//!
//! Each run has a random key, which only the program that started it learns (in process, or from the one line
//! the `patchbay-sandbox` binary prints on its standard output) and writes in its listing (`sandbox.json`, in a
//! 0700 folder). A reader sends a fresh random challenge and checks the answer, HMAC-SHA256 of the challenge
//! under that key: a program that took the port after the sandbox ended, or answers in its place, cannot make
//! it, and learns nothing from answers it saw (each challenge is new). Served whether control is on or not.

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use ring::hmac;

use crate::state::AppState;
use crate::util::parse_pairs;

/// What the proof is of: a key of this sandbox, used for nothing else.
const CONTEXT: &[u8] = b"patchbay-sandbox-proof/1\0";

/// A new random key, for one run.
pub fn new_key() -> [u8; 32] {
    let mut key = [0u8; 32];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut key)
        .expect("the system's random source");
    key
}

/// The key as a listing writes it (base64url, no padding).
pub fn encode_key(key: &[u8; 32]) -> String {
    URL_SAFE_NO_PAD.encode(key)
}

/// The proof for `challenge` under `key`: what a reader computes too, and compares.
pub fn prove(key: &[u8], challenge: &[u8]) -> Vec<u8> {
    let key = hmac::Key::new(hmac::HMAC_SHA256, key);
    let mut context = hmac::Context::with_key(&key);
    context.update(CONTEXT);
    context.update(challenge);
    context.sign().as_ref().to_vec()
}

/// `GET /_sandbox/proof?challenge=BASE64URL` (16 to 64 bytes) → `{"proof": BASE64URL}`.
pub async fn answer(State(st): State<Arc<AppState>>, RawQuery(query): RawQuery) -> Response {
    let pairs = parse_pairs(query.unwrap_or_default().as_bytes());
    let challenge = pairs
        .get("challenge")
        .and_then(|c| URL_SAFE_NO_PAD.decode(c).ok())
        .filter(|c| (16..=64).contains(&c.len()));
    match challenge {
        Some(challenge) => Json(serde_json::json!({
            "proof": URL_SAFE_NO_PAD.encode(prove(&st.proof_key, &challenge)),
        }))
        .into_response(),
        None => (
            StatusCode::BAD_REQUEST,
            "Give ?challenge= with 16 to 64 random bytes in base64url.\n",
        )
            .into_response(),
    }
}
