//! Writing to the terminal: stdout for results (tables, JSON, the sign-in URL), stderr for progress and errors.

use patchbay_core::error::{ErrorCode, ErrorInfo};
use serde::Serialize;
use std::io::Write;
use unicode_width::UnicodeWidthStr;

/// Write `text` and a newline to stdout and flush at once (a script may be waiting for the line). A closed pipe
/// (`patchbay list | head -1`) is not an error.
pub fn out(text: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "{text}").and_then(|()| stdout.flush());
}

/// Progress and hints, on stderr.
pub fn note(text: &str) {
    let mut stderr = std::io::stderr().lock();
    let _ = writeln!(stderr, "{text}");
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
    out(&text);
    Ok(())
}

/// Columns padded to their widest cell, two spaces apart; the last column is not padded. Widths are terminal
/// cells (a CJK character or an emoji takes two).
pub fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.width()).collect();
    for row in rows {
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
}
