//! Writing to the terminal: stdout for results (tables, JSON, the sign-in URL), stderr for progress and errors.

use patchbay_core::error::{ErrorCode, ErrorInfo};
use serde::Serialize;
use std::io::Write;
use unicode_width::UnicodeWidthStr;

/// Human output, with what came from elsewhere (mail subjects, sender names, event places, Microsoft's error
/// text) unable to drive the terminal: every control character but newline and tab (C0, DEL, C1, so ESC and
/// the CSI, OSC and DCS that start escape sequences: title spoofing, OSC 52 clipboard writes, hidden text)
/// and the bidirectional overrides and isolates (text that reads differently than it is, "Trojan Source")
/// become U+FFFD. JSON output is left exact: serde escapes C0 controls there, and a script gets every byte.
pub fn terminal_safe(text: &str) -> std::borrow::Cow<'_, str> {
    fn unsafe_char(c: char) -> bool {
        (c.is_control() && c != '\n' && c != '\t')
            || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
    }
    if text.chars().any(unsafe_char) {
        text.chars()
            .map(|c| if unsafe_char(c) { '\u{FFFD}' } else { c })
            .collect::<String>()
            .into()
    } else {
        text.into()
    }
}

/// Write `text` and a newline to stdout and flush at once (a script may be waiting for the line). A closed pipe
/// (`patchbay list | head -1`) is not an error. Human output: see [`terminal_safe`].
pub fn out(text: &str) {
    exact(&terminal_safe(text));
}

/// `text` as it is, for machine output (JSON).
fn exact(text: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "{text}").and_then(|()| stdout.flush());
}

/// Progress, hints and errors, on stderr (see [`terminal_safe`]).
pub fn note(text: &str) {
    let mut stderr = std::io::stderr().lock();
    let _ = writeln!(stderr, "{}", terminal_safe(text));
}

/// A value as pretty JSON on stdout.
pub fn json<T: Serialize + ?Sized>(value: &T) -> Result<(), ErrorInfo> {
    let text = serde_json::to_string_pretty(value).map_err(|e| {
        ErrorInfo::new(
            ErrorCode::Internal,
            "Could not write the JSON output.",
            "Report this as a bug.",
        )
        .with_detail(e.to_string())
    })?;
    exact(&text);
    Ok(())
}

/// Columns padded to their widest cell, two spaces apart; the last column is not padded. Widths are terminal
/// cells (a CJK character or an emoji takes two).
pub fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    // A cell is one line: a newline or tab in a subject must not break the row. Measured once made safe.
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|row| {
            row.iter()
                .map(|cell| terminal_safe(&cell.replace(['\n', '\t'], " ")).into_owned())
                .collect()
        })
        .collect();
    let mut widths: Vec<usize> = headers.iter().map(|h| h.width()).collect();
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.width());
        }
    }
    let line = |cells: Vec<&str>| {
        let last = cells.len().saturating_sub(1);
        let mut text = String::new();
        for (i, (cell, width)) in cells.iter().zip(&widths).enumerate() {
            if i == last {
                text.push_str(cell);
            } else {
                text.push_str(cell);
                text.push_str(&" ".repeat(width.saturating_sub(cell.width()) + 2));
            }
        }
        text.trim_end().to_string()
    };
    let mut lines = vec![line(headers.to_vec())];
    lines.extend(
        rows.iter()
            .map(|row| line(row.iter().map(String::as_str).collect())),
    );
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_aligns_columns() {
        let rows = vec![
            vec!["a".to_string(), "long value".into(), "x".into()],
            vec!["bbbb".into(), "v".into(), "y".into()],
        ];
        assert_eq!(
            table(&["ID", "NAME", "END"], &rows),
            "ID    NAME        END\na     long value  x\nbbbb  v           y"
        );
        let wide = vec![
            vec!["週次".to_string(), "x".into()],
            vec!["ab".into(), "y".into()],
        ];
        assert_eq!(table(&["A", "B"], &wide), "A     B\n週次  x\nab    y");
    }

    #[test]
    fn text_from_elsewhere_cannot_drive_the_terminal() {
        // OSC 0 (window title), OSC 52 (clipboard), CSI (cursor, colours), an 8-bit CSI, a right-to-left override.
        let hostile = "Invoice\u{1b}]0;root@bank\u{7}\u{1b}]52;c;cm0gLXJmIH4=\u{7}\u{1b}[2J\u{9b}31m\r\u{202E}fdp.exe";
        let safe = terminal_safe(hostile);
        assert!(!safe.chars().any(|c| c.is_control()), "{safe:?}");
        assert!(!safe.contains('\u{202E}'));
        assert!(safe.starts_with("Invoice\u{FFFD}]0;root@bank"), "{safe:?}");
        // Plain text, newlines and tabs are left alone, and borrowed.
        assert!(matches!(
            terminal_safe("a\tb\nc ü 週"),
            std::borrow::Cow::Borrowed(_)
        ));
        // A table cell stays one line, aligned.
        let rows = vec![vec!["two\nlines\u{1b}[31m".to_string(), "x".into()]];
        assert_eq!(
            table(&["A", "B"], &rows),
            "A               B\ntwo lines\u{FFFD}[31m  x"
        );
    }
}
