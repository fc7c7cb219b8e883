//! RS256 JSON Web Tokens, signed with a fixed RSA key embedded in the source (it is a sandbox: anyone may
//! read this key, so nothing it signs is trustworthy outside the sandbox). Published at the JWKS URI.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use ring::rand::SystemRandom;
use ring::rsa::PublicKeyComponents;
use ring::signature::{KeyPair as _, RsaKeyPair, RSA_PKCS1_SHA256};
use serde_json::{json, Value};

const SIGNING_KEY_PEM: &str = include_str!("sandbox-signing-key.pem");

pub struct Signer {
    key: RsaKeyPair,
    rng: SystemRandom,
    pub kid: String,
    n: String,
    e: String,
}

#[derive(Debug, thiserror::Error)]
#[error("could not sign the token")]
pub struct SignError;

impl Signer {
    pub fn load() -> std::io::Result<Signer> {
        let bad = |what: &str| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("sandbox key: {what}"),
            )
        };
        let b64: String = SIGNING_KEY_PEM
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .collect();
        let der = STANDARD.decode(b64.trim()).map_err(|_| bad("not base64"))?;
        let key = RsaKeyPair::from_pkcs8(&der).map_err(|e| bad(&e.to_string()))?;
        let components = PublicKeyComponents::<Vec<u8>>::from(key.public_key());
        let n = URL_SAFE_NO_PAD.encode(&components.n);
        let e = URL_SAFE_NO_PAD.encode(&components.e);
        // A thumbprint-like key id, stable for the embedded key.
        let digest = ring::digest::digest(&ring::digest::SHA256, &components.n);
        let kid = URL_SAFE_NO_PAD.encode(&digest.as_ref()[..20]);
        Ok(Signer {
            key,
            rng: SystemRandom::new(),
            kid,
            n,
            e,
        })
    }

    /// `header.claims.signature` with `{"typ":"JWT","alg":"RS256","kid":...}`.
    pub fn sign(&self, claims: &Value) -> Result<String, SignError> {
        let header = json!({"typ": "JWT", "alg": "RS256", "kid": self.kid});
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let mut signature = vec![0u8; self.key.public().modulus_len()];
        self.key
            .sign(
                &RSA_PKCS1_SHA256,
                &self.rng,
                signing_input.as_bytes(),
                &mut signature,
            )
            .map_err(|_| SignError)?;
        Ok(format!(
            "{signing_input}.{}",
            URL_SAFE_NO_PAD.encode(signature)
        ))
    }

    /// The JSON Web Key, in Microsoft's JWKS shape (with the `issuer` extension).
    pub fn jwk(&self, issuer: &str) -> Value {
        json!({
            "kty": "RSA",
            "use": "sig",
            "alg": "RS256",
            "kid": self.kid,
            "n": self.n,
            "e": self.e,
            "issuer": issuer,
        })
    }

    #[cfg(test)]
    pub fn verify(&self, token: &str) -> bool {
        use ring::signature::{UnparsedPublicKey, RSA_PKCS1_2048_8192_SHA256};
        let Some((input, sig)) = token.rsplit_once('.') else {
            return false;
        };
        let Ok(sig) = URL_SAFE_NO_PAD.decode(sig) else {
            return false;
        };
        UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, self.key.public_key().as_ref())
            .verify(input.as_bytes(), &sig)
            .is_ok()
    }
}

#[cfg(test)]
/// The claims of a JWT, without checking the signature (the sandbox checks tokens by lookup).
pub fn decode_claims(token: &str) -> Option<Value> {
    let mut parts = token.split('.');
    let (_, claims, _) = (parts.next()?, parts.next()?, parts.next()?);
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(claims).ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_and_verifies() {
        let signer = Signer::load().unwrap();
        let token = signer.sign(&json!({"sub": "x"})).unwrap();
        assert!(signer.verify(&token));
        assert_eq!(decode_claims(&token).unwrap()["sub"], "x");
        let tampered = token.replacen('.', ".e30", 1);
        assert!(!signer.verify(&tampered));
        assert_eq!(signer.jwk("i")["kid"], signer.kid.as_str());
    }
}
