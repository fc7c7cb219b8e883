//! The kinds of section a preview can show, one module each, keyed by the catalogue's section id: what each asks
//! Graph for in the preview's `$batch`, and how its answer (or a "Load more" page) becomes what the preview shows.
//! A connector's sections are data (`capabilities.preview`); a new kind of section is a module and a row of
//! [`SOURCES`], nothing else.

mod agenda;
mod chats;
mod files;
mod inbox;
mod joined_teams;
mod quota;
mod sites;

pub(crate) use chats::{chat_item, chat_line};
pub(crate) use files::{file_list, folder_ref, FILES_PAGE};
pub(crate) use joined_teams::team_item;
pub(crate) use sites::library;

use super::model::SectionContent;
use super::PreviewOptions;
use crate::catalogue::SectionKind;
use crate::graph::zone::Zone;
use crate::graph::{Graph, GraphError, RawResponse, Request};
use jiff::tz::TimeZone;
use jiff::Timestamp;

/// What a section's request is built from.
pub(crate) struct Ask<'a> {
    pub graph: &'a Graph,
    pub options: &'a PreviewOptions,
    pub now: Timestamp,
    /// The zone name times are asked in before the mailbox's is known: the mailbox's as last seen, or this
    /// computer's.
    pub asked_zone: &'a str,
}

/// What a section's answer is read with.
pub(crate) struct Read<'a> {
    /// The zone times are shown in.
    pub zone: &'a Zone,
    /// The zone times were asked in ([`Ask::asked_zone`]).
    pub asked: &'a TimeZone,
    pub options: &'a PreviewOptions,
    pub now: Timestamp,
    /// Whether this is the preview's own answer (false: a "Load more" page).
    pub first: bool,
    /// The signed-in person's user id (their account's `oid`): whose messages are their own, who "the other
    /// person" of a one-on-one chat is.
    pub me: &'a str,
}

/// One kind of section.
pub(crate) trait Source: Sync {
    /// The kind of content it shows (the catalogue's `kind` for it, and its content's).
    fn kind(&self) -> SectionKind;

    /// What it shows, as a sentence starts: "The inbox" (its problems' words: "The inbox needs permission …").
    fn subject(&self) -> &'static str;

    /// Whether its times are the mailbox's: the preview then reads the mailbox's zone in the same `$batch`.
    fn in_mailbox_zone(&self) -> bool {
        false
    }

    /// Its request in the preview's `$batch`.
    fn request(&self, ask: &Ask<'_>) -> Request;

    /// Its answer, or a "Load more" page, as the preview shows it.
    fn read(&self, answer: RawResponse, read: &Read<'_>) -> Result<SectionContent, GraphError>;

    /// What a next page is asked like: the headers its link does not carry (the link carries the query).
    fn next_page_like(&self, _asked_zone: &str) -> Request {
        Request::get("")
    }
}

/// Every kind of section, by the catalogue's id.
static SOURCES: &[(&str, &dyn Source)] = &[
    ("inbox", &inbox::Inbox),
    ("agenda", &agenda::Agenda),
    ("recent_files", &files::RecentFiles),
    ("drive_root", &files::DriveRoot),
    ("quota", &quota::Quota),
    ("sites", &sites::Sites),
    ("recent_chats", &chats::RecentChats),
    ("joined_teams", &joined_teams::JoinedTeams),
];

/// The section with the catalogue's id `id`, when this Patchbay can show it.
pub(crate) fn source(id: &str) -> Option<&'static dyn Source> {
    SOURCES.iter().find(|(sid, _)| *sid == id).map(|(_, s)| *s)
}

/// Items with an id seen before dropped (Graph should not repeat one; a list keyed by id must not see it twice).
pub(crate) fn once_each<T>(mut items: Vec<T>, id: impl Fn(&T) -> &String) -> Vec<T> {
    let mut seen = std::collections::HashSet::new();
    items.retain(|item| seen.insert(id(item).clone()));
    items
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::Catalogue;

    #[test]
    fn every_section_the_catalogue_names_has_a_source_of_its_kind() {
        for connector in Catalogue::builtin().connectors() {
            for spec in &connector.capabilities.preview {
                let source = source(&spec.id).unwrap_or_else(|| {
                    panic!("{}: section {} has no source", connector.id, spec.id)
                });
                assert_eq!(source.kind(), spec.kind, "{}: {}", connector.id, spec.id);
            }
        }
    }

    #[test]
    fn an_id_graph_repeats_is_shown_once() {
        let items = vec![
            ("a".to_string(), 1),
            ("b".to_string(), 2),
            ("a".to_string(), 3),
        ];
        let kept = once_each(items, |(id, _)| id);
        assert_eq!(kept, vec![("a".to_string(), 1), ("b".to_string(), 2)]);
    }
}
