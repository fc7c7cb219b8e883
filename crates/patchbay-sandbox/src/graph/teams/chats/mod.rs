//! Chats: the signed-in user's chats (`/me/chats`), one chat, its members, its messages (Teams' ordering and
//! filtering rules), one message, a message's hosted content, sending a message, and creating a chat (a
//! one-on-one chat that already exists is returned, not made again).
//!
//! The parts: [`access`] (who sees a chat, not-found answers), [`list`] (chats and members), [`messages`]
//! (reading messages and hosted content), [`compose`] (a new message from a request body, shared with
//! channels), [`send`] (posting to a chat) and [`create`] (new chats).

pub mod access;
pub mod compose;
pub mod create;
pub mod list;
pub mod messages;
pub mod send;

pub use compose::{parse_new, store_new};
pub use create::{create, create_chat};
pub use list::{get, list, members};
pub use messages::{hosted, hosted_reply, message, messages};
pub use send::{add_to_chat, send};

/// How many chats or messages a page holds when `$top` is not given.
const DEFAULT_PAGE: usize = 20;
