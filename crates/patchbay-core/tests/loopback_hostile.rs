//! The loopback sign-in listener against hostile local peers, over real sockets on 127.0.0.1: idle and
//! half-sent connections, more connections than the cap, headers trickled slower than the header timeout,
//! and odd request targets. None may keep the browser's redirect out, and nothing may outlive the flow.
//!
//! Each test runs on a current-thread runtime with no other tasks, so the runtime's count of live tasks is
//! the listener's own: back to the baseline means every accept loop and connection task has ended.

use patchbay_core::oauth::callback::{
    ListenerLimits, LoopbackListener, LoopbackRedirect, HEADER_TIMEOUT, MAX_CONNECTIONS,
};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Only guards against hangs: everything here should take milliseconds.
const GUARD: Duration = Duration::from_secs(10);
const STATE: &str = "the-real-state";

/// Never reached in these tests, so a connection that closes was closed by something else.
const NO_HEADER_TIMEOUT: Duration = Duration::from_secs(3600);

async fn listen(limits: ListenerLimits) -> (LoopbackListener, u16) {
    let redirect = LoopbackRedirect::parse("http://127.0.0.1/cb").unwrap();
    let listener = LoopbackListener::bind_with(&redirect, STATE.into(), limits)
        .await
        .unwrap();
    let port = listener
        .redirect_uri()
        .trim_start_matches("http://127.0.0.1:")
        .trim_end_matches("/cb")
        .parse()
        .unwrap();
    (listener, port)
}

fn live_tasks() -> usize {
    tokio::runtime::Handle::current()
        .metrics()
        .num_alive_tasks()
}

/// Send one raw request and read the whole answer (the listener closes after `Connection: close`, or when
/// the request is cut short).
async fn raw_request(port: u16, request: &[u8]) -> String {
    tokio::time::timeout(GUARD, async {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        stream.write_all(request).await.unwrap();
        // Nothing more is coming: an incomplete request ends here instead of waiting for the header timeout.
        stream.shutdown().await.unwrap();
        let mut answer = Vec::new();
        // A reset after the answer is fine: what was read is the answer.
        let _ = stream.read_to_end(&mut answer).await;
        String::from_utf8_lossy(&answer).into_owned()
    })
    .await
    .expect("the listener did not answer within the guard")
}

async fn get(port: u16, target: &str) -> String {
    raw_request(
        port,
        format!("GET {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n")
            .as_bytes(),
    )
    .await
}

/// Read until the listener closes the connection (EOF or reset); panics if it is still open after the guard.
async fn closed_by_listener(stream: &mut TcpStream, which: usize) {
    let mut buf = [0u8; 1024];
    tokio::time::timeout(GUARD, async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => continue,
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("connection {which} was still open after the guard"));
}

