//! Microsoft's own MSAL Python against the sandbox (tests/msal/msal_client.py): the auth code flow with PKCE —
//! this test playing the browser on the sign-in pages — then `acquire_token_silent(force_refresh=True)`, for a
//! work account at `organizations` and a personal one at `consumers`. MSAL builds its account's
//! `home_account_id` from the `client_info` Entra returns (`uid.utid`); without it MSAL falls back to the ID
//! token's `sub`, so the account's ID says whether the sandbox answered as Entra does.
//!
//! Needs MSAL Python (`msal`, in the Python `PATCHBAY_MSAL_PYTHON` names, else `python3`): `scripts/test`
//! installs it into a cached virtual environment and points the variable at it.

mod common;

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use common::*;
use patchbay_sandbox::{Sandbox, BUILT_IN_CLIENT_ID, CONSUMERS_TENANT_ID, DEMO_TENANT_ID};
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use url::Url;

/// How long MSAL may take for the whole flow.
const LIMIT: Duration = Duration::from_secs(60);

fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/msal/msal_client.py")
}

/// Run MSAL's sign-in and refresh as `email` at `tenant`; its report.
async fn msal_sign_in(sb: &Sandbox, tenant: &str, email: &str) -> (Url, Value) {
    let python = std::env::var("PATCHBAY_MSAL_PYTHON").unwrap_or_else(|_| "python3".into());
    let mut child = tokio::process::Command::new(&python)
        .arg(script())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| panic!("{python} did not start: {e}"));
    let mut stdin = child.stdin.take().expect("stdin");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let stderr = child.stderr.take().expect("stderr");
    let collect_stderr = tokio::spawn(async move {
        let mut text = String::new();
        let mut err = BufReader::new(stderr);
        let _ = tokio::io::AsyncReadExt::read_to_string(&mut err, &mut text).await;
        text
    });

    // MSAL speaks https only: the script maps this origin to the sandbox's http one (see its docstring).
    let https = format!(
        "https://{}",
        sb.base_url().host_str().map_or(String::new(), |h| {
            format!("{h}:{}", sb.base_url().port().unwrap_or(80))
        })
    );
    let plan = json!({
        "authority": format!("{https}/{tenant}"),
        "client_id": BUILT_IN_CLIENT_ID,
        "scopes": ["User.Read"],
        "redirect_uri": REDIRECT,
    });
    let send = |v: Value| format!("{v}\n");
    stdin.write_all(send(plan).as_bytes()).await.unwrap();

    let first = tokio::time::timeout(LIMIT, lines.next_line()).await;
    let Ok(Ok(Some(line))) = first else {
        drop(stdin);
        let err = collect_stderr.await.unwrap_or_default();
        panic!(
            "MSAL Python gave no authorization URL (is msal installed for {python}? scripts/test installs it: pip \
             install msal==1.39.0):\n{err}"
        );
    };
    let auth_uri: String = serde_json::from_str::<Value>(&line)
        .ok()
        .and_then(|v| v["auth_uri"].as_str().map(str::to_string))
        .unwrap_or_else(|| panic!("not an auth_uri: {line}"));
    let auth_url = Url::parse(&auth_uri).expect("a URL");

    // Play the browser: the same URL over the sandbox's plain http.
    let mut browser_url = sb.base_url().join(auth_url.path()).unwrap();
    browser_url.set_query(auth_url.query());
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let f = Flow {
        url: browser_url,
        verifier: String::new(),
        client_id: BUILT_IN_CLIENT_ID.into(),
        redirect_uri: REDIRECT.into(),
    };
    let back = sign_in(&client, sb, &f, email).await;
    stdin
        .write_all(send(json!({"redirect": back.as_str()})).as_bytes())
        .await
        .unwrap();
    let report = tokio::time::timeout(LIMIT, lines.next_line()).await;
    drop(stdin);
    let status = tokio::time::timeout(LIMIT, child.wait()).await;
    let err = collect_stderr.await.unwrap_or_default();
    let Ok(Ok(Some(report))) = report else {
        panic!("MSAL Python gave no report:\n{err}");
    };
    assert!(
        matches!(status, Ok(Ok(s)) if s.success()),
        "MSAL Python failed: {status:?}\n{err}"
    );
    let report: Value =
        serde_json::from_str(&report).unwrap_or_else(|e| panic!("report ({e}): {report}\n{err}"));
    (auth_url, report)
}

async fn signs_in_and_refreshes(tenant: &str, email: &str, utid: &str) {
    let (sb, _) = start().await;
    let oid = sb
        .control()
        .users()
        .into_iter()
        .find(|u| u.email == email)
        .map(|u| u.id)
        .expect("a demo user");
    let (auth_url, report) = msal_sign_in(&sb, tenant, email).await;

    // What MSAL asked: PKCE, and client_info.
    let asked = query(&auth_url);
    assert_eq!(
        asked.get("client_info").map(String::as_str),
        Some("1"),
        "{auth_url}"
    );
    assert_eq!(
        asked.get("code_challenge_method").map(String::as_str),
        Some("S256")
    );

    let home_account_id = format!("{oid}.{utid}");
    let info = json!({"uid": oid, "utid": utid});
    assert_eq!(report["first"]["ok"], true, "the code redeemed: {report}");
    assert_eq!(report["first"]["client_info"], info, "{report}");
    assert_eq!(report["client_info_in_redirect"], true, "{report}");
    assert_eq!(report["first"]["id_token_oid"], oid.as_str());
    assert_eq!(report["first"]["id_token_tid"], utid);
    assert_eq!(report["silent"]["ok"], true, "the refresh: {report}");
    assert_eq!(
        report["silent"]["token_source"], "identity_provider",
        "force_refresh went to the token endpoint: {report}"
    );
    assert_eq!(report["silent"]["client_info"], info, "{report}");
    assert_eq!(
        report["accounts"].as_array().map(Vec::len),
        Some(1),
        "{report}"
    );
    assert_eq!(
        report["accounts"][0]["home_account_id"],
        home_account_id.as_str()
    );
    assert_eq!(report["accounts"][0]["username"], email);
    assert_eq!(report["cached_accounts"], json!([home_account_id]));
    assert_eq!(
        report["refresh_tokens"],
        json!([home_account_id]),
        "the rotated refresh token replaced the first, under the same account"
    );
    let stats = sb.control().stats();
    assert_eq!(stats.token_requests.get("authorization_code"), Some(&1));
    assert_eq!(stats.token_requests.get("refresh_token"), Some(&1));
    assert_eq!(stats.token_errors, 0);
    sb.shutdown().await;
}

#[tokio::test]
async fn msal_python_signs_a_work_account_in_and_refreshes() {
    signs_in_and_refreshes("organizations", "adele@contoso.example", DEMO_TENANT_ID).await;
}

#[tokio::test]
async fn msal_python_signs_a_personal_account_in_and_refreshes() {
    signs_in_and_refreshes("consumers", "sam@outlook.example", CONSUMERS_TENANT_ID).await;
}
