//! `joined_teams`: the Teams teams the person is a member of, by name. Opening one lists its channels
//! ([`crate::preview::Previews::team_channels`]).

use super::{once_each, Ask, Read, Source};
use crate::catalogue::SectionKind;
use crate::graph::teams::Team;
use crate::graph::{GraphError, Page, RawResponse, Request};
use crate::preview::model::{SectionContent, TeamItem};

pub(crate) struct JoinedTeams;

impl Source for JoinedTeams {
    fn kind(&self) -> SectionKind {
        SectionKind::Teams
    }

    fn subject(&self) -> &'static str {
        "The list of your teams"
    }

    fn request(&self, ask: &Ask<'_>) -> Request {
        ask.graph.teams().joined_teams()
    }

    fn read(&self, answer: RawResponse, _read: &Read<'_>) -> Result<SectionContent, GraphError> {
        let page: Page<Team> = answer.json()?;
        let mut items = once_each(page.value.into_iter().map(team_item).collect(), |t| &t.id);
        // By name, as Teams lists them (a team without one last).
        items.sort_by_key(|t| (t.name.is_none(), t.name.as_deref().map(str::to_lowercase)));
        Ok(SectionContent::Teams {
            items,
            next_link: page.next_link,
        })
    }
}

/// A team as the preview shows it.
pub(crate) fn team_item(t: Team) -> TeamItem {
    let present = |s: Option<String>| s.filter(|v| !v.trim().is_empty());
    TeamItem {
        name: present(t.display_name),
        description: present(t.description),
        id: t.id,
    }
}
