import type { Connector, Feature } from "../ipc";

/** The scopes for the chosen features, as the core worked them out (`scope_sets`, keyed by the chosen ids in
 * catalogue order): the base scopes plus each feature's, without repeats. */
export function scopesForFeatures(connector: Pick<Connector, "features" | "scope_sets">, featureIds: readonly string[]): string[] {
  const key = connector.features
    .filter((f: Feature) => featureIds.includes(f.id))
    .map((f) => f.id)
    .join("+");
  return [...(connector.scope_sets[key] ?? [])];
}

export function defaultFeatureIds(connector: Pick<Connector, "features">): string[] {
  return connector.features.filter((f) => f.default).map((f) => f.id);
}

/** What a scope means in words, from the connector's permission list. */
export function describeScope(connector: Pick<Connector, "permissions"> | undefined, scope: string): string | undefined {
  return connector?.permissions.find((p) => p.scope === scope)?.description;
}

/** Case-insensitive match on name, description and scopes. An empty query matches all. */
export function filterConnectors<T extends Pick<Connector, "name" | "description" | "default_scopes" | "permissions">>(
  connectors: readonly T[],
  query: string,
): T[] {
  const q = query.trim().toLowerCase();
  if (!q) return [...connectors];
  return connectors.filter((c) =>
    [c.name, c.description, ...c.default_scopes, ...c.permissions.map((p) => p.scope)].some((text) =>
      text.toLowerCase().includes(q),
    ),
  );
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isGuid(text: string): boolean {
  return GUID.test(text.trim());
}

/** Returns a message when the tenant is not organizations/common/consumers, a GUID or a domain. */
export function tenantProblem(tenant: string): string | null {
  const t = tenant.trim();
  if (!t) return "Enter a tenant, or leave “organizations”.";
  if (!/^[A-Za-z0-9._-]{1,256}$/.test(t)) {
    return "Use organizations, common, a tenant ID (a GUID) or a domain such as contoso.onmicrosoft.com.";
  }
  return null;
}

/** Returns a message when a URL is not https (http only on this computer). */
export function urlProblem(what: string, value: string): string | null {
  const v = value.trim();
  if (!v) return `Enter the ${what}.`;
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    return `The ${what} is not a full URL. Start it with https://`;
  }
  const loopback = ["127.0.0.1", "[::1]", "localhost"].includes(url.hostname);
  if (url.protocol === "https:" || (url.protocol === "http:" && loopback)) return null;
  return `The ${what} must start with https:// (http is only allowed for localhost).`;
}
