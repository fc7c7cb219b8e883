//! No command result or event can carry a token or a secret to the webview: every type that crosses IPC is in
//! `ui/src/ipc/bindings/` (generated from the Rust types; `tests/bindings.rs` fails when they are stale), and no
//! field there may be named for one. The only secret that crosses at all is a client secret the person typed,
//! and only inward, in the two request types, once.
//!
//! Threat model: docs/THREAT-MODEL.md, "webview ↔ Rust".

use std::collections::BTreeMap;
use std::path::PathBuf;

fn bindings() -> BTreeMap<String, String> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/ipc/bindings");
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(&dir).expect("the bindings folder") {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "ts") {
            let name = path.file_stem().unwrap().to_string_lossy().into_owned();
            out.insert(name, std::fs::read_to_string(&path).unwrap());
        }
    }
    assert!(
        out.len() > 20,
        "found {} bindings in {}",
        out.len(),
        dir.display()
    );
    out
}

/// The field names of a generated type: `name:` or `name?:` outside comments.
fn fields(ts: &str) -> Vec<String> {
    let code: String = ts
        .lines()
        .filter(|l| {
            let t = l.trim_start();
            !(t.starts_with("//") || t.starts_with("/*") || t.starts_with('*'))
        })
        .collect::<Vec<_>>()
        .join("\n");
    let mut names = Vec::new();
    let bytes: Vec<char> = code.chars().collect();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_alphabetic() || bytes[i] == '_' {
            let start = i;
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == '_') {
                i += 1;
            }
            let mut j = i;
            if j < bytes.len() && bytes[j] == '?' {
                j += 1;
            }
            if j < bytes.len() && bytes[j] == ':' {
                names.push(bytes[start..i].iter().collect());
            }
        } else {
            i += 1;
        }
    }
    names
}

/// Types the UI sends in (requests); everything else comes out of Rust (results, events).
const INWARD: &[&str] = &["ConnectRequest", "FixRequest"];

#[test]
fn no_type_that_crosses_ipc_has_a_field_for_a_token_or_secret() {
    let forbidden = [
        "token",
        "password",
        "verifier",
        "assertion",
        "code_challenge",
        "key",
    ];
    let mut checked = 0;
    for (name, ts) in bindings() {
        for field in fields(&ts) {
            checked += 1;
            let lower = field.to_ascii_lowercase();
            for word in forbidden {
                assert!(
                    !lower.contains(word),
                    "{name}.{field} looks like it carries a {word}"
                );
            }
            if lower.contains("secret") {
                let allowed = matches!(
                    field.as_str(),
                    "has_client_secret" | "client_secret_expires_on"
                ) || (INWARD.contains(&name.as_str()) && field == "client_secret");
                assert!(
                    allowed,
                    "{name}.{field}: a secret may only travel inward, in a request"
                );
            }
        }
    }
    assert!(
        checked > 100,
        "only {checked} fields seen: is the parser right?"
    );
}

#[test]
fn the_parser_sees_fields() {
    let ts = "/** A doc with token: in it */\nexport type X = { a: string, b_c?: number, \n/**\n * token: no\n */\nd: boolean, };";
    assert_eq!(fields(ts), vec!["a", "b_c", "d"]);
}
