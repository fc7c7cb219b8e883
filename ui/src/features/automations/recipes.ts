// Ready recipes: the flows people build most (Microsoft's own template gallery leads with these), each a trigger
// and a built-in action by their catalogue ids. Which connection carries them is worked out from the catalogue;
// nothing here names a connector.
import type { ConnectionSummary, Connector } from "../../ipc";

export interface Recipe {
  id: string;
  title: string;
  blurb: string;
  /** The trigger (`new_mail`, `file_changed`). */
  on: string;
  /** The built-in action (`save_attachments`, `post_to_teams`, `forward`). */
  does: string;
  /** A message template, for a post. */
  message?: string;
  /** It saves into a drive (a connection whose connector receives files). */
  toDrive?: boolean;
}

export const RECIPES: readonly Recipe[] = [
  {
    id: "attachments-to-drive",
    title: "Save email attachments to OneDrive",
    blurb: "Each attachment of new mail saved once in a folder of your drive, its name made safe.",
    on: "new_mail",
    does: "save_attachments",
    toDrive: true,
  },
  {
    id: "mail-to-teams",
    title: "Post in Teams when an email arrives",
    blurb: "A line in a chat or channel with who wrote and the subject, as plain text.",
    on: "new_mail",
    does: "post_to_teams",
    message: "New mail from {from}: {subject}",
  },
  {
    id: "file-to-teams",
    title: "Post in Teams when a file is added",
    blurb: "Tell a chat or channel when a file in a folder is added or changed, with its link.",
    on: "file_changed",
    does: "post_to_teams",
    message: "{name} was {change}: {web_url}",
  },
  {
    id: "forward-matching",
    title: "Forward or move mail that matches",
    blurb: "Mail from a sender or with a subject forwarded to someone, or moved to a folder.",
    on: "new_mail",
    does: "forward",
  },
];

const connectorOf = (connectors: Connector[], c: ConnectionSummary) => connectors.find((k) => k.id === c.connector_id);

/** The connections that can start `recipe` (their connector has its trigger). */
export function startersOf(recipe: Recipe, connections: ConnectionSummary[], connectors: Connector[]): ConnectionSummary[] {
  return connections.filter((c) => connectorOf(connectors, c)?.capabilities.triggers.some((t) => t.id === recipe.on));
}

/**
 * What `recipe` still lacks, in words (`null`: it can be made now): a connection with its trigger, and one that
 * carries its action (the starter's own, or another connector's that acts after any trigger).
 */
export function missingFor(recipe: Recipe, connections: ConnectionSummary[], connectors: Connector[]): string | null {
  const starters = startersOf(recipe, connections, connectors);
  const triggerOwner = connectors.find((k) => k.capabilities.triggers.some((t) => t.id === recipe.on));
  if (starters.length === 0) return `Needs a ${triggerOwner?.name ?? "matching"} connection.`;
  const own = starters.some((c) => connectorOf(connectors, c)?.capabilities.actions.some((a) => a.id === recipe.does));
  if (own) {
    if (!recipe.toDrive) return null;
    const receiver = connectors.find((k) => k.capabilities.receives_files !== null);
    return connections.some((c) => connectorOf(connectors, c)?.capabilities.receives_files)
      ? null
      : `Needs a ${receiver?.name ?? "drive"} connection.`;
  }
  const carrier = connectors.find((k) => k.capabilities.actions.some((a) => a.id === recipe.does && a.after.length === 0));
  if (!carrier) return "Not available.";
  return connections.some((c) => c.connector_id === carrier.id) ? null : `Needs a ${carrier.name} connection.`;
}
