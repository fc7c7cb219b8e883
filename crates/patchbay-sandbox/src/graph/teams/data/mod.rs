//! The demo Teams content: the same on every start (IDs, texts, who said what), dated back from the sandbox's
//! anchor. Only the tenant's work accounts take part (a personal account has no Teams).
//!
//! Teams (group IDs are GUIDs, channel IDs `19:…@thread.tacv2`):
//!
//! - "Contoso Team" (Adele, Megan, Alex): channels General (6 posts, 3 replies, one post a system event
//!   `channelAddedEventMessageDetail`, one with an @mention of Adele) and Announcements (3 posts, one edited);
//! - "Project Apollo" (Adele, Alex): channels General (4 posts, 2 replies), Design (3 posts, one with an image) and
//!   Launch (2 posts).
//!
//! Chats (`topic`, type, members, messages):
//!
//! - "Spring launch", group, Adele Megan Alex, 60 messages: two system events (`membersAdded`, then
//!   `chatRenamed`), six @mentions of Adele, one image (hosted content), one edited, one deleted;
//! - no topic, oneOnOne, Adele Megan, 8 messages (plain text and HTML);
//! - no topic, oneOnOne, Adele Alex, 3 messages, one with an image;
//! - no topic, oneOnOne, Megan Alex, 2 messages;
//! - "Weekly sync", meeting, Adele Megan Alex, 5 messages;
//! - "Lunch crew", group, Megan Alex, 4 messages (Adele is not in it).
//!
//! The parts: [`ids`] (conversation IDs), [`people`] (persons and members), [`hosted`] (images in messages),
//! [`writer`] (how a conversation's messages are written), then the content itself: [`chats`] and [`teams`].

mod chats;
pub mod hosted;
pub mod ids;
pub mod people;
mod teams;
mod writer;

pub use hosted::{hosted_id, hosted_url};
pub use ids::{group_chat_id, one_on_one_id};
pub use people::{member, person};
pub use writer::delete_in_place;

use jiff::Timestamp;

use super::model::Teams;
use crate::state::DemoUser;

pub const SPRING_LAUNCH: &str = "Spring launch";
pub const WEEKLY_SYNC: &str = "Weekly sync";
pub const LUNCH_CREW: &str = "Lunch crew";
pub const CONTOSO_TEAM: &str = "Contoso Team";
pub const PROJECT_APOLLO: &str = "Project Apollo";

/// The placeholder a stored hosted content URL starts with (the running sandbox's base replaces it).
pub const BASE: &str = "{graph-base}";

/// Lay out the demo teams and chats.
pub fn build(t: &mut Teams, users: &[DemoUser], anchor: Timestamp) {
    let find = |prefix: &str| {
        users
            .iter()
            .find(|u| !u.personal && u.email.starts_with(prefix))
            .map(person)
    };
    let (Some(adele), Some(megan), Some(alex)) = (find("adele@"), find("megan@"), find("alex@"))
    else {
        return;
    };
    chats::build(t, anchor, &adele, &megan, &alex);

    // Teams and channels.
    teams::build_contoso(t, anchor, &adele, &megan, &alex);
    teams::build_apollo(t, anchor, &adele, &alex);
}
