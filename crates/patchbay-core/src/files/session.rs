//! An upload session's chunks, by Graph's rules: each `PUT uploadUrl` carries `Content-Range: bytes a-b/total`
//! and its length, no `Authorization` header (the URL is the credential; [`super::hosts::upload_client`]), and
//! is a multiple of 320 KiB but for the last. A chunk's body goes in slices ([`ChunkBody`]): progress shows as
//! it moves, and a chunk that stops moving for [`STALL`] (or whose answer does not come within
//! [`ANSWER_WAIT`] of its last byte) counts as a network failure. Where to go on is always what Graph says it
//! has — the `nextExpectedRanges` of each answer, or of the session's status after a 416 or a failure — never
//! what Patchbay thinks it sent.
//! A failed chunk (5xx, 429, the network) is tried again after a wait that doubles; a session Graph no longer
//! knows (404) is reported so the caller can start a new one.

use super::chunk_body::{ChunkBody, Pool};
use super::failure;
use super::hosts::STALL;
use super::progress::Progress;
use super::resume::LocalFile;
use crate::error::{ErrorCode, ErrorInfo};
use crate::graph::drive::{DriveItem, UploadSession};
use crate::graph::RawResponse;
use std::time::Duration;

/// How a session's chunks went.
pub enum Outcome {
    /// The last chunk was taken: the item as Graph made it.
    Done(Box<DriveItem>),
    /// Graph no longer knows the session (expired, cancelled, completed by another run): start a new one.
    Gone,
    /// The upload stopped. `resumable`: the session may still be resumed later (keep its record); otherwise
    /// it is of no more use (cancel it, forget it).
    Failed { error: ErrorInfo, resumable: bool },
}

/// How hard to try.
#[derive(Debug, Clone, Copy)]
pub struct Retry {
    /// Tries of one step (a chunk, a status) before giving up, the first included.
    pub attempts: u32,
    /// The first wait; each next one doubles (Retry-After, when given and not longer than a minute, wins).
    pub backoff: Duration,
}

impl Default for Retry {
    fn default() -> Self {
        Self {
            attempts: 5,
            backoff: Duration::from_secs(1),
        }
    }
}

/// Rounds without progress (Graph answering, but never further on) before giving up.
const MAX_STALLS: u32 = 8;
/// Bytes of an upload host's answer read (a driveItem, a status, an error).
const ANSWER_CAP: usize = 1 << 20;
/// How long the answer to a chunk may take once all of it was sent (the last one's is Graph putting the file
/// together).
pub const ANSWER_WAIT: Duration = Duration::from_secs(300);
/// How often a chunk under way is looked at (progress, a stall).
const TICK: Duration = Duration::from_millis(200);

/// One session's upload of one local file.
pub struct Chunks<'a> {
    pub http: reqwest::Client,
    pub url: url::Url,
    pub local: &'a LocalFile,
    /// Bytes a chunk (a multiple of 320 KiB).
    pub chunk: u64,
    pub retry: Retry,
    /// `/Documents/a.pdf`, for the words.
    pub shown: &'a str,
    pub progress: &'a dyn Progress,
}

/// What a step got.
enum Answer {
    Response(RawResponse),
    Network(reqwest::Error),
    /// Nothing moved for too long.
    Stalled,
}

