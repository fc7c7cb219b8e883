//! `inbox`: the inbox's newest messages, in the mailbox's zone.

use super::{once_each, Ask, Read, Source};
use crate::catalogue::SectionKind;
use crate::graph::mail::Message;
use crate::graph::{GraphError, Page, RawResponse, Request};
use crate::preview::convert;
use crate::preview::model::SectionContent;

pub(crate) struct Inbox;

impl Source for Inbox {
    fn kind(&self) -> SectionKind {
        SectionKind::Messages
    }

    fn subject(&self) -> &'static str {
        "The inbox"
    }

    fn in_mailbox_zone(&self) -> bool {
        true
    }

    fn request(&self, ask: &Ask<'_>) -> Request {
        ask.graph
            .mail()
            .inbox()
            .top(ask.options.top.clamp(1, 1000))
            .request()
    }

    fn read(&self, answer: RawResponse, read: &Read<'_>) -> Result<SectionContent, GraphError> {
        let page: Page<Message> = answer.json()?;
        Ok(SectionContent::Messages {
            items: once_each(
                page.value
                    .into_iter()
                    .map(|m| convert::message(m, read.zone))
                    .collect(),
                |m| &m.id,
            ),
            next_link: page.next_link,
        })
    }
}