async fn tasks_back_to(baseline: usize) {
    tokio::time::timeout(GUARD, async {
        while live_tasks() > baseline {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .unwrap_or_else(|_| {
        panic!(
            "{} listener task(s) still alive after the flow ended",
            live_tasks() - baseline
        )
    });
}

async fn port_refuses(port: u16) {
    assert!(
        TcpStream::connect(("127.0.0.1", port)).await.is_err(),
        "127.0.0.1:{port} still accepts connections after the flow ended"
    );
    assert!(
        TcpStream::connect(("::1", port)).await.is_err(),
        "[::1]:{port} still accepts connections after the flow ended"
    );
}

async fn deliver_real_callback(port: u16, listener: &mut LoopbackListener) {
    let answer = get(port, &format!("/cb?code=the-code&state={STATE}")).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("You can close this tab"), "{answer}");
    let params = tokio::time::timeout(GUARD, listener.wait())
        .await
        .expect("the callback was answered but not handed to the flow")
        .expect("the listener stopped without the callback");
    assert_eq!(params.code.as_deref(), Some("the-code"));
}

#[test]
fn the_defaults_are_the_documented_limits() {
    let limits = ListenerLimits::default();
    assert_eq!(limits.header_timeout, HEADER_TIMEOUT);
    assert_eq!(limits.max_connections, MAX_CONNECTIONS);
}

#[tokio::test]
async fn two_hundred_idle_connections_neither_block_the_callback_nor_outlive_the_flow() {
    let started = Instant::now();
    let baseline = live_tasks();
    let (mut listener, port) = listen(ListenerLimits {
        header_timeout: NO_HEADER_TIMEOUT,
        ..ListenerLimits::default()
    })
    .await;

    let mut idle = Vec::new();
    for i in 0..200 {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        // Half send nothing, half start a request line and stop.
        if i % 2 == 1 {
            stream
                .write_all(format!("GET /cb?code=evil&state={STATE}").as_bytes())
                .await
                .unwrap();
        }
        idle.push(stream);
    }
    // Let the listener take all of them before the browser comes.
    tokio::time::sleep(Duration::from_millis(50)).await;

    let callback_started = Instant::now();
    deliver_real_callback(port, &mut listener).await;
    let callback_took = callback_started.elapsed();

    // The callback alone ends the flow (the listener is still held here).
    for (i, stream) in idle.iter_mut().enumerate() {
        closed_by_listener(stream, i).await;
    }
    tasks_back_to(baseline).await;
    port_refuses(port).await;
    drop(listener);
    println!(
        "200 idle connections: callback answered in {callback_took:?}; whole test {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn ending_the_flow_closes_held_connections() {
    // What the flow does when the person cancels or the wait times out: it drops the listener.
    let baseline = live_tasks();
    let (listener, port) = listen(ListenerLimits {
        header_timeout: NO_HEADER_TIMEOUT,
        ..ListenerLimits::default()
    })
    .await;
    let mut held = Vec::new();
    for i in 0..10 {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        let partial: &[u8] = match i % 3 {
            0 => b"",
            1 => b"GET /cb?state=x HTTP/1.1\r\nHost: 127.0.0.1\r\n",
            _ => b"POST /cb HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100000\r\n\r\nsome",
        };
        stream.write_all(partial).await.unwrap();
        held.push(stream);
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
    drop(listener);
    for (i, stream) in held.iter_mut().enumerate() {
        closed_by_listener(stream, i).await;
    }
    tasks_back_to(baseline).await;
    port_refuses(port).await;
}

#[tokio::test]
async fn a_connection_that_trickles_its_headers_is_dropped() {
    let (mut listener, port) = listen(ListenerLimits {
        header_timeout: Duration::from_millis(300),
        ..ListenerLimits::default()
    })
    .await;
    let started = Instant::now();
    let mut slow = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    slow.write_all(b"GET /cb?state=wrong HTTP/1.1\r\n")
        .await
        .unwrap();
    // Keep making progress, a header line every 50 ms, never finishing the head.
    let mut buf = [0u8; 1024];
    tokio::time::timeout(GUARD, async {
        loop {
            tokio::select! {
                read = slow.read(&mut buf) => match read {
                    Ok(0) | Err(_) => return,
                    Ok(_) => continue,
                },
                _ = tokio::time::sleep(Duration::from_millis(50)) => {
                    if slow.write_all(b"X-Slow: 1\r\n").await.is_err() {
                        return;
                    }
                }
            }
        }
    })
    .await
    .expect("a connection trickling its headers was still open after the guard");
    println!(
        "a trickling connection was dropped after {:?} (header timeout 300 ms)",
        started.elapsed()
    );
    // The flow is still waiting, and a prompt request is unaffected by the short timeout.
    deliver_real_callback(port, &mut listener).await;
}

#[tokio::test]
async fn connections_beyond_the_cap_close_the_oldest_idle_ones() {
    let baseline = live_tasks();
    let (mut listener, port) = listen(ListenerLimits {
        header_timeout: NO_HEADER_TIMEOUT,
        max_connections: 4,
    })
    .await;
    let mut idle = Vec::new();
    for _ in 0..10 {
        idle.push(TcpStream::connect(("127.0.0.1", port)).await.unwrap());
    }
    // The 6 oldest made room for the 4 newest.
    for (i, stream) in idle.iter_mut().enumerate().take(6) {
        closed_by_listener(stream, i).await;
    }
    deliver_real_callback(port, &mut listener).await;
    for (i, stream) in idle.iter_mut().enumerate().skip(6) {
        closed_by_listener(stream, i).await;
    }
    tasks_back_to(baseline).await;
}

#[tokio::test]
async fn odd_requests_get_an_error_and_the_wait_goes_on() {
    let (mut listener, port) = listen(ListenerLimits::default()).await;
    let long_state = "%F0%9F".repeat(20_000);
    for target in [
        "/cb?state=%FF%FE&code=x".to_string(),
        "/cb?%zz=%&state=%".to_string(),
        "/cb?state=ｓｔａｔｅ&code=🦀".to_string(),
        format!("/cb?state={STATE}x"),
        format!("/cb?state={long_state}"),
        "/cb/../cb?state=x".to_string(),
        "*".to_string(),
        "http://[::1/cb?state=x".to_string(),
    ] {
        let answer = get(port, &target).await;
        assert!(
            !answer.starts_with("HTTP/1.1 200"),
            "{target:.80}: {answer:.200}"
        );
    }
    for garbage in [
        &b"\xff\xfe\xfd\r\n\r\n"[..],
        b"GET /cb?state=x HTTP/9.9\r\n\r\n",
        b"GET \xef\xbd\x8c HTTP/1.1\r\n\r\n",
        b"\r\n\r\n\r\n",
    ] {
        raw_request(port, garbage).await;
    }
    deliver_real_callback(port, &mut listener).await;
}

/// The flow drops its listener the moment it has the code, which is while the browser's redirect is still
/// being answered: the answer must still arrive whole (the browser shows "You can close this tab", not a
/// connection error), and an idle connection is closed at once all the same.
#[tokio::test(flavor = "current_thread")]
async fn the_redirect_is_answered_even_though_the_flow_ends_on_it() {
    let (mut listener, port) = listen(ListenerLimits {
        header_timeout: NO_HEADER_TIMEOUT,
        max_connections: MAX_CONNECTIONS,
    })
    .await;
    let mut idle = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    // A keep-alive request, as a browser sends it: the answer must not depend on `Connection: close`.
    let browser = tokio::spawn(async move {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        stream
            .write_all(
                format!("GET /cb?code=c&state={STATE} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n")
                    .as_bytes(),
            )
            .await
            .unwrap();
        let mut answer = Vec::new();
        let _ = tokio::time::timeout(GUARD, stream.read_to_end(&mut answer)).await;
        String::from_utf8_lossy(&answer).into_owned()
    });
    let params = tokio::time::timeout(GUARD, listener.wait())
        .await
        .expect("the redirect arrived")
        .expect("with its parameters");
    assert_eq!(params.code.as_deref(), Some("c"));
    drop(listener);
    let answer = browser.await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("You can close this tab"), "{answer}");
    closed_by_listener(&mut idle, 0).await;
}
