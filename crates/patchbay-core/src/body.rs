//! Bounded reads of what servers send. Discovery documents, token answers and Graph pages are small and
//! finite; a server (or something pretending to be one, on a network Patchbay does not control) that streams
//! without end must not grow Patchbay's memory without end. Each kind of answer has a cap well above anything
//! Microsoft sends, and a body over it is refused with a clear error, never cut and read as if whole.

/// The OpenID discovery document: Microsoft's is under 2 KB.
pub const DISCOVERY: usize = 1 << 20;
/// A token endpoint answer: a few KB (an ID token with many claims stays far below this).
pub const TOKEN: usize = 1 << 20;
/// One Graph answer, a `$batch` of twenty included: a page of 1,000 messages with their previews is a few MB.
pub const GRAPH: usize = 32 << 20;
/// Every page of one `@odata.nextLink` walk together (see `ConnectionGraph::pages`).
pub const GRAPH_PAGES: usize = 256 << 20;

/// Why a body was not read.
#[derive(Debug)]
pub enum BodyError {
    /// Longer than `cap` bytes (said by `Content-Length`, or counted while reading).
    TooLarge { cap: usize },
    /// The connection failed while reading.
    Network(reqwest::Error),
}

/// `n` bytes in words ("32 MiB").
pub fn size_words(n: usize) -> String {
    if n >= 1 << 20 && n.is_multiple_of(1 << 20) {
        format!("{} MiB", n >> 20)
    } else if n >= 1 << 10 && n.is_multiple_of(1 << 10) {
        format!("{} KiB", n >> 10)
    } else {
        format!("{n} bytes")
    }
}

/// Read `response`'s body, refusing it when longer than `cap`.
pub async fn read_capped(
    mut response: reqwest::Response,
    cap: usize,
) -> Result<Vec<u8>, BodyError> {
    if response
        .content_length()
        .is_some_and(|len| len > cap as u64)
    {
        return Err(BodyError::TooLarge { cap });
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(BodyError::Network)? {
        if body.len() + chunk.len() > cap {
            return Err(BodyError::TooLarge { cap });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use wiremock::matchers::method;
    use wiremock::{Mock, MockServer, ResponseTemplate};

    #[tokio::test]
    async fn a_body_over_its_cap_is_refused_and_one_at_the_cap_is_read() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(200).set_body_bytes(vec![b'x'; 4096]))
            .mount(&server)
            .await;
        let http = reqwest::Client::new();
        let get = || http.get(server.uri()).send();
        let whole = read_capped(get().await.unwrap(), 4096).await.unwrap();
        assert_eq!(whole.len(), 4096);
        let refused = read_capped(get().await.unwrap(), 4095).await;
        assert!(
            matches!(refused, Err(BodyError::TooLarge { cap: 4095 })),
            "{refused:?}"
        );
        assert_eq!(size_words(GRAPH), "32 MiB");
        assert_eq!(size_words(4095), "4095 bytes");
    }

    #[tokio::test]
    async fn a_body_without_a_length_is_counted_as_it_arrives() {
        // A chunked answer has no Content-Length: the cap must hold while reading.
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut buf = [0u8; 1024];
            let _ = socket.read(&mut buf).await;
            let _ = socket
                .write_all(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
                .await;
            let chunk = format!("{:x}\r\n{}\r\n", 1000, "y".repeat(1000));
            for _ in 0..100 {
                if socket.write_all(chunk.as_bytes()).await.is_err() {
                    return;
                }
            }
            let _ = socket.write_all(b"0\r\n\r\n").await;
        });
        let response = reqwest::get(format!("http://{addr}/")).await.unwrap();
        assert!(response.content_length().is_none());
        let refused = read_capped(response, 10_000).await;
        assert!(
            matches!(refused, Err(BodyError::TooLarge { .. })),
            "{refused:?}"
        );
    }
}
