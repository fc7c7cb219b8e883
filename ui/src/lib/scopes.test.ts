import { describe, expect, it } from "vitest";
import { SAMPLE_CONNECTORS } from "../ipc/fake-backend";
import { defaultFeatureIds, filterConnectors, isGuid, scopesForFeatures, tenantProblem, urlProblem } from "./scopes";

const outlook = SAMPLE_CONNECTORS.find((c) => c.id === "outlook365")!;

describe("scopes", () => {
  it("always includes the base scopes, without duplicates", () => {
    expect(scopesForFeatures(outlook, [])).toEqual(outlook.base_scopes);
    const s = scopesForFeatures(outlook, ["send_mail", "write_calendar", "shared_mailboxes"]);
    expect(s.slice(0, outlook.base_scopes.length)).toEqual(outlook.base_scopes);
    expect(new Set(s).size).toBe(s.length);
    expect(s).toContain("Mail.Send");
    expect(s).toContain("Calendars.ReadWrite.Shared");
  });

  it("defaults to the features marked default", () => {
    expect(defaultFeatureIds(outlook)).toEqual(["read_mail", "read_calendar", "mailbox_settings"]);
  });

  it("filters by name, description and scope, case-insensitively", () => {
    expect(filterConnectors(SAMPLE_CONNECTORS, "teams").map((c) => c.id)).toEqual(["teams"]);
    expect(filterConnectors(SAMPLE_CONNECTORS, "SITES.read.all").map((c) => c.id)).toEqual(["onedrive-sharepoint"]);
    expect(filterConnectors(SAMPLE_CONNECTORS, "calendars.read").map((c) => c.id)).toEqual(["outlook365"]);
    expect(filterConnectors(SAMPLE_CONNECTORS, "Calendar").map((c) => c.id)).toEqual(["outlook365"]);
    expect(filterConnectors(SAMPLE_CONNECTORS, "files").map((c) => c.id)).toEqual(["onedrive-sharepoint"]);
    expect(filterConnectors(SAMPLE_CONNECTORS, "  ")).toHaveLength(3);
    expect(filterConnectors(SAMPLE_CONNECTORS, "xyz")).toEqual([]);
  });

  it("validates client IDs, tenants and URLs", () => {
    expect(isGuid("6F0C1C1E-4B7A-4C1E-9A51-2D3F0A9B7C11")).toBe(true);
    expect(isGuid("not-a-guid")).toBe(false);
    expect(tenantProblem("contoso.onmicrosoft.com")).toBeNull();
    expect(tenantProblem("a/b")).toMatch(/organizations/);
    expect(urlProblem("authority URL", "https://idp.example.com/t/v2.0")).toBeNull();
    expect(urlProblem("authority URL", "http://127.0.0.1:9000/t")).toBeNull();
    expect(urlProblem("authority URL", "http://idp.example.com")).toMatch(/https/);
    expect(urlProblem("authority URL", "nope")).toMatch(/full URL/);
  });
});
