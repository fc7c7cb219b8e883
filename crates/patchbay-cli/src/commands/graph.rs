//! `patchbay graph`: an authenticated Microsoft Graph call for scripts, in the manner of `gh api`. The token is
//! fresh (renewed as needed) and never printed; Graph's answer goes to stdout; a Graph error exits 1 with its
//! code, message and request-id on stderr.

use super::invalid;
use crate::cli::GraphArgs;
use crate::output;
use patchbay_core::error::{ErrorCode, ErrorInfo};
use patchbay_core::graph::Collected;
use patchbay_core::graph::{GraphErrorBody, HeaderName, HeaderValue, Method, RawResponse, Request};
use patchbay_core::Patchbay;
use std::io::{Read, Write};

pub async fn run(core: &Patchbay, args: &GraphArgs) -> Result<(), ErrorInfo> {
    let id = core.get(&args.id)?.id.clone();
    let connection = core.graph(&id).await?;
    let path = args.path.trim();
    // A full URL (a nextLink, a Graph Explorer URL) is taken when it is under the connection's own Graph, and
    // refused otherwise: the token goes nowhere else.
    let relative = if path.starts_with("https://") || path.starts_with("http://") {
        let graph = connection.graph();
        Some(graph.relative_of(path).map_err(|_| {
            invalid(
                format!(
                    "{path} is not under this connection's Microsoft Graph ({}).",
                    graph.base()
                ),
                "Give the path relative to it, e.g. me/messages, or a URL under it.",
            )
        })?)
    } else {
        None
    };
    let request = build(
        relative.as_deref().unwrap_or(path),
        args,
        read_body(args.body.as_deref())?,
    )?;
    if args.paginate {
        if request.method != Method::GET {
            return Err(invalid(
                "--paginate follows the pages of a list, which only GET reads.",
                "Leave out -X, or --paginate.",
            ));
        }
        return match connection.pages(&request).await? {
            Collected::Items(items) => output::json(&items),
            Collected::Failed(response) => Err(graph_failure(&response)),
        };
    }
    let response = connection
        .send(&request)
        .await
        .map_err(|e| e.to_error_info())?;
    if !response.is_success() {
        return Err(graph_failure(&response));
    }
    print_body(&response)
}

/// The request the arguments describe, for `path` relative to the connection's Graph.
fn build(
    path: &str,
    args: &GraphArgs,
    body: Option<serde_json::Value>,
) -> Result<Request, ErrorInfo> {
    let (path, inline_query) = match path.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (path, None),
    };
    if path.contains("://") {
        return Err(invalid(
            format!("The path {path} holds a URL; give it relative to the connection's Graph."),
            "For example `me/messages` (the connection knows which Microsoft cloud it is in).",
        ));
    }
    let mut request = Request::get(path);
    request.method = match &args.method {
        Some(m) => Method::from_bytes(m.trim().to_ascii_uppercase().as_bytes()).map_err(|_| {
            invalid(
                format!("{m} is not an HTTP method."),
                "Use GET, POST, PATCH, PUT or DELETE.",
            )
        })?,
        None if body.is_some() => Method::POST,
        None => Method::GET,
    };
    if let Some(q) = inline_query {
        for (k, v) in url::form_urlencoded::parse(q.as_bytes()) {
            request = request.query(&k, v.into_owned());
        }
    }
    for pair in &args.query {
        let Some((k, v)) = pair.split_once('=') else {
            return Err(invalid(
                format!("--query {pair} has no '='."),
                "Give it as key=value, e.g. --query '$top=5'.",
            ));
        };
        // --query wins over the same option in PATH: Graph refuses a query option given twice.
        let k = k.trim();
        request
            .query
            .retain(|(existing, _)| !same_option(existing, k));
        request = request.query(k, v.to_string());
    }
    for header in &args.header {
        let Some((k, v)) = header.split_once(':') else {
            return Err(invalid(
                format!("--header {header} has no ':'."),
                "Give it as 'Key: Value', e.g. --header 'ConsistencyLevel: eventual'.",
            ));
        };
        let k = k.trim();
        if k.eq_ignore_ascii_case("authorization") {
            return Err(invalid(
                "Patchbay sends the Authorization header itself.",
                "Leave it out: the connection's token is added to every call.",
            ));
        }
        let v = v.trim();
        if HeaderName::from_bytes(k.as_bytes()).is_err() || HeaderValue::from_str(v).is_err() {
            return Err(invalid(
                format!("--header {header} is not a valid HTTP header."),
                "A name is letters, digits and - (no spaces); a value is printable text on one line.",
            ));
        }
        request = request.header(k, v.to_string());
    }
    request.body = body;
    Ok(request)
}

