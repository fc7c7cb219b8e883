//! A message's template filled from an item: `{subject}`, `{from}`, `{name}`, `{path}`, `{web_url}`, `{change}`,
//! `{preview}`, each with the item's text as it is (a subject with `<b>` shows the characters: the result is
//! posted as text, never markup). `{{` and `}}` are a brace. A placeholder the item has nothing for is empty.

use crate::error::{ErrorCode, ErrorInfo};
use serde_json::Value;

/// The placeholders a template may use.
pub const PLACEHOLDERS: &[&str] = &[
    "subject", "from", "name", "path", "web_url", "change", "preview",
];

/// The longest a filled-in value is kept (a preview of a long message), in characters.
const VALUE_CHARS: usize = 1_000;

enum Part<'t> {
    Text(String),
    Field(&'t str),
}

fn parse(template: &str) -> Result<Vec<Part<'_>>, ErrorInfo> {
    let mut parts = Vec::new();
    let mut text = String::new();
    let mut rest = template;
    while let Some(i) = rest.find(['{', '}']) {
        text.push_str(&rest[..i]);
        let tail = &rest[i..];
        if let Some(after) = tail.strip_prefix("{{") {
            text.push('{');
            rest = after;
        } else if let Some(after) = tail.strip_prefix("}}") {
            text.push('}');
            rest = after;
        } else if tail.starts_with('}') {
            return Err(bad("A lone } in the message.", "Write }} for a brace."));
        } else {
            let Some(end) = tail.find('}') else {
                return Err(bad(
                    "A { in the message is never closed.",
                    "Write {{ for a brace, or close the placeholder: {subject}.",
                ));
            };
            let name = &tail[1..end];
            if !PLACEHOLDERS.contains(&name) {
                return Err(bad(
                    format!("The message names {{{name}}}, which Patchbay does not fill."),
                    format!(
                        "Use {}; write {{{{ for a brace.",
                        PLACEHOLDERS
                            .iter()
                            .map(|p| format!("{{{p}}}"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
            }
            if !text.is_empty() {
                parts.push(Part::Text(std::mem::take(&mut text)));
            }
            parts.push(Part::Field(name));
            rest = &tail[end + 1..];
        }
    }
    text.push_str(rest);
    if !text.is_empty() {
        parts.push(Part::Text(text));
    }
    Ok(parts)
}

fn bad(title: impl Into<String>, hint: impl Into<String>) -> ErrorInfo {
    ErrorInfo::new(ErrorCode::InvalidInput, title, hint)
}

/// `template` checked: every placeholder is one Patchbay fills, the braces balance, and it is not blank.
pub fn check(template: &str) -> Result<(), ErrorInfo> {
    if template.trim().is_empty() {
        return Err(bad(
            "The message is empty.",
            "Write what to post, e.g. \"New mail from {from}: {subject}\".",
        ));
    }
    parse(template).map(|_| ())
}

/// What `field` is for the item in `payload` (`{automation_id, connection_id, trigger, item}`), as text.
fn value(payload: &Value, field: &str) -> String {
    let item = &payload["item"];
    let s = |k: &str| item[k].as_str().map(str::to_string);
    let v = match field {
        "subject" => s("subject").or_else(|| s("chat_topic")),
        "from" => match (s("from_name"), s("from_address")) {
            (Some(n), Some(a)) if !n.is_empty() && n != a => Some(format!("{n} <{a}>")),
            (_, Some(a)) => Some(a),
            (Some(n), None) => Some(n),
            (None, None) => s("modified_by").or_else(|| s("organizer")),
        },
        "name" => s("name").or_else(|| payload["attachment"]["name"].as_str().map(str::to_string)),
        "path" => s("path"),
        "web_url" => s("web_url").or_else(|| s("web_link")),
        "change" => s("change"),
        "preview" => s("preview").or_else(|| s("text")),
        _ => None,
    }
    .unwrap_or_default();
    // One line's worth of control characters never reach the post; a long preview is cut.
    let cleaned: String = v
        .chars()
        .map(|c| if c.is_control() && c != '\n' { ' ' } else { c })
        .collect();
    if cleaned.chars().count() > VALUE_CHARS {
        let cut: String = cleaned.chars().take(VALUE_CHARS).collect();
        format!("{cut}…")
    } else {
        cleaned
    }
}

/// Every placeholder's value for the item in `payload`, as text (the window's live preview of a message).
pub fn fields(payload: &Value) -> std::collections::BTreeMap<String, String> {
    PLACEHOLDERS
        .iter()
        .map(|f| (f.to_string(), value(payload, f)))
        .collect()
}

/// `template` filled from `payload`, as plain text.
pub fn fill(template: &str, payload: &Value) -> Result<String, ErrorInfo> {
    Ok(parse(template)?
        .into_iter()
        .map(|p| match p {
            Part::Text(t) => t,
            Part::Field(f) => value(payload, f),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn placeholders_are_filled_as_text() {
        let payload = json!({"trigger": "new_mail", "item": {
            "subject": "<b>Invoice</b> {name}", "from_name": "Ada", "from_address": "ada@contoso.example",
            "preview": "line\u{1b}[31m one", "web_link": "https://outlook.example/x"}});
        assert_eq!(
            fill("{from}: {subject} ({web_url}) {{literal}} {preview}", &payload).unwrap(),
            "Ada <ada@contoso.example>: <b>Invoice</b> {name} (https://outlook.example/x) {literal} line [31m one"
        );
        let file = json!({"item": {"name": "a.pdf", "path": "/Docs/a.pdf", "change": "created"}});
        assert_eq!(
            fill("{change} {path} {name} {subject}.", &file).unwrap(),
            "created /Docs/a.pdf a.pdf ."
        );
    }

    #[test]
    fn unknown_or_unbalanced_placeholders_are_refused_in_words() {
        let e = check("Hi {body}").unwrap_err();
        assert!(e.title.contains("{body}"), "{}", e.title);
        assert!(e.message.contains("{subject}"), "{}", e.message);
        assert!(check("Hi {subject").is_err());
        assert!(check("Hi }").is_err());
        assert!(check("  ").is_err());
        assert!(check("{{ok}}").is_ok());
    }

    #[test]
    fn a_long_preview_is_cut() {
        let long = "x".repeat(5000);
        let out = fill("{preview}", &json!({"item": {"preview": long}})).unwrap();
        assert_eq!(out.chars().count(), VALUE_CHARS + 1);
    }
}
