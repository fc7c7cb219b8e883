//! Who is asking at the token endpoint: the client's id and secret from HTTP Basic (`client_secret_basic`) or the
//! body (`client_secret_post`), checked against the app registration in Microsoft's words.

use std::collections::HashMap;

use axum::http::{header, HeaderMap};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

use crate::errors::AadError;
use crate::state::App;
use crate::util::{self, param};

/// Percent-decode one `application/x-www-form-urlencoded` component (RFC 6749 §2.3.1 Basic credentials).
fn form_decode(s: &str) -> String {
    fn hex(b: u8) -> Option<u8> {
        (b as char).to_digit(16).and_then(|d| u8::try_from(d).ok())
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => match (
                bytes.get(i + 1).copied().and_then(hex),
                bytes.get(i + 2).copied().and_then(hex),
            ) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// (client_id, client_secret) from HTTP Basic (client_secret_basic) or the body (client_secret_post).
pub(crate) fn client_credentials(
    headers: &HeaderMap,
    form: &HashMap<String, String>,
) -> Result<(Option<String>, Option<String>), AadError> {
    if let Some(auth) = headers.get(header::AUTHORIZATION) {
        let malformed = || {
            AadError::new(
                "invalid_client",
                7000215,
                "Invalid client secret provided. The Authorization header is malformed.",
            )
        };
        let value = auth.to_str().map_err(|_| malformed())?;
        if let Some(b64) = value
            .strip_prefix("Basic ")
            .or_else(|| value.strip_prefix("basic "))
        {
            let decoded = STANDARD.decode(b64.trim()).map_err(|_| malformed())?;
            let text = String::from_utf8(decoded).map_err(|_| malformed())?;
            let (id, secret) = text.split_once(':').ok_or_else(malformed)?;
            return Ok((Some(form_decode(id)), Some(form_decode(secret))));
        }
    }
    Ok((
        param(form, "client_id").map(str::to_string),
        param(form, "client_secret").map(str::to_string),
    ))
}

pub(crate) fn authenticate(app: &App, secret: Option<&str>) -> Result<(), AadError> {
    match (&app.secret, secret) {
        (None, None) => Ok(()),
        (None, Some(_)) => Err(AadError::new(
            "invalid_client",
            700025,
            "Client is public so neither 'client_assertion' nor 'client_secret' should be presented.",
        )),
        (Some(_), None) => Err(AadError::new(
            "invalid_client",
            7000218,
            "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
        )),
        (Some(expected), Some(given)) if *expected == util::sha256_hex(given) => {
            if app.secret_expired {
                Err(AadError::new(
                    "invalid_client",
                    7000222,
                    format!(
                        "The provided client secret keys for app '{}' are expired. Visit the Azure portal to create \
                         new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate \
                         credentials for added security: https://aka.ms/certCreds.",
                        app.client_id
                    ),
                ))
            } else {
                Ok(())
            }
        }
        (Some(_), Some(_)) => Err(AadError::new(
            "invalid_client",
            7000215,
            format!(
                "Invalid client secret provided. Ensure the secret being sent in the request is the client secret \
                 value, not the client secret ID, for a secret added to app '{}'.",
                app.client_id
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::form_decode;

    #[test]
    fn decodes_basic_components() {
        assert_eq!(form_decode("a%3Ab+c"), "a:b c");
        assert_eq!(form_decode("100%"), "100%");
        assert_eq!(form_decode("%zz%4"), "%zz%4");
        assert_eq!(form_decode("~._-"), "~._-");
    }
}
