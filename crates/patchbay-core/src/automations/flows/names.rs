//! A name from someone else's mail made safe as one file's name, here and in a drive: an attachment called
//! `../../.bashrc` must land in the chosen folder as a plain file, never above it, never hidden, never as a
//! device name Windows reserves, never as a name OneDrive refuses.

/// The longest name kept, in bytes (file systems take 255; room is left for ` (12)`).
const MAX_BYTES: usize = 200;

/// Names Windows reserves for devices, with or without an extension.
const RESERVED: &[&str] = &[
    "con", "prn", "aux", "nul", "com1", "com2", "com3", "com4", "com5", "com6", "com7", "com8",
    "com9", "lpt1", "lpt2", "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9",
];

/// `name` as one safe file name: separators and the characters Windows and OneDrive refuse (`<>:"|?*`) become
/// `_`, control characters go, no leading dot or space (no hidden file, no `..`), no trailing dot or space, a
/// reserved device name gets a `_` in front, at most [`MAX_BYTES`] bytes with its extension kept, and `fallback`
/// when nothing is left.
pub fn safe_name(name: &str, fallback: &str) -> String {
    // A path's parts (`..` and `.` dropped) joined as one name.
    let joined = name
        .split(['/', '\\'])
        .filter(|part| !matches!(part.trim(), "" | "." | ".."))
        .collect::<Vec<_>>()
        .join("_");
    let mut cleaned: String = joined
        .chars()
        .filter(|c| !c.is_control())
        .map(|c| match c {
            '<' | '>' | ':' | '"' | '|' | '?' | '*' => '_',
            c => c,
        })
        .collect();
    cleaned = cleaned
        .trim_start_matches(['.', ' '])
        .trim_end_matches(['.', ' '])
        .to_string();
    if cleaned.is_empty() {
        cleaned = fallback.to_string();
    }
    let (stem, _) = split_extension(&cleaned);
    if RESERVED.iter().any(|r| stem.eq_ignore_ascii_case(r))
        || stem.to_ascii_lowercase().starts_with("_vti_")
    {
        cleaned = format!("_{cleaned}");
    }
    if cleaned.len() > MAX_BYTES {
        let (stem, ext) = split_extension(&cleaned);
        let ext = if ext.len() < 20 { ext } else { "" };
        let mut cut = MAX_BYTES - ext.len();
        while !stem.is_char_boundary(cut.min(stem.len())) {
            cut -= 1;
        }
        cleaned = format!(
            "{}{ext}",
            &stem[..cut.min(stem.len())].trim_end_matches(['.', ' '])
        );
    }
    cleaned
}

/// `a.pdf` → (`a`, `.pdf`); a name without a dot past its first character has no extension.
fn split_extension(name: &str) -> (&str, &str) {
    match name.rfind('.') {
        Some(i) if i > 0 => (&name[..i], &name[i..]),
        _ => (name, ""),
    }
}

/// The `n`th name to try when `name` is taken: `a.pdf`, `a (1).pdf`, `a (2).pdf`…
pub fn numbered(name: &str, n: u32) -> String {
    if n == 0 {
        return name.to_string();
    }
    let (stem, ext) = split_extension(name);
    format!("{stem} ({n}){ext}")
}

/// An attached mail's name as a file: its subject made safe, ending in `.eml`.
pub fn eml_name(name: &str) -> String {
    let safe = safe_name(name, "message");
    if safe.to_ascii_lowercase().ends_with(".eml") {
        safe
    } else {
        safe_name(&format!("{safe}.eml"), "message.eml")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_names_stay_one_plain_file() {
        let cases = [
            ("../../.bashrc", "bashrc"),
            ("..", "attachment"),
            ("", "attachment"),
            ("a/b\\c.txt", "a_b_c.txt"),
            ("CON.txt", "_CON.txt"),
            ("nul", "_nul"),
            ("lpt1.tar.gz", "lpt1.tar.gz"),
            ("report.pdf.", "report.pdf"),
            ("  .hidden ", "hidden"),
            ("in\u{7}voice\r\n.pdf", "invoice.pdf"),
            ("what?<b>.pdf", "what__b_.pdf"),
            ("_vti_cnf", "__vti_cnf"),
            ("Invoice 42.pdf", "Invoice 42.pdf"),
            ("Résumé – 2026.docx", "Résumé – 2026.docx"),
        ];
        for (given, want) in cases {
            assert_eq!(safe_name(given, "attachment"), want, "{given:?}");
        }
    }

    #[test]
    fn a_long_name_keeps_its_extension_and_its_characters_whole() {
        let long = format!("{}.pdf", "é".repeat(300));
        let safe = safe_name(&long, "attachment");
        assert!(safe.len() <= MAX_BYTES, "{}", safe.len());
        assert!(safe.ends_with(".pdf"));
        assert!(safe.starts_with('é'));
    }

    #[test]
    fn a_clash_is_numbered_before_the_extension() {
        assert_eq!(numbered("a.pdf", 0), "a.pdf");
        assert_eq!(numbered("a.pdf", 1), "a (1).pdf");
        assert_eq!(numbered("archive.tar.gz", 2), "archive.tar (2).gz");
        assert_eq!(numbered("README", 3), "README (3)");
    }

    #[test]
    fn an_attached_mail_is_an_eml_file() {
        assert_eq!(eml_name("Re: your order"), "Re_ your order.eml");
        assert_eq!(eml_name("saved.EML"), "saved.EML");
        assert_eq!(eml_name(""), "message.eml");
    }
}
