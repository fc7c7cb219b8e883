//! What a message's attachment is: a file (its bytes, held once), an attached mail (rendered as MIME on
//! request), or a link to a file in the cloud (a reference, which has no bytes here). The generated demo mail's
//! PDFs are made on request from a seed, so sixty messages a request cost nothing until one is read.

use axum::body::Bytes;
use jiff::Timestamp;

use super::super::ids;

/// One attachment of a message, as the mailbox holds it. Cheap to clone: a file's bytes are shared.
#[derive(Debug, Clone)]
pub struct Attachment {
    /// Stored exactly as given: hostile names (`../../.bashrc`, control characters, empty) included.
    pub name: String,
    pub is_inline: bool,
    pub last_modified: Timestamp,
    pub kind: Kind,
}

#[derive(Debug, Clone)]
pub enum Kind {
    File {
        content_type: String,
        content_id: Option<String>,
        content_location: Option<String>,
        content: Content,
    },
    /// An attached mail (`itemAttachment` whose item is a message).
    Item(AttachedMail),
    /// A link to a file in the cloud (`referenceAttachment`): metadata only, its `$value` answers 405.
    Reference { content_type: String, size: u64 },
}

/// A file attachment's bytes.
#[derive(Debug, Clone)]
pub enum Content {
    Bytes(Bytes),
    /// A one-page PDF of `size` bytes titled `title`, the same bytes every time for the same seed.
    Pdf {
        seed: String,
        title: String,
        size: u64,
    },
}

impl Content {
    pub fn size(&self) -> u64 {
        match self {
            Content::Bytes(b) => b.len() as u64,
            Content::Pdf { size, .. } => *size,
        }
    }

    pub fn bytes(&self) -> Bytes {
        match self {
            Content::Bytes(b) => b.clone(),
            Content::Pdf { seed, title, size } => Bytes::from(pdf(seed, title, *size as usize)),
        }
    }
}

/// A mail attached to a message.
#[derive(Debug, Clone)]
pub struct AttachedMail {
    pub subject: String,
    /// `(display name, address)`.
    pub from: (String, String),
    pub to: Vec<(String, String)>,
    /// Plain text.
    pub body: String,
    pub sent: Timestamp,
    pub internet_message_id: String,
}

impl Attachment {
    /// `#microsoft.graph.fileAttachment` and its kin.
    pub fn odata_type(&self) -> &'static str {
        match self.kind {
            Kind::File { .. } => "#microsoft.graph.fileAttachment",
            Kind::Item(_) => "#microsoft.graph.itemAttachment",
            Kind::Reference { .. } => "#microsoft.graph.referenceAttachment",
        }
    }

    /// What Graph reports as `size`: a file's length, an attached mail's MIME length.
    pub fn size(&self) -> u64 {
        match &self.kind {
            Kind::File { content, .. } => content.size(),
            Kind::Item(mail) => super::mime::render(mail).len() as u64,
            Kind::Reference { size, .. } => *size,
        }
    }

    /// `contentType`: a file's own; `null` for an attached mail, as Graph reports it.
    pub fn content_type(&self) -> Option<&str> {
        match &self.kind {
            Kind::File { content_type, .. } | Kind::Reference { content_type, .. } => {
                Some(content_type)
            }
            Kind::Item(_) => None,
        }
    }
}

/// The ID of a message's `index`th attachment. Exchange's attachment IDs embed the message's, so a message that
/// is moved (and so gets a new ID) has new attachment IDs as well.
pub fn attachment_id(message_id: &str, index: usize) -> String {
    ids::item_id(&[message_id, "attachment", &index.to_string()])
}

/// The demo mail's attachment: a PDF named after the message's subject, 18 to 108 kB.
pub fn demo_pdf(message_id: &str, subject: &str, received: Timestamp) -> Attachment {
    let stem: String = subject
        .trim_start_matches("Re: ")
        .trim_start_matches("Fwd: ")
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { '-' })
        .collect::<String>()
        .split('-')
        .filter(|w| !w.is_empty())
        .take(4)
        .collect::<Vec<_>>()
        .join("-");
    let size = 18_000 + (message_id.bytes().map(u64::from).sum::<u64>() % 90_000);
    Attachment {
        name: format!("{stem}.pdf"),
        is_inline: false,
        last_modified: received,
        kind: Kind::File {
            content_type: "application/pdf".into(),
            content_id: None,
            content_location: None,
            content: Content::Pdf {
                seed: message_id.to_string(),
                title: subject.to_string(),
                size,
            },
        },
    }
}

