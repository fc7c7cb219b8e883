//! People in a conversation: a demo user as a [`Person`], and a conversation's [`Member`] with its opaque ID.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

use crate::graph::ids::guid;
use crate::graph::teams::model::{Member, Person};
use crate::state::DemoUser;

pub fn person(user: &DemoUser) -> Person {
    Person {
        id: user.id.clone(),
        name: user.display_name.clone(),
        email: user.email.clone(),
    }
}

/// A conversation member's ID, opaque as Graph's (base64 of a GUID, `##` and the user's object ID).
pub fn member_id(conversation: &str, user_id: &str) -> String {
    STANDARD.encode(format!(
        "{}##{user_id}",
        guid(&["teams-member", conversation])
    ))
}

pub fn member(conversation: &str, p: &Person) -> Member {
    Member {
        id: member_id(conversation, &p.id),
        person: p.clone(),
        roles: vec!["owner".into()],
    }
}
