//! Walk the sandbox's sign-in pages over plain HTTP, as a browser would (for other crates' tests).
//!
//! Enabled by the `driver` feature. The client must not follow redirects
//! (`reqwest::Client::builder().redirect(reqwest::redirect::Policy::none())`).

use url::Url;

/// Open `auth_url` (an `/authorize` URL), sign in as `user_email` and, if asked, accept (or decline) the
/// consent page. Returns the final redirect — the `Location` pointing at the app's redirect URI, carrying
/// `code`, `state` and `iss` (or `error` and `error_description`). `Err` if a page shows an error, or on HTTP
/// failures.
pub async fn sign_in(
    client: &reqwest::Client,
    auth_url: &Url,
    user_email: &str,
    accept_consent: bool,
) -> Result<Url, String> {
    let mut response = client
        .get(auth_url.clone())
        .send()
        .await
        .map_err(|e| format!("GET {auth_url}: {e}"))?;
    for _ in 0..6 {
        let current = response.url().clone();
        if response.status().is_redirection() {
            let location = response
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .ok_or_else(|| {
                    format!("{} from {current} without a Location", response.status())
                })?;
            return current
                .join(location)
                .map_err(|e| format!("bad Location '{location}': {e}"));
        }
        let status = response.status();
        let html = response
            .text()
            .await
            .map_err(|e| format!("reading {current}: {e}"))?;
        let kind = meta(&html, "pb-page").unwrap_or_default();
        let form: Vec<(&str, String)> = match kind.as_str() {
            "sign-in" => vec![
                ("login", user_email.to_string()),
                ("passwd", "demo".to_string()),
            ],
            "consent" | "admin-consent" => {
                vec![(
                    "accept",
                    if accept_consent { "yes" } else { "no" }.to_string(),
                )]
            }
            "error" => {
                return Err(meta(&html, "pb-error")
                    .unwrap_or_else(|| format!("error page ({status}) at {current}")))
            }
            _ => return Err(format!("unexpected page ({status}) at {current}")),
        };
        // Sign-in page showing an error (unknown account) after our post: stop rather than loop.
        if kind == "sign-in" && html.contains("role=\"alert\"") {
            return Err(format!("sign-in failed for '{user_email}' at {current}"));
        }
        let action = meta(&html, "pb-action").ok_or("page without pb-action")?;
        let tx = meta(&html, "pb-tx").ok_or("page without pb-tx")?;
        let target = current
            .join(&action)
            .map_err(|e| format!("bad form action '{action}': {e}"))?;
        let mut fields = vec![("tx", tx)];
        fields.extend(form);
        response = client
            .post(target.clone())
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(encode_form(&fields))
            .send()
            .await
            .map_err(|e| format!("POST {target}: {e}"))?;
    }
    Err("too many pages without reaching the app's redirect URI".into())
}

fn encode_form(fields: &[(&str, String)]) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in fields {
        s.append_pair(k, v);
    }
    s.finish()
}

/// The content of `<meta name="{name}" content="...">`, unescaped.
fn meta(html: &str, name: &str) -> Option<String> {
    let needle = format!("<meta name=\"{name}\" content=\"");
    let start = html.find(&needle)? + needle.len();
    let end = html[start..].find('"')? + start;
    Some(unescape(&html[start..end]))
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_meta() {
        let html = r#"<meta name="pb-error" content="AADSTS1: a &lt;b&gt; &amp;amp;">"#;
        assert_eq!(meta(html, "pb-error").unwrap(), "AADSTS1: a <b> &amp;");
        assert_eq!(meta(html, "pb-x"), None);
    }
}
