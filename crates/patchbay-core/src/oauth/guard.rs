//! The loopback listener's guard on its connections: a header-read timeout and a cap on how many stay open
//! (the oldest idle one is closed at the cap), enforced on the socket, and the scan for the end of a request's
//! head that the timeout needs. Any local process can connect to the listener; this keeps one from holding it.

use std::collections::BTreeMap;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::Sleep;
use tokio_util::sync::{CancellationToken, WaitForCancellationFutureOwned};

/// How long a connection to the loopback listener may take to deliver a request's headers, counted from
/// when it connects or from our previous answer on it. A browser sends its whole redirect request at once,
/// within milliseconds; without a limit any local process could hold connections open (or trickle a header
/// byte at a time) for the whole wait for the sign-in. hyper's own `header_read_timeout` needs a timer that
/// `axum::serve` does not install, so the listener enforces it on the socket (see [`GuardedStream`]).
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// How many connections the loopback listener keeps open at once, over 127.0.0.1 and ::1 together. A browser
/// opens one or two (a speculative preconnect, the favicon); the cap bounds the descriptors a local process
/// can make Patchbay hold. At the cap the oldest connection that is not in the middle of a request is closed
/// to make room, so connections held open by someone else cannot lock the browser out.
pub const MAX_CONNECTIONS: usize = 64;

/// The loopback listener's limits on its connections. [`LoopbackListener::bind`] uses the defaults; tests
/// use shorter ones through [`LoopbackListener::bind_with`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListenerLimits {
    /// See [`HEADER_TIMEOUT`].
    pub header_timeout: Duration,
    /// See [`MAX_CONNECTIONS`]. At least 1 is used.
    pub max_connections: usize,
}

impl Default for ListenerLimits {
    fn default() -> Self {
        Self {
            header_timeout: HEADER_TIMEOUT,
            max_connections: MAX_CONNECTIONS,
        }
    }
}

/// The connections the listener has open, in the order they came (ids only grow).
#[derive(Default)]
pub(crate) struct Connections {
    pub(crate) next_id: u64,
    pub(crate) open: BTreeMap<u64, OpenConnection>,
}

pub(crate) struct OpenConnection {
    pub(crate) close: CancellationToken,
    /// Its request headers have arrived and the answer has not started: closing it now would lose a request.
    pub(crate) in_request: Arc<AtomicBool>,
}

pub(crate) fn lock(connections: &Mutex<Connections>) -> MutexGuard<'_, Connections> {
    // Nothing panics while holding this lock; the map is consistent even if something did.
    connections.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A loopback `TcpListener` that enforces [`ListenerLimits`] and the end of the flow on what it accepts.
pub(crate) struct GuardedListener {
    pub(crate) inner: TcpListener,
    pub(crate) connections: Arc<Mutex<Connections>>,
    pub(crate) limits: ListenerLimits,
    pub(crate) stop: CancellationToken,
}