/// Whether two query option names are the same: `$top` and `$TOP` are (Graph reads system query options
/// case-insensitively), other names only when equal.
fn same_option(a: &str, b: &str) -> bool {
    if a.starts_with('$') || b.starts_with('$') {
        a.eq_ignore_ascii_case(b)
    } else {
        a == b
    }
}

/// The JSON body from a file or stdin (`-`).
fn read_body(source: Option<&str>) -> Result<Option<serde_json::Value>, ErrorInfo> {
    let Some(source) = source else {
        return Ok(None);
    };
    let mut text = String::new();
    let read = if source == "-" {
        std::io::stdin().read_to_string(&mut text).map(|_| ())
    } else {
        std::fs::read_to_string(source).map(|t| text = t)
    };
    read.map_err(|e| {
        invalid(
            format!("Could not read the body from {source}."),
            "Give a readable file, or - for stdin.",
        )
        .with_detail(e.to_string())
    })?;
    serde_json::from_str(&text).map(Some).map_err(|e| {
        invalid(
            format!("The body from {source} is not JSON."),
            "Microsoft Graph takes JSON bodies; check the file.",
        )
        .with_detail(e.to_string())
    })
}

/// Graph's answer on stdout: pretty JSON when it is JSON, the bytes as sent otherwise (a photo, a CSV report)
/// into a pipe or a file; on a terminal, as text that cannot drive it (see [`output::terminal_safe`]).
fn print_body(response: &RawResponse) -> Result<(), ErrorInfo> {
    use std::io::IsTerminal;
    if response.body.is_empty() {
        return Ok(());
    }
    match serde_json::from_slice::<serde_json::Value>(&response.body) {
        Ok(value) => output::json(&value),
        Err(_) if std::io::stdout().is_terminal() => {
            output::out(&String::from_utf8_lossy(&response.body));
            Ok(())
        }
        Err(_) => {
            let mut stdout = std::io::stdout().lock();
            let _ = stdout
                .write_all(&response.body)
                .and_then(|()| stdout.flush());
            Ok(())
        }
    }
}

