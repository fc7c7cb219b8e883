//! `quota`: how full the person's OneDrive is (used of total, and Graph's word for it: normal, nearing, critical).

use super::{Ask, Read, Source};
use crate::catalogue::SectionKind;
use crate::graph::drive::{DriveInfo, DriveRef};
use crate::graph::{GraphError, RawResponse, Request};
use crate::preview::model::{DriveQuota, SectionContent};

pub(crate) struct Quota;

impl Source for Quota {
    fn kind(&self) -> SectionKind {
        SectionKind::Quota
    }

    fn subject(&self) -> &'static str {
        "Your OneDrive's storage"
    }

    fn request(&self, ask: &Ask<'_>) -> Request {
        ask.graph.drive(&DriveRef::Me).get()
    }

    fn read(&self, answer: RawResponse, _read: &Read<'_>) -> Result<SectionContent, GraphError> {
        let drive: DriveInfo = answer.json()?;
        let quota = drive.quota.unwrap_or_default();
        // Graph's numbers are signed; a negative one means nothing (never shown as a size).
        let bytes = |n: Option<i64>| n.and_then(|n| u64::try_from(n).ok());
        Ok(SectionContent::Quota {
            quota: DriveQuota {
                used: bytes(quota.used),
                total: bytes(quota.total),
                remaining: bytes(quota.remaining),
                deleted: bytes(quota.deleted),
                state: quota.state.filter(|s| !s.trim().is_empty()),
                drive_type: drive.drive_type,
                web_url: drive.web_url,
            },
        })
    }
}
