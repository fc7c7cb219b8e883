//! The content hashes Graph reports in `file.hashes`, computed as the bytes stream past (so a 1 GiB file is
//! hashed without ever being held): OneDrive's QuickXorHash for business drives and document libraries, and
//! SHA-1, SHA-256 and CRC32 for personal drives — Microsoft documents that business drives have no SHA-1,
//! SHA-256 or CRC32 and personal ones no QuickXorHash, so a client must cope with either set.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde_json::{json, Value};

/// QuickXorHash's width: 160 bits; byte `i` of the content is XORed in at bit `(i * 11) mod 160`.
const WIDTH_BYTES: usize = 160;
const SHIFT: usize = 11;

/// QuickXorHash, folded: the bit offset of byte `i` repeats every 160 bytes, and XOR is linear, so the bytes
/// are first XORed into a 160-byte accumulator by position and rotated into place once at the end.
#[derive(Clone)]
pub struct QuickXor {
    acc: [u8; WIDTH_BYTES],
    len: u64,
}

impl Default for QuickXor {
    fn default() -> Self {
        QuickXor {
            acc: [0; WIDTH_BYTES],
            len: 0,
        }
    }
}

impl QuickXor {
    pub fn update(&mut self, mut data: &[u8]) {
        // Up to a 160-byte boundary one byte at a time, then whole blocks eight bytes at a time.
        while !data.is_empty() && !self.len.is_multiple_of(WIDTH_BYTES as u64) {
            let at = (self.len % WIDTH_BYTES as u64) as usize;
            self.acc[at] ^= data[0];
            data = &data[1..];
            self.len += 1;
        }
        let mut blocks = data.chunks_exact(WIDTH_BYTES);
        for block in &mut blocks {
            for (acc, chunk) in self.acc.chunks_exact_mut(8).zip(block.chunks_exact(8)) {
                let x = u64::from_le_bytes(acc.try_into().unwrap_or([0; 8]))
                    ^ u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]));
                acc.copy_from_slice(&x.to_le_bytes());
            }
            self.len += WIDTH_BYTES as u64;
        }
        for (i, b) in blocks.remainder().iter().enumerate() {
            self.acc[i] ^= b;
        }
        self.len += blocks.remainder().len() as u64;
    }

    /// The 20-byte digest, base64 (as `quickXorHash` shows it).
    pub fn finish(&self) -> String {
        let mut bits = [0u8; 20];
        for (j, &byte) in self.acc.iter().enumerate() {
            let offset = (j * SHIFT) % (WIDTH_BYTES);
            for k in 0..8 {
                if byte & (1 << k) != 0 {
                    let bit = (offset + k) % 160;
                    bits[bit / 8] ^= 1 << (bit % 8);
                }
            }
        }
        for (i, b) in self.len.to_le_bytes().iter().enumerate() {
            bits[12 + i] ^= b;
        }
        STANDARD.encode(bits)
    }
}

/// CRC-32 (IEEE), as ZIP and OneDrive personal's `crc32Hash` use it.
#[derive(Clone, Copy)]
pub struct Crc32(u32);

impl Default for Crc32 {
    fn default() -> Self {
        Crc32(0xFFFF_FFFF)
    }
}

/// The CRC-32 table, built at compile time.
const CRC_TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 {
                (c >> 1) ^ 0xEDB8_8320
            } else {
                c >> 1
            };
            k += 1;
        }
        table[i] = c;
        i += 1;
    }
    table
};

impl Crc32 {
    pub fn update(&mut self, data: &[u8]) {
        let mut c = self.0;
        for &b in data {
            c = CRC_TABLE[((c ^ u32::from(b)) & 0xFF) as usize] ^ (c >> 8);
        }
        self.0 = c;
    }

    pub fn value(&self) -> u32 {
        !self.0
    }
}

pub fn crc32(data: &[u8]) -> u32 {
    let mut c = Crc32::default();
    c.update(data);
    c.value()
}

/// The hashes of one file, as kept with it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Hashes {
    pub quick_xor: String,
    /// Upper-case hex, as OneDrive personal shows them.
    pub sha1: String,
    pub sha256: String,
    /// Little-endian hex of the CRC.
    pub crc32: String,
    /// Lower-case hex SHA-256, for `/_sandbox/files` (the same digest as `sha256`).
    pub sha256_lower: String,
}

impl Hashes {
    /// `file.hashes` for a drive of this kind.
    pub fn to_json(&self, personal: bool) -> Value {
        if personal {
            json!({"sha1Hash": self.sha1, "sha256Hash": self.sha256, "crc32Hash": self.crc32})
        } else {
            json!({"quickXorHash": self.quick_xor})
        }
    }
}

