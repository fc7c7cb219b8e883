//! The conversation IDs Teams uses: one-on-one, group and meeting chats (`19:…@unq.gbl.spaces`,
//! `19:…@thread.v2`) and channels (`19:…@thread.tacv2`).

use base64::engine::general_purpose::STANDARD_NO_PAD;
use base64::Engine as _;

use crate::graph::ids::{guid, hex};

/// `19:{a}_{b}@unq.gbl.spaces`: a one-on-one chat's ID, from its two members' object IDs (sorted, so a pair
/// always has the same one).
pub fn one_on_one_id(a: &str, b: &str) -> String {
    let (first, second) = if a <= b { (a, b) } else { (b, a) };
    format!("19:{first}_{second}@unq.gbl.spaces")
}

/// `19:{32 hex}@thread.v2`: a group chat's ID.
pub fn group_chat_id(seed: &str) -> String {
    format!(
        "19:{}@thread.v2",
        hex(&["teams-chat", seed], 16).to_lowercase()
    )
}

/// `19:meeting_{base64 of a GUID}@thread.v2`: a meeting chat's ID.
pub(super) fn meeting_chat_id(seed: &str) -> String {
    format!(
        "19:meeting_{}@thread.v2",
        STANDARD_NO_PAD.encode(guid(&["teams-meeting", seed]))
    )
}

/// `19:{32 hex}@thread.tacv2`: a channel's thread ID.
pub(super) fn channel_id(team: &str, name: &str) -> String {
    format!(
        "19:{}@thread.tacv2",
        hex(&["teams-channel", team, name], 16).to_lowercase()
    )
}