/// A one-page PDF showing `title`, exactly `size` bytes long (padded with comment lines), deterministic in
/// `seed`. Readers open it; its cross-reference table points at each object.
pub fn pdf(seed: &str, title: &str, size: usize) -> Vec<u8> {
    let text: String = title
        .chars()
        .map(|c| match c {
            '(' | ')' | '\\' => ' ',
            c if c.is_ascii_graphic() || c == ' ' => c,
            _ => '?',
        })
        .collect();
    let stream = format!("BT /F1 18 Tf 72 720 Td ({text}) Tj ET");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R \
         /Resources << /Font << /F1 5 0 R >> >> >>"
            .to_string(),
        format!(
            "<< /Length {} >>\nstream\n{stream}\nendstream",
            stream.len()
        ),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_string(),
    ];
    let header = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n";
    let body_len: usize = objects
        .iter()
        .enumerate()
        .map(|(i, o)| format!("{} 0 obj\n{o}\nendobj\n", i + 1).len())
        .sum();
    // The xref table's own length does not depend on the offsets (fixed-width entries); the startxref number's
    // does, a little: allow for it by measuring with the final figure.
    let xref_len = 9 + 20 * (objects.len() + 1);
    let trailer_fixed = format!("trailer\n<< /Size {} /Root 1 0 R >>\n", objects.len() + 1);
    let tail = |xref_at: usize| format!("startxref\n{xref_at}\n%%EOF\n");
    let mut pad = 0usize;
    for _ in 0..3 {
        let xref_at = header.len() + pad + body_len;
        let total = xref_at + xref_len + trailer_fixed.len() + tail(xref_at).len();
        pad = size.saturating_sub(total - pad);
    }
    let mut out = Vec::with_capacity(size.max(1024));
    out.extend_from_slice(header);
    // Padding: comment lines of letters from the seed, the last one cut to fit.
    let mut rng = ids::Rng::new(&[seed, "pdf"]);
    let mut left = pad;
    while left > 0 {
        let line = left.min(80);
        if line == 1 {
            out.push(b'\n');
        } else {
            out.push(b'%');
            for _ in 0..line - 2 {
                out.push(b'a' + rng.below(26) as u8);
            }
            out.push(b'\n');
        }
        left -= line;
    }
    let mut offsets = Vec::with_capacity(objects.len());
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
    }
    let xref_at = out.len();
    out.extend_from_slice(format!("xref\n0 {}\n", objects.len() + 1).as_bytes());
    out.extend_from_slice(b"0000000000 65535 f \n");
    for at in offsets {
        out.extend_from_slice(format!("{at:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(trailer_fixed.as_bytes());
    out.extend_from_slice(tail(xref_at).as_bytes());
    out
}

/// `size` bytes in which byte `i` is `i % 251`: what the control endpoints' `size` attachments hold.
pub fn pattern(size: usize) -> Vec<u8> {
    (0..size).map(|i| (i % 251) as u8).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_pdf_has_its_size_and_its_offsets_are_right() {
        for size in [18_000usize, 18_001, 54_321, 107_999] {
            let bytes = pdf("seed", "Q4 (budget) — review", size);
            assert_eq!(bytes.len(), size);
            assert!(bytes.starts_with(b"%PDF-1.4\n"));
            assert!(bytes.ends_with(b"%%EOF\n"));
            // Byte for byte (the binary marker in the header as '?'), so offsets stay offsets.
            let text: String = bytes
                .iter()
                .map(|&b| if b.is_ascii() { b as char } else { '?' })
                .collect();
            let start: usize = text
                .rsplit("startxref\n")
                .next()
                .and_then(|t| t.lines().next())
                .and_then(|n| n.parse().ok())
                .expect("startxref");
            assert!(text[start..].starts_with("xref\n0 6\n"), "{size}");
            // Each object's offset points at "N 0 obj".
            let table = &text[start..];
            for (n, line) in table.lines().skip(3).take(5).enumerate() {
                let at: usize = line[..10].parse().unwrap();
                assert!(
                    text[at..].starts_with(&format!("{} 0 obj", n + 1)),
                    "{size}: object {}",
                    n + 1
                );
            }
            assert_eq!(bytes, pdf("seed", "Q4 (budget) — review", size));
        }
        assert_ne!(pdf("a", "t", 20_000), pdf("b", "t", 20_000));
    }
}
