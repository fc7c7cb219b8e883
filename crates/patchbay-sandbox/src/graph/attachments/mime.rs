//! An attached mail as Graph's `$value` gives it: MIME (RFC 5322 headers, `multipart/alternative` with a
//! plain-text and an HTML part), lines ended by CRLF, non-ASCII words in headers as RFC 2047 encoded words and
//! non-ASCII bodies in base64.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

use super::super::ids;
use super::super::messages::json::html;
use super::model::AttachedMail;

/// The mail as MIME.
pub fn render(mail: &AttachedMail) -> Vec<u8> {
    let boundary = format!(
        "_000_{}_",
        ids::hex(&[&mail.internet_message_id, "boundary"], 16)
    );
    let mut out = String::new();
    let mut header = |name: &str, value: &str| {
        out.push_str(name);
        out.push_str(": ");
        out.push_str(value);
        out.push_str("\r\n");
    };
    header("From", &mailbox(&mail.from.0, &mail.from.1));
    let to: Vec<String> = mail.to.iter().map(|(n, a)| mailbox(n, a)).collect();
    header("To", &to.join(",\r\n\t"));
    header("Subject", &words(&mail.subject));
    header("Thread-Topic", &words(&mail.subject));
    header(
        "Date",
        &mail
            .sent
            .strftime("%a, %d %b %Y %H:%M:%S +0000")
            .to_string(),
    );
    header("Message-ID", &one_line(&mail.internet_message_id));
    header("Content-Language", "en-US");
    header("X-MS-Has-Attach", "");
    header(
        "Content-Type",
        &format!("multipart/alternative;\r\n\tboundary=\"{boundary}\""),
    );
    header("MIME-Version", "1.0");
    out.push_str("\r\n");
    let text = crlf(&mail.body);
    part(&mut out, &boundary, "text/plain", &text);
    part(&mut out, &boundary, "text/html", &html(&text));
    out.push_str(&format!("--{boundary}--\r\n"));
    out.into_bytes()
}

/// One part: 7bit when it is ASCII in short lines, else base64 in 76-character lines.
fn part(out: &mut String, boundary: &str, media: &str, content: &str) {
    let plain = content.is_ascii() && content.split("\r\n").all(|l| l.len() <= 998);
    out.push_str(&format!("--{boundary}\r\n"));
    if plain {
        out.push_str(&format!(
            "Content-Type: {media}; charset=\"us-ascii\"\r\n\r\n{content}\r\n\r\n"
        ));
    } else {
        out.push_str(&format!(
            "Content-Type: {media}; charset=\"utf-8\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        ));
        let encoded = STANDARD.encode(content.as_bytes());
        for chunk in encoded.as_bytes().chunks(76) {
            out.push_str(std::str::from_utf8(chunk).unwrap_or(""));
            out.push_str("\r\n");
        }
        out.push_str("\r\n");
    }
}

/// Line breaks as CRLF, whatever the text had.
fn crlf(text: &str) -> String {
    text.replace("\r\n", "\n")
        .replace('\r', "\n")
        .replace('\n', "\r\n")
}

/// A header value on one line: a CR or LF in it (a hostile name, say) becomes a space.
fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c == '\r' || c == '\n' { ' ' } else { c })
        .collect()
}

/// Free text for a header: as it is when it is printable ASCII, else RFC 2047 encoded words (base64, UTF-8),
/// each at most 75 characters, folded onto continuation lines.
pub fn words(text: &str) -> String {
    let text = one_line(text);
    if text.chars().all(|c| c == ' ' || c.is_ascii_graphic()) {
        return text;
    }
    let mut chunks: Vec<String> = Vec::new();
    let mut current = String::new();
    for c in text.chars() {
        // 45 bytes of UTF-8 make 60 characters of base64, so a word stays within 75.
        if current.len() + c.len_utf8() > 45 {
            chunks.push(std::mem::take(&mut current));
        }
        current.push(c);
    }
    if !current.is_empty() {
        chunks.push(current);
    }
    chunks
        .iter()
        .map(|c| format!("=?utf-8?B?{}?=", STANDARD.encode(c.as_bytes())))
        .collect::<Vec<_>>()
        .join("\r\n ")
}

/// `Name <address>`: the name quoted where it has specials, encoded where it is not ASCII.
fn mailbox(name: &str, address: &str) -> String {
    let address = one_line(address);
    let name = one_line(name);
    if name.trim().is_empty() {
        return format!("<{address}>");
    }
    let atext = |c: char| c.is_ascii_alphanumeric() || " !#$%&'*+-/=?^_`{|}~".contains(c);
    let shown = if name.chars().all(atext) {
        name
    } else if name.chars().all(|c| c == ' ' || c.is_ascii_graphic()) {
        format!("\"{}\"", name.replace('\\', "\\\\").replace('"', "\\\""))
    } else {
        words(&name)
    };
    format!("{shown} <{address}>")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mail(subject: &str, from: &str, body: &str) -> AttachedMail {
        AttachedMail {
            subject: subject.into(),
            from: (from.into(), "ada@contoso.example".into()),
            to: vec![("Adele Vance".into(), "adele@contoso.example".into())],
            body: body.into(),
            sent: "2026-11-20T09:30:00Z".parse().unwrap(),
            internet_message_id: "<ABC@contoso.example>".into(),
        }
    }

    #[test]
    fn an_ascii_mail_is_readable_as_it_is() {
        let mime = String::from_utf8(render(&mail(
            "Q4 numbers",
            "Ada Lovelace",
            "Hi,\nsee below.",
        )))
        .unwrap();
        assert!(
            mime.starts_with("From: Ada Lovelace <ada@contoso.example>\r\n"),
            "{mime}"
        );
        assert!(mime.contains("\r\nTo: Adele Vance <adele@contoso.example>\r\n"));
        assert!(mime.contains("\r\nSubject: Q4 numbers\r\n"));
        assert!(mime.contains("\r\nDate: Fri, 20 Nov 2026 09:30:00 +0000\r\n"));
        assert!(mime.contains("\r\nMIME-Version: 1.0\r\n"));
        assert!(mime.contains("Content-Type: multipart/alternative;\r\n\tboundary=\"_000_"));
        assert!(mime.contains(
            "Content-Type: text/plain; charset=\"us-ascii\"\r\n\r\nHi,\r\nsee below.\r\n"
        ));
        assert!(!mime.replace("\r\n", "").contains('\n'), "CRLF only");
    }

    #[test]
    fn non_ascii_words_are_encoded_and_hostile_ones_kept_on_one_line() {
        let m = mail("Résumé\r\nBcc: evil@x", "Zoë \"Z\"", "Grüße");
        let mime = String::from_utf8(render(&m)).unwrap();
        let subject = mime
            .lines()
            .find(|l| l.starts_with("Subject: "))
            .unwrap()
            .to_string();
        assert!(subject.starts_with("Subject: =?utf-8?B?"), "{subject}");
        assert!(!mime.contains("\r\nBcc:"));
        assert!(mime.contains("Content-Transfer-Encoding: base64"));
        assert!(mime.contains(&STANDARD.encode("Grüße")));
        assert_eq!(words("plain words"), "plain words");
        assert_eq!(
            mailbox("Lee, Gu", "lee@x.example"),
            "\"Lee, Gu\" <lee@x.example>"
        );
        assert_eq!(mailbox("", "lee@x.example"), "<lee@x.example>");
    }
}
