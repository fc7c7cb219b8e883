// What the preview screen needs to know of sections in general, whatever their kind: their next page, how a
// "Load more" page joins them, and what to lay out before the first preview has loaded.
import type { ConnectionSummary, Connector, PreviewSection, SectionContent, SectionKind } from "../../ipc";

/** A section as the screen lays it out: loaded, failed or skipped, or still to come (`pending`). */
export type SectionView = PreviewSection | { id: string; title: string; state: "pending"; kind: SectionKind };

/** Graph's link to the next page of a section's content, when it has one. */
export function nextLinkOf(content: SectionContent): string | null {
  return "next_link" in content ? content.next_link : null;
}

/** A "Load more" page added to a section's content. An item it already has is not added again (a message that
 *  arrived meanwhile shifts the pages: one can come twice). */
export function appendPage(content: SectionContent, page: SectionContent): SectionContent {
  if (content.kind !== page.kind || !("items" in content) || !("items" in page)) return content;
  const items = content.items as { id: string }[];
  const known = new Set(items.map((item) => item.id));
  const added = (page.items as { id: string }[]).filter((item) => !known.has(item.id));
  return { ...content, items: [...items, ...added], next_link: page.next_link } as SectionContent;
}

/**
 * The sections a connection's preview will have, still to come: its connector's, as the catalogue lists them,
 * that the connection asked for the permission of (one it never asked for is left out here: a personal account
 * has no SharePoint sites at all, and a section set up without its feature says so once the preview loads).
 */
export function pendingSections(connector: Connector | undefined, connection: ConnectionSummary): SectionView[] {
  const asked = connection.scopes_requested.map((s) => (s.split("/").pop() ?? s).toLowerCase());
  return (connector?.capabilities.preview ?? [])
    .filter((s) => s.needs === null || s.needs.carried_by.some((c) => asked.includes(c.toLowerCase())))
    .map((s) => ({ id: s.id, title: s.title, state: "pending", kind: s.kind }));
}