impl axum::serve::Listener for GuardedListener {
    type Io = GuardedStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let (stream, addr) = match self.inner.accept().await {
                Ok(accepted) => accepted,
                // The peer gave up before we got to it.
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::ConnectionAborted
                            | io::ErrorKind::ConnectionReset
                            | io::ErrorKind::ConnectionRefused
                    ) =>
                {
                    continue
                }
                // Most likely out of descriptors (EMFILE): pause rather than spin; the flow's wait goes on.
                Err(e) => {
                    tracing::warn!("the sign-in listener could not accept a connection: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            };
            let mut connections = lock(&self.connections);
            if connections.open.len() >= self.limits.max_connections.max(1) {
                let oldest_idle = connections
                    .open
                    .iter()
                    .find(|(_, c)| !c.in_request.load(Ordering::Acquire))
                    .map(|(id, _)| *id);
                match oldest_idle.and_then(|id| connections.open.remove(&id)) {
                    Some(evicted) => evicted.close.cancel(),
                    // Every open connection is being answered: refuse this one (dropping it closes it).
                    None => continue,
                }
            }
            let id = connections.next_id;
            connections.next_id += 1;
            let close = self.stop.child_token();
            let in_request = Arc::new(AtomicBool::new(false));
            connections.open.insert(
                id,
                OpenConnection {
                    close: close.clone(),
                    in_request: in_request.clone(),
                },
            );
            drop(connections);
            let stream = GuardedStream {
                inner: stream,
                closed: Box::pin(close.cancelled_owned()),
                header_timeout: self.limits.header_timeout,
                deadline: Some(Box::pin(tokio::time::sleep(self.limits.header_timeout))),
                head_end: HeadEnd::default(),
                wrote: false,
                grace: None,
                in_request,
                slot: Slot {
                    connections: self.connections.clone(),
                    id,
                },
            };
            return (stream, addr);
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.inner.local_addr()
    }
}

/// Frees a connection's place in [`Connections`] when its stream is dropped.
pub(crate) struct Slot {
    pub(crate) connections: Arc<Mutex<Connections>>,
    pub(crate) id: u64,
}

impl Drop for Slot {
    fn drop(&mut self) {
        lock(&self.connections).open.remove(&self.id);
    }
}

/// Finds the blank line that ends an HTTP/1 request head, as httparse accepts it (CRLF or bare LF line ends,
/// blank lines before the request line skipped).
#[derive(Default)]
pub struct HeadEnd {
    pub(crate) started: bool,
    pub(crate) after_line_end: bool,
}

impl HeadEnd {
    /// Feed bytes just read; true once the head is complete.
    pub fn feed(&mut self, bytes: &[u8]) -> bool {
        for &b in bytes {
            match b {
                b'\n' if self.started && self.after_line_end => return true,
                b'\n' => self.after_line_end = self.started,
                b'\r' => {}
                _ => {
                    self.started = true;
                    self.after_line_end = false;
                }
            }
        }
        false
    }
}

/// How long a connection that is being answered when the flow ends (or it is closed for room) may take to
/// finish: the answer to the sign-in's own redirect is written just as the flow, having its code, drops the
/// listener, and the browser must still get its "you can close this tab" page.
pub(crate) const ANSWER_GRACE: Duration = Duration::from_secs(2);

/// An accepted connection. Once the flow stops or the connection is closed to make room, its reads and writes
/// fail (at once when it is between requests, after [`ANSWER_GRACE`] when an answer is under way), and while
/// it owes us a request head for longer than the header timeout: hyper then drops the connection and its task
/// ends, instead of waiting on the peer.
pub(crate) struct GuardedStream {
    pub(crate) inner: TcpStream,
    pub(crate) closed: Pin<Box<WaitForCancellationFutureOwned>>,
    pub(crate) header_timeout: Duration,
    /// Set while waiting for a request head: from the connection, and again after each answer (keep-alive).
    /// `None` while a request is being answered.
    pub(crate) deadline: Option<Pin<Box<Sleep>>>,
    pub(crate) head_end: HeadEnd,
    /// Something of the answer was written since the last request head.
    pub(crate) wrote: bool,
    /// Started when the connection is closed mid-answer.
    pub(crate) grace: Option<Pin<Box<Sleep>>>,
    pub(crate) in_request: Arc<AtomicBool>,
    pub(crate) slot: Slot,
}

impl GuardedStream {
    fn check(&mut self, cx: &mut Context<'_>) -> io::Result<()> {
        if self.closed.as_mut().poll(cx).is_ready() {
            let aborted = || {
                io::Error::new(
                    io::ErrorKind::ConnectionAborted,
                    "the sign-in listener closed this connection",
                )
            };
            if self.deadline.is_some() {
                return Err(aborted());
            }
            let grace = self
                .grace
                .get_or_insert_with(|| Box::pin(tokio::time::sleep(ANSWER_GRACE)));
            if grace.as_mut().poll(cx).is_ready() {
                return Err(aborted());
            }
        }
        if let Some(deadline) = self.deadline.as_mut() {
            if deadline.as_mut().poll(cx).is_ready() {
                tracing::debug!(
                    connection = self.slot.id,
                    "closed a connection that sent no request headers in time"
                );
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!(
                        "no request headers within {} s",
                        self.header_timeout.as_secs_f32()
                    ),
                ));
            }
        }
        Ok(())
    }
}

impl AsyncRead for GuardedStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        if this.deadline.is_none() && this.wrote {
            // hyper reads again once its answer is out: the clock for the next request head starts now.
            this.deadline = Some(Box::pin(tokio::time::sleep(this.header_timeout)));
            this.head_end = HeadEnd::default();
            this.wrote = false;
            this.in_request.store(false, Ordering::Release);
        }
        this.check(cx)?;
        let before = buf.filled().len();
        std::task::ready!(Pin::new(&mut this.inner).poll_read(cx, buf))?;
        if this.deadline.is_some() && this.head_end.feed(&buf.filled()[before..]) {
            this.deadline = None;
            this.in_request.store(true, Ordering::Release);
        }
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for GuardedStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        this.wrote = true;
        this.check(cx)?;
        Pin::new(&mut this.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        this.check(cx)?;
        Pin::new(&mut this.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
