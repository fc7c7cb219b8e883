//! The mailbox's own date and time formats. Exchange keeps them as .NET patterns (`dd.MM.yyyy`, `h:mm tt`);
//! the CLI prints with them, translated to strftime. The desktop UI uses `Intl` with the mailbox's clock
//! (12 or 24 hours) instead.

/// A .NET custom date/time pattern as a strftime format (jiff's). Unknown letters pass through as text.
pub fn dotnet_to_strftime(pattern: &str) -> String {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        // A quoted literal: 'text' or "text".
        if c == '\'' || c == '"' {
            let mut j = i + 1;
            while j < chars.len() && chars[j] != c {
                push_literal(&mut out, chars[j]);
                j += 1;
            }
            i = j + 1;
            continue;
        }
        if c == '\\' && i + 1 < chars.len() {
            push_literal(&mut out, chars[i + 1]);
            i += 2;
            continue;
        }
        let mut run = 1;
        while i + run < chars.len() && chars[i + run] == c {
            run += 1;
        }
        let spec = match (c, run) {
            ('y', 1 | 2) => Some("%y"),
            ('y', _) => Some("%Y"),
            ('M', 1) => Some("%-m"),
            ('M', 2) => Some("%m"),
            ('M', 3) => Some("%b"),
            ('M', _) => Some("%B"),
            ('d', 1) => Some("%-d"),
            ('d', 2) => Some("%d"),
            ('d', 3) => Some("%a"),
            ('d', _) => Some("%A"),
            ('H', 1) => Some("%-H"),
            ('H', _) => Some("%H"),
            ('h', 1) => Some("%-I"),
            ('h', _) => Some("%I"),
            ('m', 1) => Some("%-M"),
            ('m', _) => Some("%M"),
            ('s', 1) => Some("%-S"),
            ('s', _) => Some("%S"),
            ('t', _) => Some("%p"),
            _ => None,
        };
        match spec {
            Some(s) => out.push_str(s),
            None => (0..run).for_each(|_| push_literal(&mut out, c)),
        }
        i += run;
    }
    out
}

fn push_literal(out: &mut String, c: char) {
    if c == '%' {
        out.push_str("%%");
    } else {
        out.push(c);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outlooks_usual_patterns_translate() {
        assert_eq!(dotnet_to_strftime("dd.MM.yyyy"), "%d.%m.%Y");
        assert_eq!(dotnet_to_strftime("M/d/yyyy"), "%-m/%-d/%Y");
        assert_eq!(dotnet_to_strftime("yyyy/MM/dd"), "%Y/%m/%d");
        assert_eq!(dotnet_to_strftime("h:mm tt"), "%-I:%M %p");
        assert_eq!(dotnet_to_strftime("HH:mm"), "%H:%M");
        assert_eq!(dotnet_to_strftime("dddd, d MMMM yyyy"), "%A, %-d %B %Y");
        assert_eq!(dotnet_to_strftime("d 'de' MMMM"), "%-d de %B");
        assert_eq!(dotnet_to_strftime("100%"), "100%%");
    }

    #[test]
    fn the_translation_formats_with_jiff() {
        let z: jiff::ZonedDateTime = "2026-03-05T07:04:09+01:00[Europe/Berlin]".parse().unwrap();
        assert_eq!(
            z.strftime(&dotnet_to_strftime("dd.MM.yyyy HH:mm"))
                .to_string(),
            "05.03.2026 07:04"
        );
        assert_eq!(
            z.strftime(&dotnet_to_strftime("M/d/yyyy h:mm tt"))
                .to_string(),
            "3/5/2026 7:04 AM"
        );
    }
}
