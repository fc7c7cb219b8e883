//! Teams' own throttling of message reads and sends, per user and app: off by default, turned on by a lever
//! (`SandboxControl::set_teams_rate_limit`, `POST /_sandbox/teams/rate-limit`). Over the limit, a request is
//! answered 429 with `Retry-After` (whole seconds) and is not counted.
//!
//! Microsoft's throttling page has given these limits for "GET 1:1/group chat message" and "POST 1:1/group chat
//! message" (3 and 2 requests a second in its older table, 20 in the newer, both "per app per tenant"); the sandbox
//! counts per user and app, which a single-user client sees the same way.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use axum::http::StatusCode;

use crate::graph::Reply;

/// Which budget a request spends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// GET of chat or channel messages (lists, one message, replies, delta, hosted content).
    Read,
    /// POST of a chat or channel message or reply.
    Send,
}

/// The lever's settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub enabled: bool,
    pub reads_per_second: u32,
    pub sends_per_second: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            enabled: false,
            reads_per_second: 3,
            sends_per_second: 2,
        }
    }
}

#[derive(Default)]
pub struct RateLimits {
    pub limits: Limits,
    /// When each (user, app, kind) was last let through, within the last second.
    seen: HashMap<(String, String, Kind), VecDeque<Instant>>,
    /// Requests answered 429 by this limit.
    pub refused: u64,
}

const WINDOW: Duration = Duration::from_secs(1);

impl RateLimits {
    pub fn set(&mut self, limits: Limits) {
        self.limits = limits;
        self.seen.clear();
    }

    /// Count one request, or refuse it with Teams' 429.
    #[allow(clippy::result_large_err)] // the error is the finished reply, returned once
    pub fn check(&mut self, user: &str, app: &str, kind: Kind) -> Result<(), Reply> {
        if !self.limits.enabled {
            return Ok(());
        }
        let limit = match kind {
            Kind::Read => self.limits.reads_per_second,
            Kind::Send => self.limits.sends_per_second,
        } as usize;
        let now = Instant::now();
        let seen = self
            .seen
            .entry((user.to_string(), app.to_string(), kind))
            .or_default();
        while seen
            .front()
            .is_some_and(|t| now.duration_since(*t) >= WINDOW)
        {
            seen.pop_front();
        }
        if limit == 0 {
            return Err(self.refuse(1));
        }
        if seen.len() < limit {
            seen.push_back(now);
            return Ok(());
        }
        let wait = seen
            .front()
            .map(|t| WINDOW.saturating_sub(now.duration_since(*t)))
            .unwrap_or(WINDOW);
        // Whole seconds, at least one, as Graph sends Retry-After.
        let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        Err(self.refuse(secs.max(1)))
    }

    fn refuse(&mut self, secs: u64) -> Reply {
        self.refused += 1;
        Reply::error(
            StatusCode::TOO_MANY_REQUESTS,
            "TooManyRequests",
            "Too many requests. Please retry after the time in the Retry-After header.",
        )
        .with_header("Retry-After", secs.to_string())
    }
}
