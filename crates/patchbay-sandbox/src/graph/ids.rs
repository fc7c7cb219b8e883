//! Deterministic look-alikes of Exchange's identifiers, and a tiny seeded generator, so the demo mailbox is
//! the same on every start (and every page of a paged listing agrees with the others).

use base64::engine::general_purpose::{STANDARD, URL_SAFE};
use base64::Engine as _;

/// SHA-256 of the parts (separated, so `("ab","c")` and `("a","bc")` differ).
pub fn digest(parts: &[&str]) -> [u8; 32] {
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    for part in parts {
        ctx.update(part.as_bytes());
        ctx.update(&[0x1f]);
    }
    let mut out = [0u8; 32];
    out.copy_from_slice(ctx.finish().as_ref());
    out
}

/// An Exchange entry ID as Graph shows it: base64url (with `=` padding, so a web link must percent-encode
/// it) whose first bytes decode to `AAMkAD` (messages, events), `AQMkAD` (folders) or `AAQkAD`
/// (conversations).
fn exchange_id(lead: [u8; 3], parts: &[&str]) -> String {
    let first = digest(parts);
    let mut salted: Vec<&str> = parts.to_vec();
    salted.push("more");
    let second = digest(&salted);
    let mut bytes = Vec::with_capacity(46);
    bytes.extend_from_slice(&lead);
    // `00 3x` encodes as `AD…` after the lead: the mailbox-GUID marker of real IDs.
    bytes.push(0x00);
    bytes.push(0x30 | (first[0] & 0x0f));
    bytes.extend_from_slice(&first[1..32]);
    bytes.extend_from_slice(&second[..10]);
    URL_SAFE.encode(bytes)
}

/// A message or event ID (`AAMkAD…==`).
pub fn item_id(parts: &[&str]) -> String {
    exchange_id([0x00, 0x03, 0x24], parts)
}

/// A mail folder ID (`AQMkAD…`).
pub fn folder_id(parts: &[&str]) -> String {
    exchange_id([0x01, 0x03, 0x24], parts)
}

/// A conversation ID (`AAQkAD…`).
pub fn conversation_id(parts: &[&str]) -> String {
    exchange_id([0x00, 0x04, 0x24], parts)
}

/// An item's change key (`CQAAABYAAA…`); Graph's `@odata.etag` is `W/"{changeKey}"`.
pub fn change_key(parts: &[&str]) -> String {
    let hash = digest(parts);
    let mut bytes = vec![0x09, 0x00, 0x00, 0x00, 0x16, 0x00, 0x00, 0x00];
    bytes.extend_from_slice(&hash[..22]);
    STANDARD.encode(bytes)
}

/// A GUID-shaped value (version 4 layout) from the parts.
pub fn guid(parts: &[&str]) -> String {
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest(parts)[..16]);
    uuid::Builder::from_random_bytes(bytes)
        .into_uuid()
        .to_string()
}

/// Upper-case hex of the first `n` bytes of the digest.
pub fn hex(parts: &[&str], n: usize) -> String {
    digest(parts)
        .iter()
        .take(n)
        .map(|b| format!("{b:02X}"))
        .collect()
}

/// SplitMix64: small, fast and the same everywhere.
pub struct Rng(u64);

impl Rng {
    pub fn new(parts: &[&str]) -> Rng {
        let d = digest(parts);
        let mut seed = [0u8; 8];
        seed.copy_from_slice(&d[..8]);
        Rng(u64::from_le_bytes(seed))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`; 0 gives 0).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next_u64() % n
        }
    }

    /// Fisher–Yates.
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i as u64 + 1) as usize;
            items.swap(i, j);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_look_like_exchange_ids() {
        let id = item_id(&["u", "m", "1"]);
        assert!(id.starts_with("AAMkAD"), "{id}");
        assert!(id.ends_with("=="), "{id}");
        assert_eq!(id, item_id(&["u", "m", "1"]));
        assert_ne!(id, item_id(&["u", "m", "2"]));
        assert!(folder_id(&["u"]).starts_with("AQMkAD"));
        assert!(conversation_id(&["u"]).starts_with("AAQkAD"));
        assert!(change_key(&["u"]).starts_with("CQAAABYAAA"));
        assert_eq!(guid(&["x"]).len(), 36);
    }
}
