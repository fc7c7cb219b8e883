//! `sites`: the SharePoint sites the person follows (work or school accounts; a personal account's preview has no
//! such section). Opening one lists its document libraries ([`crate::preview::Previews::site_libraries`]).

use super::{once_each, Ask, Read, Source};
use crate::catalogue::SectionKind;
use crate::graph::drive::{DriveInfo, SiteInfo, Sites as SiteRequests};
use crate::graph::{GraphError, Page, RawResponse, Request};
use crate::preview::model::{Library, SectionContent, SiteItem};

pub(crate) struct Sites;

impl Source for Sites {
    fn kind(&self) -> SectionKind {
        SectionKind::Sites
    }

    fn subject(&self) -> &'static str {
        "The list of sites you follow"
    }

    fn request(&self, _ask: &Ask<'_>) -> Request {
        SiteRequests::followed()
    }

    fn read(&self, answer: RawResponse, _read: &Read<'_>) -> Result<SectionContent, GraphError> {
        let page: Page<SiteInfo> = answer.json()?;
        Ok(SectionContent::Sites {
            items: once_each(
                page.value
                    .into_iter()
                    .map(|s| SiteItem {
                        name: s.display_name.filter(|n| !n.trim().is_empty()).or(s.name),
                        web_url: s.web_url,
                        id: s.id,
                    })
                    .collect(),
                |s| &s.id,
            ),
            next_link: page.next_link,
        })
    }
}

/// A site's drive as a library to browse.
pub(crate) fn library(d: DriveInfo) -> Library {
    Library {
        id: d.id,
        name: d.name.filter(|n| !n.trim().is_empty()),
        web_url: d.web_url,
        drive_type: d.drive_type,
    }
}
