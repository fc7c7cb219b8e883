//! An automation's POST carries the person's mail: it goes to the URL given, once, and nowhere else. A hook that
//! redirects and a proxy named in the environment are the two ways it could go elsewhere.
//!
//! Every test here runs with `HTTP_PROXY`, `HTTPS_PROXY` and `ALL_PROXY` naming a proxy that records what
//! reaches it (set before the first POST builds its clients, which read them).

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::post;
use axum::Router;
use patchbay_core::automations::action::{deliver, Outcome};
use patchbay_core::automations::{Action, Automation, Trigger};
use std::io::{BufRead, BufReader, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

/// The request lines that reached the proxy.
fn proxied() -> &'static Mutex<Vec<String>> {
    static PROXY: OnceLock<Mutex<Vec<String>>> = OnceLock::new();
    PROXY.get_or_init(|| {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let address = format!("http://{}", listener.local_addr().unwrap());
        for var in ["NO_PROXY", "no_proxy"] {
            std::env::remove_var(var);
        }
        for var in [
            "HTTP_PROXY",
            "http_proxy",
            "HTTPS_PROXY",
            "https_proxy",
            "ALL_PROXY",
            "all_proxy",
        ] {
            std::env::set_var(var, &address);
        }
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let mut line = String::new();
                let _ = BufReader::new(&stream).read_line(&mut line);
                proxied().lock().unwrap().push(line.trim_end().to_string());
                let _ =
                    (&stream).write_all(b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n");
            }
        });
        Mutex::new(Vec::new())
    })
}

fn posting_to(url: &str) -> Automation {
    Automation {
        id: "a1".into(),
        name: "hook".into(),
        connection_id: "c1".into(),
        trigger: Trigger::EventChanged { days: 1 },
        action: Action::Post { url: url.into() },
        paused: false,
        notify: false,
        poll_secs: 60,
        created_at: "2025-01-01T00:00:00Z".into(),
    }
}

async fn post_mail(url: &str) -> Outcome {
    proxied();
    deliver(
        &posting_to(url),
        "m1",
        &serde_json::json!({"subject": "Quarterly numbers"}),
        &reqwest::Client::new(),
    )
    .await
}

/// A hook on this computer: `/hook` counts what it receives, `/redirect/{code}` answers that redirect to
/// `/hook`.
async fn hook() -> (String, Arc<AtomicUsize>) {
    async fn hooked(State(count): State<Arc<AtomicUsize>>) -> StatusCode {
        count.fetch_add(1, Ordering::SeqCst);
        StatusCode::NO_CONTENT
    }
    async fn redirect(axum::extract::Path(code): axum::extract::Path<u16>) -> impl IntoResponse {
        (
            StatusCode::from_u16(code).unwrap(),
            [(header::LOCATION, "/hook")],
        )
    }
    let count = Arc::new(AtomicUsize::new(0));
    let app = Router::new()
        .route("/hook", post(hooked))
        .route("/redirect/{code}", post(redirect))
        .with_state(count.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (base, count)
}

#[tokio::test]
async fn a_redirect_is_a_failure_in_words_and_the_mail_is_not_posted_again() {
    let (base, received) = hook().await;
    for code in [301, 302, 303, 307, 308] {
        let o = post_mail(&format!("{base}/redirect/{code}")).await;
        assert!(!o.ok, "{code}: {o:?}");
        assert_eq!(o.http_status, Some(code));
        let detail = o.detail.unwrap();
        assert!(
            detail.contains("a redirect to /hook") && detail.contains("does not follow redirects"),
            "{detail}"
        );
    }
    assert_eq!(
        received.load(Ordering::SeqCst),
        0,
        "no redirect was followed"
    );
    let o = post_mail(&format!("{base}/hook")).await;
    assert!(o.ok, "{o:?}");
    assert_eq!(received.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_post_to_this_computer_never_goes_through_the_proxy_and_one_elsewhere_does() {
    let (base, received) = hook().await;
    let port = base.rsplit(':').next().unwrap().to_string();
    for url in [
        format!("{base}/hook"),
        format!("http://localhost:{port}/hook"),
    ] {
        let o = post_mail(&url).await;
        assert!(o.ok, "{url}: {o:?}");
    }
    assert_eq!(received.load(Ordering::SeqCst), 2);
    assert!(
        !proxied()
            .lock()
            .unwrap()
            .iter()
            .any(|line| line.contains(&port)),
        "the mail for this computer went through the proxy: {:?}",
        proxied().lock().unwrap()
    );
    // Elsewhere, the proxy the environment names is used, as by the person's other programs.
    let o = post_mail("https://hooks.example.invalid/x").await;
    assert!(!o.ok);
    assert!(
        proxied()
            .lock()
            .unwrap()
            .iter()
            .any(|line| line.starts_with("CONNECT hooks.example.invalid:443")),
        "{:?}",
        proxied().lock().unwrap()
    );
}

#[tokio::test]
async fn a_url_edited_to_plain_http_elsewhere_is_refused_at_delivery() {
    // automations.json is a plain file: an automation added with https, then edited.
    let o = post_mail("http://edited.example.invalid/hook").await;
    assert!(!o.ok);
    let detail = o.detail.unwrap();
    assert!(
        detail.starts_with(
            "Not sent: http://edited.example.invalid/hook is plain http to another computer."
        ),
        "{detail}"
    );
    assert!(
        !proxied()
            .lock()
            .unwrap()
            .iter()
            .any(|line| line.contains("edited.example.invalid")),
        "nothing left this process"
    );
}
