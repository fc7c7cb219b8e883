//! Uploads, with Graph's rules. A simple upload (`PUT …/root:/path:/content`, up to 250 MB) is spooled to disk
//! as it arrives and placed by `@microsoft.graph.conflictBehavior` (default `replace`). An upload session
//! (`POST …:/createUploadSession`, conflict default `fail`) hands out a pre-authenticated `uploadUrl` on the
//! sandbox's "upload host" (`/_upload/{token}`), which takes the file in fragments: each with `Content-Range`
//! and `Content-Length`, in order (416 otherwise, with what is expected next), at most 60 MiB (413), a multiple
//! of 320 KiB unless it is the last (400), never with an Authorization header (401). Intermediate fragments are
//! answered 202 with `nextExpectedRanges`, the last with the driveItem (201 created, 200 replaced, 409 when the
//! name was taken meanwhile and the behaviour is `fail`). `GET` on the URL tells where a session stands (to
//! resume), `DELETE` cancels it. Fragments go straight to a file in the sandbox's temporary folder.
//!
//! The parts: [`simple`] (the simple upload), [`session`] (creating and finding sessions), [`host`] (the
//! upload host's fragment, status and cancel), [`place`] (a file into a drive, new or replaced) and
//! [`spool`] (bytes to disk).

pub mod host;
pub mod place;
pub mod session;
pub mod simple;
pub mod spool;

pub use host::{cancel, fragment, status};
pub use place::place;
pub use session::{create_session, token_of, Session};
pub use simple::{simple_upload, SIMPLE_LIMIT};
pub use spool::spool;