impl Chunks<'_> {
    /// Send the file from byte `next` on (as Graph last said), to the end.
    pub async fn run(&self, mut next: u64) -> Outcome {
        let size = self.local.size;
        let file = match std::fs::File::open(&self.local.path) {
            Ok(f) => f,
            Err(e) => {
                return Outcome::Failed {
                    error: failure::local("read", &self.local.path, &e),
                    resumable: true,
                }
            }
        };
        let mut failures = 0u32;
        let mut stalls = 0u32;
        let mut furthest = next;
        let mut ahead: Option<Prefetch> = None;
        let pool = Pool::default();
        loop {
            self.progress.update(next.min(size), Some(size));
            if next >= size {
                // Graph says it has every byte yet did not answer with the item: ask where it stands.
                match self.status().await {
                    Ok(Some(n)) if n < size => {
                        next = n;
                        continue;
                    }
                    Ok(_) => {
                        return Outcome::Failed {
                            error: ErrorInfo::new(
                                ErrorCode::ProviderError,
                                format!(
                                    "Microsoft took every byte of {} but did not finish the file.",
                                    self.shown
                                ),
                                "Run it again: a new upload starts if this one cannot be finished.",
                            ),
                            resumable: false,
                        }
                    }
                    Err(outcome) => return outcome,
                }
            }
            let end = (next + self.chunk).min(size) - 1;
            let last = end + 1 == size;
            if last && !self.local.unchanged() {
                return Outcome::Failed {
                    error: changed(&self.local.path),
                    resumable: false,
                };
            }
            let bytes = match ahead.take() {
                Some(p) if p.start == next && p.end == end => p.bytes.await,
                _ => read_at(&file, next, end, &pool).await,
            };
            let bytes = match bytes {
                Ok(b) => b,
                Err(e) => {
                    return Outcome::Failed {
                        error: failure::local("read", &self.local.path, &e),
                        resumable: true,
                    }
                }
            };
            // Read the next chunk while this one is sent.
            if !last {
                let start = end + 1;
                let stop = (start + self.chunk).min(size) - 1;
                ahead = Some(Prefetch::start(&file, start, stop, &pool));
            }
            tracing::debug!(first = next, last = end, total = size, "upload chunk");
            let answer = self.put(next, end, bytes, &pool).await;
            match answer {
                Answer::Response(r) if r.status == 202 => {
                    failures = 0;
                    next = match serde_json::from_slice::<UploadSession>(&r.body) {
                        Ok(s) => s.next_start().unwrap_or(end + 1),
                        Err(_) => end + 1,
                    };
                }
                Answer::Response(r) if r.status == 200 || r.status == 201 => {
                    self.progress.update(size, Some(size));
                    return match serde_json::from_slice::<DriveItem>(&r.body) {
                        Ok(item) => Outcome::Done(Box::new(item)),
                        Err(e) => Outcome::Failed {
                            error: ErrorInfo::new(
                                ErrorCode::ProviderError,
                                format!(
                                    "Microsoft finished {} but its answer could not be read.",
                                    self.shown
                                ),
                                "List the folder to check the file is there.",
                            )
                            .with_detail(e.to_string()),
                            resumable: false,
                        },
                    };
                }
                Answer::Response(r) if r.status == 404 => return Outcome::Gone,
                Answer::Response(r) if r.status == 416 => {
                    // Not where Graph expected: it says where it stands.
                    tracing::debug!(
                        "upload chunk out of range; asking the session where it stands"
                    );
                    match self.status().await {
                        Ok(Some(n)) => next = n,
                        Ok(None) => next = 0,
                        Err(outcome) => return outcome,
                    }
                }
                Answer::Response(r) if transient(r.status) || busy(&r) => {
                    failures += 1;
                    if failures >= self.retry.attempts {
                        return Outcome::Failed {
                            error: failure::upload_refused(&r, self.shown),
                            resumable: true,
                        };
                    }
                    tracing::debug!(
                        status = r.status,
                        "upload chunk refused for now; trying again"
                    );
                    tokio::time::sleep(self.wait(failures, Some(&r))).await;
                    match self.status().await {
                        Ok(Some(n)) => next = n,
                        Ok(None) => {}
                        Err(outcome) => return outcome,
                    }
                }
                Answer::Response(r) => {
                    return Outcome::Failed {
                        error: failure::upload_refused(&r, self.shown),
                        resumable: false,
                    }
                }
                gone @ (Answer::Network(_) | Answer::Stalled) => {
                    failures += 1;
                    if failures >= self.retry.attempts {
                        let what = format!("upload of {}", self.shown);
                        let error = match gone {
                            Answer::Network(e) => failure::transfer_network(&what, e),
                            _ => stalled(&what),
                        };
                        return Outcome::Failed {
                            error,
                            resumable: true,
                        };
                    }
                    tracing::debug!("upload chunk failed on the way; trying again");
                    tokio::time::sleep(self.wait(failures, None)).await;
                    match self.status().await {
                        Ok(Some(n)) => next = n,
                        Ok(None) => {}
                        Err(outcome) => return outcome,
                    }
                }
            }
            if next > furthest {
                furthest = next;
                stalls = 0;
            } else {
                stalls += 1;
                if stalls > MAX_STALLS {
                    return Outcome::Failed {
                        error: ErrorInfo::new(
                            ErrorCode::ProviderError,
                            format!("The upload of {} made no progress: Microsoft kept asking for the same bytes.", self.shown),
                            "Run it again later: the same command resumes where it stopped.",
                        ),
                        resumable: true,
                    };
                }
            }
        }
    }

    /// Where the session stands: the first byte Graph expects (`None` when it does not say), or the outcome
    /// that ends this run (gone, or unreachable after retries).
    pub async fn status(&self) -> Result<Option<u64>, Outcome> {
        status(&self.http, &self.url, self.retry, self.shown).await
    }

    /// One chunk, watched: progress as its slices go, and ended when it stops moving.
    async fn put(&self, first: u64, last: u64, bytes: Vec<u8>, pool: &Pool) -> Answer {
        let length = bytes.len();
        let (body, moved) = ChunkBody::new(bytes, pool);
        let sending = self
            .http
            .put(self.url.clone())
            .header(
                "Content-Range",
                format!("bytes {first}-{last}/{}", self.local.size),
            )
            .header("Content-Length", length)
            .header("Content-Type", "application/octet-stream")
            .body(reqwest::Body::wrap(body))
            .send();
        tokio::pin!(sending);
        let mut tick = tokio::time::interval(TICK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                sent = &mut sending => return read(sent).await,
                _ = tick.tick() => {
                    self.progress.update(first + moved.taken(), Some(self.local.size));
                    let limit = if moved.all_taken() { ANSWER_WAIT } else { STALL };
                    if moved.idle() > limit {
                        return Answer::Stalled;
                    }
                }
            }
        }
    }

    fn wait(&self, failures: u32, response: Option<&RawResponse>) -> Duration {
        wait(self.retry, failures, response)
    }
}

