//! A file's bytes in memory up to a cap, for `read_file`: the download's writer, which refuses the byte past the
//! cap (the download then stops), so a file larger than Graph said never fills memory.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::io::AsyncWrite;

/// Bytes written so far, at most `cap` of them.
pub struct CappedBuffer {
    bytes: Vec<u8>,
    cap: usize,
    overflowed: bool,
}

impl CappedBuffer {
    pub fn new(cap: usize) -> Self {
        Self {
            bytes: Vec::new(),
            cap,
            overflowed: false,
        }
    }

    /// Whether a write went past the cap (and was refused).
    pub fn overflowed(&self) -> bool {
        self.overflowed
    }

    pub fn into_inner(self) -> Vec<u8> {
        self.bytes
    }
}

impl AsyncWrite for CappedBuffer {
    fn poll_write(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.bytes.len() + buf.len() > this.cap {
            this.overflowed = true;
            return Poll::Ready(Err(io::Error::other("the file is larger than the cap")));
        }
        this.bytes.extend_from_slice(buf);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncWriteExt;

    #[tokio::test]
    async fn bytes_past_the_cap_are_refused() {
        let mut b = CappedBuffer::new(4);
        b.write_all(b"abc").await.unwrap();
        assert!(!b.overflowed());
        assert!(b.write_all(b"de").await.is_err());
        assert!(b.overflowed());
        assert_eq!(b.into_inner(), b"abc");
    }
}
