//! `patchbay graph`: an authenticated Microsoft Graph call for scripts, in the manner of `gh api`. The token is
//! fresh (renewed as needed) and never printed; Graph's answer goes to stdout; a Graph error exits 1 with its
//! code, message and request-id on stderr.

use super::invalid;
use crate::cli::GraphArgs;
use crate::output;
use patchbay_core::error::{ErrorCode, ErrorInfo};
use patchbay_core::graph::{GraphErrorBody, Method, RawResponse, Request};
use patchbay_core::preview::Collected;
use patchbay_core::Patchbay;
use std::io::{Read, Write};

pub async fn run(core: &Patchbay, args: &GraphArgs) -> Result<(), ErrorInfo> {
    let id = core.get(&args.id)?.id.clone();
    let request = build(args, read_body(args.body.as_deref())?)?;
    if args.paginate {
        if request.method != Method::GET {
            return Err(invalid(
                "--paginate follows the pages of a list, which only GET reads.",
                "Leave out -X, or --paginate.",
            ));
        }
        return match core.graph_collect(&id, &request).await? {
            Collected::Items(items) => output::json(&items),
            Collected::Failed(response) => Err(graph_failure(&response)),
        };
    }
    let response = core.graph_request(&id, &request).await?;
    if !response.is_success() {
        return Err(graph_failure(&response));
    }
    print_body(&response)
}

/// The request the arguments describe.
fn build(args: &GraphArgs, body: Option<serde_json::Value>) -> Result<Request, ErrorInfo> {
    let path = args.path.trim();
    if path.contains("://") {
        return Err(invalid(
            format!("The path {path} is a full URL; give it relative to the connection's Graph."),
            "For example `me/messages` (the connection knows which Microsoft cloud it is in).",
        ));
    }
    let (path, inline_query) = match path.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (path, None),
    };
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
        request = request.query(k.trim(), v.to_string());
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
        request = request.header(k, v.trim().to_string());
    }
    request.body = body;
    Ok(request)
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

/// Graph's answer on stdout: pretty JSON when it is JSON, the bytes as sent otherwise (a photo, a CSV report).
fn print_body(response: &RawResponse) -> Result<(), ErrorInfo> {
    if response.body.is_empty() {
        return Ok(());
    }
    match serde_json::from_slice::<serde_json::Value>(&response.body) {
        Ok(value) => output::json(&value),
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
    let message = match response.status {
        401 => "The connection's sign-in was refused even after renewing it; run `patchbay check ID`, then `patchbay fix ID`.",
        403 => "The connection lacks a permission this call needs; `patchbay fix ID` signs in again to grant it.",
        404 => "Check the path (it is relative to the Graph version root, e.g. me/messages).",
        429 => "Microsoft is throttling this account; wait as its Retry-After says and try again.",
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

    #[test]
    fn paths_queries_and_headers_become_the_request() {
        let mut a = args("/me/messages?$top=5&$select=subject");
        a.query = vec!["$filter=isRead eq false".into()];
        a.header = vec!["Prefer: outlook.timezone=\"Europe/Paris\"".into()];
        let r = build(&a, None).unwrap();
        assert_eq!(r.method, Method::GET);
        assert_eq!(r.path, "me/messages");
        assert_eq!(
            r.query,
            vec![
                ("$top".to_string(), "5".to_string()),
                ("$select".into(), "subject".into()),
                ("$filter".into(), "isRead eq false".into())
            ]
        );
        assert_eq!(r.headers[0].1, "outlook.timezone=\"Europe/Paris\"");
        let r = build(
            &args("me/events"),
            Some(serde_json::json!({"subject": "x"})),
        )
        .unwrap();
        assert_eq!(r.method, Method::POST);
    }

    #[test]
    fn mistakes_are_refused_with_what_to_do() {
        assert!(build(&args("https://graph.microsoft.com/v1.0/me"), None).is_err());
        let mut a = args("me");
        a.header = vec!["Authorization: Bearer x".into()];
        assert!(build(&a, None).unwrap_err().title.contains("Authorization"));
        let mut a = args("me");
        a.query = vec!["top".into()];
        assert!(build(&a, None).is_err());
        let mut a = args("me");
        a.method = Some("GE T".into());
        assert!(build(&a, None).is_err());
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