/// `GET uploadUrl`: the first byte Graph expects, retried within `retry`.
pub async fn status(
    http: &reqwest::Client,
    url: &url::Url,
    retry: Retry,
    shown: &str,
) -> Result<Option<u64>, Outcome> {
    let mut failures = 0;
    loop {
        let answer = match tokio::time::timeout(STALL, http.get(url.clone()).send()).await {
            Ok(sent) => read(sent).await,
            Err(_) => Answer::Stalled,
        };
        match answer {
            Answer::Response(r) if r.status == 200 => {
                return Ok(serde_json::from_slice::<UploadSession>(&r.body)
                    .ok()
                    .and_then(|s| s.next_start()))
            }
            Answer::Response(r) if r.status == 404 => return Err(Outcome::Gone),
            Answer::Response(r) if transient(r.status) && failures + 1 < retry.attempts => {
                failures += 1;
                tokio::time::sleep(wait(retry, failures, Some(&r))).await;
            }
            Answer::Response(r) => {
                return Err(Outcome::Failed {
                    error: failure::upload_refused(&r, shown),
                    resumable: transient(r.status),
                })
            }
            Answer::Network(_) | Answer::Stalled if failures + 1 < retry.attempts => {
                failures += 1;
                tokio::time::sleep(wait(retry, failures, None)).await;
            }
            Answer::Stalled => {
                return Err(Outcome::Failed {
                    error: stalled(&format!("upload of {shown}")),
                    resumable: true,
                })
            }
            Answer::Network(e) => {
                return Err(Outcome::Failed {
                    error: failure::transfer_network(&format!("upload of {shown}"), e),
                    resumable: true,
                })
            }
        }
    }
}

/// `DELETE uploadUrl`: the session and what it received are dropped (best effort: it expires anyway).
pub async fn cancel(http: &reqwest::Client, url: &url::Url) {
    let _ = http.delete(url.clone()).send().await;
}

/// A 409 that is not about the name: the session is still taking an earlier chunk (from a run that was stopped
/// mid-chunk, say). It clears: wait and ask again.
fn busy(r: &RawResponse) -> bool {
    r.status == 409
        && !crate::graph::GraphErrorBody::parse(r.status, &r.body, None)
            .code
            .eq_ignore_ascii_case("nameAlreadyExists")
}