/// Graph's error as the command's: its code, message and request-id.
fn graph_failure(response: &RawResponse) -> ErrorInfo {
    let body = GraphErrorBody::parse(
        response.status,
        &response.body,
        response.header("request-id"),
    );
    let mut title = format!(
        "Microsoft Graph answered HTTP {}: {}",
        response.status,
        body.summary()
    );
    if let Some(id) = &body.request_id {
        title.push_str(&format!(" (request-id {id})"));
    }
    let retry;
    let message = match response.status {
        401 => "The connection's sign-in was refused even after renewing it; run `patchbay check ID`, then `patchbay fix ID`.",
        403 => "The connection lacks a permission this call needs; `patchbay fix ID` signs in again to grant it.",
        404 => "Check the path (it is relative to the Graph version root, e.g. me/messages).",
        429 => match response.retry_after() {
            Some(wait) => {
                retry = format!(
                    "Microsoft is throttling this account and asked to wait {} s; try again after that.",
                    wait.as_secs().max(1)
                );
                retry.as_str()
            }
            None => "Microsoft is throttling this account; wait a minute and try again.",
        },
        400 => "Graph refused the request as written; its message says what to change.",
        500..=599 => "Microsoft Graph had a problem; try again in a few minutes.",
        _ => "See Graph's code and message.",
    };
    ErrorInfo::new(ErrorCode::ProviderError, title, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(path: &str) -> GraphArgs {
        GraphArgs {
            id: "c".into(),
            path: path.into(),
            method: None,
            query: vec![],
            body: None,
            header: vec![],
            paginate: false,
        }
    }

    fn build_args(a: &GraphArgs, body: Option<serde_json::Value>) -> Result<Request, ErrorInfo> {
        build(a.path.trim(), a, body)
    }

    #[test]
    fn paths_queries_and_headers_become_the_request() {
        let mut a = args("/me/messages?$top=5&$select=subject");
        a.query = vec!["$filter=isRead eq false".into(), "$TOP=50".into()];
        a.header = vec!["Prefer: outlook.timezone=\"Europe/Paris\"".into()];
        let r = build_args(&a, None).unwrap();
        assert_eq!(r.method, Method::GET);
        assert_eq!(r.path, "me/messages");
        // --query replaces the same option in PATH (Graph reads $-options case-insensitively).
        assert_eq!(
            r.query,
            vec![
                ("$select".to_string(), "subject".to_string()),
                ("$filter".into(), "isRead eq false".into()),
                ("$TOP".into(), "50".into()),
            ]
        );
        assert_eq!(r.headers[0].1, "outlook.timezone=\"Europe/Paris\"");
        let r = build_args(
            &args("me/events"),
            Some(serde_json::json!({"subject": "x"})),
        )
        .unwrap();
        assert_eq!(r.method, Method::POST);
        // A URL inside a query value is fine; only the path must be relative.
        let r = build_args(
            &args("me/messages?$filter=startswith(webLink,'https://x')"),
            None,
        )
        .unwrap();
        assert_eq!(r.query[0].1, "startswith(webLink,'https://x')");
    }

    #[test]
    fn mistakes_are_refused_with_what_to_do() {
        assert!(build_args(&args("me/https://evil.example/x"), None).is_err());
        let mut a = args("me");
        a.header = vec!["Authorization: Bearer x".into()];
        assert!(build_args(&a, None)
            .unwrap_err()
            .title
            .contains("Authorization"));
        for bad in ["Bad Name: x", "X-Ok: line\u{7}bell"] {
            let mut a = args("me");
            a.header = vec![bad.into()];
            let e = build_args(&a, None).unwrap_err();
            assert_eq!(e.code, ErrorCode::InvalidInput, "{bad}");
            assert!(e.title.contains("not a valid HTTP header"), "{}", e.title);
        }
        let mut a = args("me");
        a.query = vec!["top".into()];
        assert!(build_args(&a, None).is_err());
        let mut a = args("me");
        a.method = Some("GE T".into());
        assert!(build_args(&a, None).is_err());
    }

    #[test]
    fn throttling_says_how_long_to_wait() {
        let response = RawResponse {
            status: 429,
            headers: vec![("Retry-After".into(), "42".into())],
            body: br#"{"error":{"code":"TooManyRequests","message":"Slow down."}}"#.to_vec(),
        };
        assert!(graph_failure(&response).message.contains("wait 42 s"));
    }

    #[test]
    fn graph_errors_keep_code_message_and_request_id() {
        let response = RawResponse {
            status: 403,
            headers: vec![],
            body: br#"{"error":{"code":"ErrorAccessDenied","message":"Access is denied.","innerError":{"request-id":"r-9"}}}"#.to_vec(),
        };
        let e = graph_failure(&response);
        assert_eq!(
            e.title,
            "Microsoft Graph answered HTTP 403: ErrorAccessDenied: Access is denied. (request-id r-9)"
        );
    }
}
