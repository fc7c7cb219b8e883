//! `--run 'PROGRAM ARG…'` split into words as a POSIX shell would, without running one: once, when the
//! automation is added; what runs is the list of words.

use crate::error::{ErrorCode, ErrorInfo};

/// Split `text` into words as a POSIX shell would.
///
/// A word starting with an unquoted `#` begins a comment in a shell, which drops it and every word after it on
/// the line: `--run 'tag #urgent'` would run `tag` alone. Such a command is refused rather than read either way:
/// the person may try the same line in a terminal, where the `#` words are dropped, and a line that means one
/// thing there and another here (or drops words silently) is the hazard. Quoted, `'#urgent'` is an argument.
pub fn split_run(text: &str) -> Result<Vec<String>, ErrorInfo> {
    let words = shell_words::split(text).map_err(|e| {
        ErrorInfo::new(
            ErrorCode::InvalidInput,
            format!("The command `{text}` cannot be split into words ({e})."),
            "Close its quotes, e.g. --run 'save-files --to \"My Files\"'.",
        )
    })?;
    if let Some(dropped) = comment(text, &words) {
        return Err(ErrorInfo::new(
            ErrorCode::InvalidInput,
            format!(
                "In the command `{text}`, `{dropped}` starts with #, which a shell reads as a comment: it and \
                 every word after it would be dropped."
            ),
            format!(
                "Quote it to pass it as an argument, e.g. --run \"{} '{dropped}'\", or leave it out.",
                words.join(" ")
            ),
        ));
    }
    if words.is_empty() {
        return Err(ErrorInfo::new(
            ErrorCode::InvalidInput,
            "The command is empty.",
            "Give a program and its arguments, e.g. --run 'notify-send New mail'.",
        ));
    }
    Ok(words)
}

/// The first word a shell would drop as a comment, if any: `text` is split again with every `#` made an ordinary
/// character (a stand-in the text does not hold), which changes nothing but comments; where the two splits
/// differ, a comment began.
fn comment(text: &str, words: &[String]) -> Option<String> {
    if !text.contains('#') {
        return None;
    }
    let stand_in = ('\u{e000}'..='\u{f8ff}').find(|c| !text.contains(*c))?;
    let literal: Vec<String> = shell_words::split(&text.replace('#', &stand_in.to_string()))
        .ok()?
        .into_iter()
        .map(|w| w.replace(stand_in, "#"))
        .collect();
    if literal == words {
        return None;
    }
    literal.get(words.len()).cloned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_split_like_a_shell() {
        assert_eq!(
            split_run("save --to 'My Files' \"a b\"").unwrap(),
            ["save", "--to", "My Files", "a b"]
        );
        assert_eq!(
            split_run("sh -c 'echo $X | tee f'").unwrap(),
            ["sh", "-c", "echo $X | tee f"]
        );
        assert!(split_run("x 'open").is_err());
        assert!(split_run("  ").is_err());
    }

    #[test]
    fn a_word_a_shell_would_drop_as_a_comment_is_refused_and_a_quoted_one_kept() {
        for (text, dropped) in [
            ("tag #urgent", "#urgent"),
            ("tag #urgent now", "#urgent"),
            ("tag a\t#b", "#b"),
            ("#tag", "#tag"),
        ] {
            let e = split_run(text).unwrap_err();
            assert!(e.title.contains(&format!("`{dropped}`")), "{}", e.title);
            assert!(e.title.contains("comment"), "{}", e.title);
            assert!(e.message.contains(&format!("'{dropped}'")), "{}", e.message);
        }
        // A `#` inside a word, or quoted, is an ordinary character, in a shell and here.
        assert_eq!(split_run("tag a#b").unwrap(), ["tag", "a#b"]);
        assert_eq!(split_run("tag '#urgent'").unwrap(), ["tag", "#urgent"]);
        assert_eq!(split_run("tag \\#urgent").unwrap(), ["tag", "#urgent"]);
        assert_eq!(
            split_run("sh -c 'x # not a comment of ours'").unwrap(),
            ["sh", "-c", "x # not a comment of ours"]
        );
    }
}
