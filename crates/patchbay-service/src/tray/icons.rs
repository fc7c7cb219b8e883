//! The tray's four pictures (icons/tray-*.png), decoded once into RGBA pixels: each platform's tray takes them
//! from here in the form it wants.

use patchbay_desktop::tray::TrayIconKind;

/// A picture: width, height, and its pixels as RGBA, 8 bits a channel, row by row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rgba {
    pub width: u32,
    pub height: u32,
    pub pixels: Vec<u8>,
}

/// Every kind of picture with its PNG.
pub const PICTURES: [(TrayIconKind, &[u8]); 4] = [
    (
        TrayIconKind::Healthy,
        include_bytes!("../../../../icons/tray-ok.png"),
    ),
    (
        TrayIconKind::Checking,
        include_bytes!("../../../../icons/tray-checking.png"),
    ),
    (
        TrayIconKind::Unreachable,
        include_bytes!("../../../../icons/tray-unreachable.png"),
    ),
    (
        TrayIconKind::Attention,
        include_bytes!("../../../../icons/tray-repair.png"),
    ),
];

/// A PNG as RGBA; `None` for one that does not decode to 8-bit RGBA.
pub fn decode(png_bytes: &[u8]) -> Option<Rgba> {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::ALPHA);
    let mut reader = decoder.read_info().ok()?;
    let mut buf = vec![0; reader.output_buffer_size()?];
    let info = reader.next_frame(&mut buf).ok()?;
    if info.color_type != png::ColorType::Rgba || info.bit_depth != png::BitDepth::Eight {
        return None;
    }
    buf.truncate(info.buffer_size());
    Some(Rgba {
        width: info.width,
        height: info.height,
        pixels: buf,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_picture_decodes_to_rgba() {
        let mut seen = Vec::new();
        for (kind, png) in PICTURES {
            let picture = decode(png).unwrap_or_else(|| panic!("{kind:?} does not decode"));
            assert_eq!((picture.width, picture.height), (64, 64));
            assert_eq!(picture.pixels.len(), 64 * 64 * 4);
            // Something is drawn, and not everything is opaque (alpha is the last byte of each pixel).
            assert!(picture.pixels.chunks(4).any(|p| p[3] == 0));
            assert!(picture.pixels.chunks(4).any(|p| p[3] == 255));
            assert!(
                !seen.contains(&picture.pixels),
                "{kind:?} looks like another"
            );
            seen.push(picture.pixels);
        }
    }
}
