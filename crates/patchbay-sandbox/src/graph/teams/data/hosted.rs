//! Hosted content (the images in a message): its ID, its bytes, the URL it is fetched from and the HTML
//! that shows it.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;

use crate::graph::ids::hex;

/// A hosted content ID as Teams writes them: base64 of `id=…,type=1,url=…/views/imgo`.
pub fn hosted_id(seed: &str) -> String {
    let object = format!(
        "0-wus-d3-{}",
        hex(&["teams-hosted", seed], 16).to_lowercase()
    );
    URL_SAFE_NO_PAD.encode(format!(
        "id=x_{object},type=1,url=https://us-api.asm.skype.com/v1/objects/{object}/views/imgo"
    ))
}

/// A small PNG (a 24×24 swatch in the seed's colour).
pub fn image(seed: &str) -> Vec<u8> {
    let h = crate::graph::ids::digest(&["teams-image", seed]);
    crate::graph::drive::formats::png(24, 24, |x, y| {
        if (x / 6 + y / 6) % 2 == 0 {
            [h[0], h[1], h[2]]
        } else {
            [255, 255, 255]
        }
    })
}

/// Where a hosted content is fetched: `{graph}/v1.0/{conversation path}/messages/{id}/hostedContents/{hid}/$value`
/// (the conversation path `chats/{id}` or `teams/{id}/channels/{id}`, written unencoded, as Graph does).
pub fn hosted_url(base: &str, conversation: &str, message: &str, hosted: &str) -> String {
    format!("{base}/graph/v1.0/{conversation}/messages/{message}/hostedContents/{hosted}/$value")
}

pub fn image_html(url: &str) -> String {
    format!(
        "<p><img src=\"{url}\" width=\"24\" height=\"24\" alt=\"image\" style=\"vertical-align:bottom; width:24px; \
         height:24px\"></p>"
    )
}
