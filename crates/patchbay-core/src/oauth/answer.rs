//! The token endpoint's transport: reqwest (no redirects) under the oauth2 crate, with each answer's status and
//! `Retry-After` noted (the crate drops both) and its body read under a cap (see [`crate::body`]).

/// The status and `Retry-After` of the last answer, kept by [`RecordingClient`]: the oauth2 crate
/// parses error bodies but drops both, and a throttled (429) or unavailable (503) token endpoint says when to
/// come back only there.
#[derive(Debug, Clone, Copy, Default)]
pub struct AnswerMeta {
    pub status: Option<u16>,
    pub retry_after: Option<std::time::Duration>,
}

/// An HTTP client for the oauth2 crate: sends with reqwest (no redirects) and notes each answer's status and
/// `Retry-After` in `meta`.
pub(super) struct RecordingClient<'m> {
    pub(super) http: reqwest::Client,
    pub(super) meta: &'m std::sync::Mutex<AnswerMeta>,
}

type HttpFuture<'c> = std::pin::Pin<
    Box<
        dyn std::future::Future<
                Output = Result<oauth2::HttpResponse, oauth2::HttpClientError<reqwest::Error>>,
            > + Send
            + Sync
            + 'c,
    >,
>;

impl<'c> oauth2::AsyncHttpClient<'c> for RecordingClient<'_> {
    type Error = oauth2::HttpClientError<reqwest::Error>;
    type Future = HttpFuture<'c>;

    fn call(&'c self, request: oauth2::HttpRequest) -> Self::Future {
        Box::pin(async move {
            // As the oauth2 crate's own reqwest client, but with the body read under a cap. The status is noted
            // before the body is read: a 200 whose body then fails was still carried out.
            let response = self
                .http
                .execute(request.try_into().map_err(Box::new)?)
                .await
                .map_err(Box::new)?;
            let retry_after = response
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(crate::tokens::error::parse_retry_after);
            *self.meta.lock().unwrap_or_else(|p| p.into_inner()) = AnswerMeta {
                status: Some(response.status().as_u16()),
                retry_after,
            };
            let mut builder = oauth2::http::Response::builder()
                .status(response.status())
                .version(response.version());
            for (name, value) in response.headers() {
                builder = builder.header(name, value);
            }
            let body = crate::body::read_capped(response, crate::body::TOKEN)
                .await
                .map_err(|e| match e {
                    crate::body::BodyError::Network(e) => {
                        oauth2::HttpClientError::Reqwest(Box::new(e))
                    }
                    crate::body::BodyError::TooLarge { cap } => oauth2::HttpClientError::Other(
                        format!("more than {}", crate::body::size_words(cap)),
                    ),
                })?;
            let response = builder.body(body).map_err(oauth2::HttpClientError::Http)?;
            Ok(response)
        })
    }
}