fn transient(status: u16) -> bool {
    status == 429 || status == 408 || (500..=599).contains(&status) && status != 507
}

fn wait(retry: Retry, failures: u32, response: Option<&RawResponse>) -> Duration {
    let doubled = retry.backoff * 2u32.saturating_pow(failures.saturating_sub(1).min(6));
    match response.and_then(|r| r.retry_after()) {
        Some(asked) if asked <= Duration::from_secs(60) => asked,
        _ => doubled,
    }
}

async fn read(sent: Result<reqwest::Response, reqwest::Error>) -> Answer {
    let response = match sent {
        Ok(r) => r,
        Err(e) => return Answer::Network(e),
    };
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .filter_map(|(k, v)| Some((k.as_str().to_string(), v.to_str().ok()?.to_string())))
        .collect();
    match crate::body::read_capped(response, ANSWER_CAP).await {
        Ok(body) => Answer::Response(RawResponse {
            status,
            headers,
            body,
        }),
        Err(crate::body::BodyError::Network(e)) => Answer::Network(e),
        Err(crate::body::BodyError::TooLarge { .. }) => Answer::Response(RawResponse {
            status,
            headers,
            body: Vec::new(),
        }),
    }
}

/// The next chunk, read on a blocking thread while the current one is sent.
struct Prefetch {
    start: u64,
    end: u64,
    bytes: std::pin::Pin<Box<dyn std::future::Future<Output = std::io::Result<Vec<u8>>> + Send>>,
}

impl Prefetch {
    fn start(file: &std::fs::File, start: u64, end: u64, pool: &Pool) -> Self {
        let file = file.try_clone();
        let pool = pool.clone();
        let task = tokio::task::spawn_blocking(move || read_blocking(&file?, start, end, &pool));
        Self {
            start,
            end,
            bytes: Box::pin(async move { task.await.map_err(std::io::Error::other)? }),
        }
    }
}

async fn read_at(
    file: &std::fs::File,
    start: u64,
    end: u64,
    pool: &Pool,
) -> std::io::Result<Vec<u8>> {
    let file = file.try_clone()?;
    let pool = pool.clone();
    tokio::task::spawn_blocking(move || read_blocking(&file, start, end, &pool))
        .await
        .map_err(std::io::Error::other)?
}

/// Bytes `start..=end` of `file`.
fn read_blocking(
    file: &std::fs::File,
    start: u64,
    end: u64,
    pool: &Pool,
) -> std::io::Result<Vec<u8>> {
    let mut buf = pool.take((end - start + 1) as usize);
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileExt;
        file.read_exact_at(&mut buf, start)?;
    }
    #[cfg(not(unix))]
    {
        use std::io::{Read, Seek, SeekFrom};
        let mut f = file;
        f.seek(SeekFrom::Start(start))?;
        f.read_exact(&mut buf)?;
    }
    Ok(buf)
}

fn stalled(what: &str) -> ErrorInfo {
    ErrorInfo::new(
        ErrorCode::NetworkUnreachable,
        format!("The {what} stopped moving: nothing went through for {} s, several times.", STALL.as_secs()),
        "Check this computer's internet connection, then run it again: it resumes where it stopped.",
    )
}

fn changed(path: &std::path::Path) -> ErrorInfo {
    ErrorInfo::new(
        ErrorCode::InvalidInput,
        format!(
            "{} changed while it was being uploaded; the upload was stopped.",
            path.display()
        ),
        "Upload it again once nothing is writing to it.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_and_retry_after_wins_when_short() {
        let r = Retry {
            attempts: 5,
            backoff: Duration::from_millis(100),
        };
        assert_eq!(wait(r, 1, None), Duration::from_millis(100));
        assert_eq!(wait(r, 3, None), Duration::from_millis(400));
        let asked = RawResponse {
            status: 503,
            headers: vec![("retry-after".into(), "2".into())],
            body: vec![],
        };
        assert_eq!(wait(r, 1, Some(&asked)), Duration::from_secs(2));
        assert!(transient(503) && transient(429) && !transient(507) && !transient(409));
    }
}
