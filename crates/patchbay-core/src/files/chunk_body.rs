//! An upload chunk's body, handed to the HTTP client a slice at a time so the upload can be seen moving: how
//! many bytes the client has taken, and when it last took some. The chunk's transfer shows progress from it,
//! and is ended when it stops moving (a connection that stalls) rather than after a fixed time (a 10 MiB
//! chunk on a slow line may rightly take minutes).
//!
//! Chunk buffers come from a [`Pool`] and go back to it when the client drops the chunk's last slice, so an
//! upload of any size holds the same two or three buffers (the chunk being sent, the next one being read)
//! instead of allocating one a chunk, which the allocator may not hand back to the system.

use axum::body::Bytes;
use http_body::{Frame, SizeHint};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

/// Bytes handed over at a time.
const SLICE: usize = 256 * 1024;

/// How far a body has gone, shared with whoever watches it.
#[derive(Debug)]
pub struct Moved {
    start: Instant,
    total: u64,
    taken: AtomicU64,
    /// Milliseconds from `start` to the last slice taken.
    last_ms: AtomicU64,
}

impl Moved {
    fn new(total: u64) -> Self {
        Self {
            start: Instant::now(),
            total,
            taken: AtomicU64::new(0),
            last_ms: AtomicU64::new(0),
        }
    }

    /// Bytes the client has taken so far.
    pub fn taken(&self) -> u64 {
        self.taken.load(Ordering::Relaxed)
    }

    /// Whether every byte was taken (the answer is awaited).
    pub fn all_taken(&self) -> bool {
        self.taken() >= self.total
    }

    /// How long since a slice was last taken.
    pub fn idle(&self) -> Duration {
        let last = Duration::from_millis(self.last_ms.load(Ordering::Relaxed));
        self.start.elapsed().saturating_sub(last)
    }
}

/// Buffers kept for chunks to come (at most [`Pool::KEEP`]).
#[derive(Clone, Default)]
pub struct Pool {
    free: Arc<Mutex<Vec<Vec<u8>>>>,
}

impl Pool {
    const KEEP: usize = 3;

    /// A buffer of `len` bytes (its content is whatever was there: it is read over).
    pub fn take(&self, len: usize) -> Vec<u8> {
        let mut buf = self
            .free
            .lock()
            .map(|mut free| free.pop())
            .ok()
            .flatten()
            .unwrap_or_default();
        buf.resize(len, 0);
        buf
    }

    fn give_back(&self, buf: Vec<u8>) {
        if let Ok(mut free) = self.free.lock() {
            if free.len() < Self::KEEP {
                free.push(buf);
            }
        }
    }
}

/// A pool's buffer as the owner of a chunk's `Bytes`: back to the pool when the last slice goes.
struct Pooled {
    buf: Vec<u8>,
    pool: Pool,
}

impl AsRef<[u8]> for Pooled {
    fn as_ref(&self) -> &[u8] {
        &self.buf
    }
}

impl Drop for Pooled {
    fn drop(&mut self) {
        self.pool.give_back(std::mem::take(&mut self.buf));
    }
}

/// A chunk as an HTTP body of known length, in slices.
pub struct ChunkBody {
    bytes: Bytes,
    at: usize,
    moved: Arc<Moved>,
}

impl ChunkBody {
    /// `buf` (from `pool`, where it goes back) as a body.
    pub fn new(buf: Vec<u8>, pool: &Pool) -> (Self, Arc<Moved>) {
        let moved = Arc::new(Moved::new(buf.len() as u64));
        let bytes = Bytes::from_owner(Pooled {
            buf,
            pool: pool.clone(),
        });
        (
            Self {
                bytes,
                at: 0,
                moved: moved.clone(),
            },
            moved,
        )
    }
}

impl http_body::Body for ChunkBody {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = self.get_mut();
        if this.at >= this.bytes.len() {
            return Poll::Ready(None);
        }
        let end = (this.at + SLICE).min(this.bytes.len());
        let slice = this.bytes.slice(this.at..end);
        this.at = end;
        let moved = &this.moved;
        moved.taken.store(end as u64, Ordering::Relaxed);
        moved
            .last_ms
            .store(moved.start.elapsed().as_millis() as u64, Ordering::Relaxed);
        Poll::Ready(Some(Ok(Frame::data(slice))))
    }

    fn is_end_stream(&self) -> bool {
        self.at >= self.bytes.len()
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact((self.bytes.len() - self.at) as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slices_cover_the_chunk_once_and_count_what_was_taken() {
        let data: Vec<u8> = (0..(SLICE * 2 + 10)).map(|i| i as u8).collect();
        let pool = Pool::default();
        let (mut body, moved) = ChunkBody::new(data.clone(), &pool);
        assert_eq!(
            http_body::Body::size_hint(&body).exact(),
            Some(data.len() as u64)
        );
        let waker = std::task::Waker::noop();
        let mut cx = Context::from_waker(waker);
        let mut got = Vec::new();
        while let Poll::Ready(Some(Ok(frame))) =
            http_body::Body::poll_frame(Pin::new(&mut body), &mut cx)
        {
            got.extend_from_slice(frame.data_ref().unwrap());
            assert_eq!(moved.taken(), got.len() as u64);
        }
        assert_eq!(got, data);
        assert!(moved.all_taken() && http_body::Body::is_end_stream(&body));
        assert!(moved.idle() < Duration::from_secs(5));
        // The buffer goes back to the pool with the body, and is handed out again.
        drop(body);
        let again = pool.take(10);
        assert_eq!(again.capacity(), data.len());
    }
}
