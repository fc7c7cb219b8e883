//! What the wizard tells a person to register for their own app: the redirect URI and the Entra platform to put
//! it under, from what they typed (or the default) and whether the app has a secret. The plan asks the same
//! question, so what is advised is what is used.

use crate::error::ErrorInfo;
use crate::model::RedirectAdvice;
use crate::oauth::callback::LoopbackRedirect;

/// The deep-link redirect URI (register it under "Mobile and desktop applications").
pub const DEEP_LINK_REDIRECT: &str = "patchbay://oauth/callback";

/// The redirect URI to register for a bring-your-own app, and under which platform.
pub fn redirect_advice(
    redirect_uri: Option<&str>,
    confidential: bool,
) -> Result<RedirectAdvice, ErrorInfo> {
    let uri = redirect_uri
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .unwrap_or("http://localhost");
    if uri == DEEP_LINK_REDIRECT {
        return Ok(RedirectAdvice {
            redirect_uri: uri.into(),
            platform: "Mobile and desktop applications".into(),
            explanation: "The browser hands the sign-in back to Patchbay through its patchbay:// link. Public clients only (no secret).".into(),
        });
    }
    let redirect = LoopbackRedirect::parse(uri)?;
    let (platform, explanation) = if confidential {
        (
            "Web",
            "With a client secret, register it under Web. Microsoft ignores the port of http://localhost, so Patchbay can pick a free one each time.",
        )
    } else {
        (
            "Mobile and desktop applications",
            "Without a secret (a public client), register it under Mobile and desktop applications. Any port works for http://localhost.",
        )
    };
    Ok(RedirectAdvice {
        redirect_uri: redirect.to_register(),
        platform: platform.into(),
        explanation: explanation.into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_advice_names_the_platform() {
        let web = redirect_advice(None, true).unwrap();
        assert_eq!(
            (web.redirect_uri.as_str(), web.platform.as_str()),
            ("http://localhost", "Web")
        );
        let public = redirect_advice(Some("http://localhost:8400/cb"), false).unwrap();
        assert_eq!(public.platform, "Mobile and desktop applications");
        assert!(redirect_advice(Some("ftp://x"), false).is_err());
    }
}