/// The hashes a drive reports, fed as the bytes go by; SHA-256 always (for `/_sandbox/files`). Only what the
/// drive shows is computed: SHA-1 and CRC-32 are slow in debug builds, which a 1 GiB test file would feel.
pub struct Hasher {
    quick_xor: Option<QuickXor>,
    sha1: Option<ring::digest::Context>,
    sha256: ring::digest::Context,
    crc: Option<Crc32>,
    pub len: u64,
}

impl Default for Hasher {
    /// Every hash (small files, whatever drive they land in).
    fn default() -> Self {
        Hasher {
            quick_xor: Some(QuickXor::default()),
            sha1: Some(ring::digest::Context::new(
                &ring::digest::SHA1_FOR_LEGACY_USE_ONLY,
            )),
            sha256: ring::digest::Context::new(&ring::digest::SHA256),
            crc: Some(Crc32::default()),
            len: 0,
        }
    }
}

impl Hasher {
    /// What a personal drive (SHA-1, CRC-32) or a business one (QuickXorHash) shows.
    pub fn for_drive(personal: bool) -> Hasher {
        let mut h = Hasher::default();
        if personal {
            h.quick_xor = None;
        } else {
            h.sha1 = None;
            h.crc = None;
        }
        h
    }
}

fn hex_upper(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

impl Hasher {
    pub fn update(&mut self, data: &[u8]) {
        if let Some(q) = &mut self.quick_xor {
            q.update(data);
        }
        if let Some(s) = &mut self.sha1 {
            s.update(data);
        }
        self.sha256.update(data);
        if let Some(c) = &mut self.crc {
            c.update(data);
        }
        self.len += data.len() as u64;
    }

    pub fn finish(self) -> Hashes {
        let sha256 = self.sha256.finish();
        Hashes {
            quick_xor: self.quick_xor.map(|q| q.finish()).unwrap_or_default(),
            sha1: self
                .sha1
                .map(|s| hex_upper(s.finish().as_ref()))
                .unwrap_or_default(),
            sha256: hex_upper(sha256.as_ref()),
            crc32: self
                .crc
                .map(|c| hex_upper(&c.value().to_le_bytes()))
                .unwrap_or_default(),
            sha256_lower: hex_upper(sha256.as_ref()).to_ascii_lowercase(),
        }
    }
}

pub fn hashes(data: &[u8]) -> Hashes {
    let mut h = Hasher::default();
    h.update(data);
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn qx(data: &[u8]) -> String {
        let mut q = QuickXor::default();
        q.update(data);
        q.finish()
    }

    #[test]
    fn quick_xor_matches_published_vectors() {
        // The vectors rclone and other OneDrive clients check against.
        let vectors = [
            ("", "AAAAAAAAAAAAAAAAAAAAAAAAAAA="),
            ("Sg==", "SgAAAAAAAAAAAAAAAQAAAAAAAAA="),
            ("tbQ=", "taAFAAAAAAAAAAAAAgAAAAAAAAA="),
            ("0pZP", "0rDEEwAAAAAAAAAAAwAAAAAAAAA="),
            ("jRRDVA==", "jaDAEKgAAAAAAAAABAAAAAAAAAA="),
            ("eAV52qE=", "eChAHrQRCgAAAAAABQAAAAAAAAA="),
            ("luBZlaT6", "lgBHFipBCn0AAAAABgAAAAAAAAA="),
            ("qaApEj66lw==", "qQBFCiTgA11cAgAABwAAAAAAAAA="),
            ("/aNzzCFPS/A=", "/RjFHJgRgicsAR4ACAAAAAAAAAA="),
        ];
        for (input, want) in vectors {
            let data = STANDARD.decode(input).unwrap();
            assert_eq!(qx(&data), want, "{input}");
        }
    }

    #[test]
    fn quick_xor_is_the_same_however_the_bytes_are_split() {
        let data: Vec<u8> = (0..5000u32).map(|i| (i * 7 + i / 13) as u8).collect();
        let whole = qx(&data);
        for split in [1usize, 3, 159, 160, 161, 1000, 4999] {
            let mut q = QuickXor::default();
            for chunk in data.chunks(split) {
                q.update(chunk);
            }
            assert_eq!(q.finish(), whole, "{split}");
        }
        // Against the byte-at-a-time definition (bit (i*11) mod 160, wrapping).
        let mut bits = [0u8; 20];
        for (i, &b) in data.iter().enumerate() {
            for k in 0..8 {
                if b & (1 << k) != 0 {
                    let bit = (i * 11 + k) % 160;
                    bits[bit / 8] ^= 1 << (bit % 8);
                }
            }
        }
        for (i, b) in (data.len() as u64).to_le_bytes().iter().enumerate() {
            bits[12 + i] ^= b;
        }
        assert_eq!(whole, STANDARD.encode(bits));
    }

    #[test]
    fn crc_and_shas() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        let h = hashes(b"abc");
        assert_eq!(h.sha1, "A9993E364706816ABA3E25717850C26C9CD0D89D");
        assert_eq!(
            h.sha256_lower,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
