import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import type { ConnectionSummary, Preview } from "../../ipc";
import { ARCHIVE_FILES, FILES_PAGE, MARKUP_NAME, SAMPLE_CONNECTORS, sampleConnection, sampleFileSections } from "../../ipc/fake-backend";
import { useFakeBackend } from "../../test/helpers";
import PreviewScreen from "./PreviewScreen.svelte";

const onedrive = SAMPLE_CONNECTORS.find((c) => c.id === "onedrive-sharepoint")!;

function filesConnection(overrides: Partial<ConnectionSummary> = {}): ConnectionSummary {
  return sampleConnection({
    id: "conn-files",
    name: "Ada's files",
    connector_id: onedrive.id,
    scopes_requested: [...onedrive.default_scopes],
    scopes_granted: [...onedrive.default_scopes],
    ...overrides,
  });
}

function setup(connection = filesConnection(), options: Parameters<typeof useFakeBackend>[0] = {}) {
  const backend = useFakeBackend({ connections: [connection], ...options });
  const onFix = vi.fn();
  render(PreviewScreen, { connection, connector: onedrive, onBack: vi.fn(), onFix });
  return { backend, onFix, user: userEvent.setup() };
}

const calls = (backend: ReturnType<typeof useFakeBackend>, cmd: string) => backend.calls.filter((c) => c.cmd === cmd);
const section = (id: string) => screen.getByTestId(`preview-${id}`);
/** The breadcrumb's steps, as read. */
const crumbs = (testid: string) => within(screen.getByTestId(testid)).getAllByRole("listitem").map((li) => li.textContent?.replace("›", "").trim());
const names = (list: HTMLElement) => within(list).getAllByTestId("file-item").map((row) => within(row).queryByTestId("file-folder")?.textContent ?? within(row).getByTestId("file-name").textContent);

describe("a files preview", () => {
  it("shows recent files, the drive's top folder, the storage and the sites followed, each in its section", async () => {
    const { backend } = setup();
    // Laid out from the catalogue before the first answer.
    expect(screen.getByRole("heading", { name: "Recent files" })).toBeInTheDocument();
    expect(screen.getByTestId("drive_root-skeleton")).toBeInTheDocument();
    expect(screen.getByTestId("sites-skeleton")).toBeInTheDocument();

    const root = await screen.findByTestId("drive_root-list");
    expect(calls(backend, "preview_connection")).toHaveLength(1);
    expect(screen.getByRole("heading", { name: "My files" })).toBeInTheDocument();
    const rows = within(root).getAllByTestId("file-item");
    expect(rows).toHaveLength(5);
    const documents = rows.find((r) => r.textContent?.includes("Documents"))!;
    expect(documents).toHaveAttribute("data-folder", "true");
    expect(documents).toHaveTextContent("7 items");
    expect(rows.find((r) => r.textContent?.includes("Empty folder"))).toHaveTextContent("0 items");
    // Who changed a file last, and how big it is.
    const board = rows.find((r) => r.getAttribute("data-folder") === "false")!;
    expect(board).toHaveTextContent("47 KB · by Grace Hopper");
    expect(within(section("drive_root")).getByTestId("drive_root-crumbs")).toHaveTextContent("OneDrive");

    const recent = within(section("recent_files")).getByTestId("recent_files-list");
    expect(within(recent).getAllByTestId("file-item")).toHaveLength(5);
    expect(within(recent).queryByTestId("file-folder")).not.toBeInTheDocument();

    expect(screen.getByTestId("quota-meter")).toHaveTextContent("1.2 GB used of 1 TB (less than 1 %)");
    expect(screen.getByRole("meter", { name: "Storage used" })).toHaveAttribute("aria-valuetext", "1.2 GB of 1 TB");
    expect(screen.queryByTestId("quota-state")).not.toBeInTheDocument();

    const sites = within(section("sites")).getAllByTestId("site-item");
    expect(sites.map((s) => within(s).getByTestId("site-open").textContent)).toEqual(["Contoso Team", "Marketing"]);
    // No mailbox: the times are this computer's, and that is all there is to it.
    expect(screen.getByTestId("preview-zone")).toHaveTextContent(/\(this computer's time zone\)\.$/);
    expect(screen.queryByTestId("zone-problem")).not.toBeInTheDocument();
  });

  it("shows a name that looks like markup as the text it is", async () => {
    setup();
    const root = await screen.findByTestId("drive_root-list");
    const name = within(root).getByText(MARKUP_NAME);
    expect(name.textContent).toBe(MARKUP_NAME);
    expect(name.querySelector("b, img")).toBeNull();
    expect(document.querySelector("img")).toBeNull();
    expect(within(section("recent_files")).getByText(MARKUP_NAME)).toBeInTheDocument();
  });

  it("browses into a folder and back by the breadcrumb and Up, the keyboard following", async () => {
    const { backend, user } = setup();
    await screen.findByTestId("drive_root-list");
    await user.click(within(section("drive_root")).getByRole("button", { name: "Open folder Documents" }));
    await waitFor(() => expect(screen.getByTestId("drive_root-browser")).toHaveAttribute("data-path", "/Documents"));
    expect(calls(backend, "browse_files").at(-1)?.args).toEqual({ id: "conn-files", drive: null, path: "/Documents" });
    expect(crumbs("drive_root-crumbs")).toEqual(["OneDrive", "Documents"]);
    expect(within(screen.getByTestId("drive_root-crumbs")).getByText("Documents")).toHaveFocus();
    expect(names(screen.getByTestId("drive_root-list"))).toContain("Welcome.md");

    await user.click(within(section("drive_root")).getByRole("button", { name: "Open folder Invoices" }));
    await waitFor(() => expect(screen.getByTestId("drive_root-browser")).toHaveAttribute("data-path", "/Documents/Invoices"));
    expect(crumbs("drive_root-crumbs")).toEqual(["OneDrive", "Documents", "Invoices"]);

    await user.click(screen.getByTestId("drive_root-back"));
    await waitFor(() => expect(screen.getByTestId("drive_root-browser")).toHaveAttribute("data-path", "/Documents"));
    await user.click(within(screen.getByTestId("drive_root-crumbs")).getByRole("button", { name: "OneDrive" }));
    await waitFor(() => expect(screen.getByTestId("drive_root-browser")).toHaveAttribute("data-path", "/"));
    // At the top there is nowhere up to go.
    expect(screen.queryByTestId("drive_root-back")).not.toBeInTheDocument();

    await user.click(within(section("drive_root")).getByRole("button", { name: "Open folder Empty folder" }));
    expect(await screen.findByTestId("drive_root-list-empty")).toHaveTextContent("This folder is empty.");
  });

  it("loads more of a big folder a page at a time, each file once, until there is no more", async () => {
    const { backend, user } = setup();
    await screen.findByTestId("drive_root-list");
    await user.click(within(section("drive_root")).getByRole("button", { name: "Open folder Archive" }));
    await user.click(await within(section("drive_root")).findByRole("button", { name: "Open folder 2025" }));
    await waitFor(() => expect(screen.getByTestId("drive_root-browser")).toHaveAttribute("data-path", "/Archive/2025"));
    const rows = () => within(screen.getByTestId("drive_root-list")).getAllByTestId("file-item");
    expect(rows()).toHaveLength(FILES_PAGE);
    await user.click(screen.getByTestId("drive_root-more"));
    await waitFor(() => expect(rows()).toHaveLength(2 * FILES_PAGE));
    expect(calls(backend, "more_files")[0]?.args).toMatchObject({ id: "conn-files" });
    for (let shown = 2 * FILES_PAGE; shown < ARCHIVE_FILES; shown += FILES_PAGE) {
      await user.click(screen.getByTestId("drive_root-more"));
      await waitFor(() => expect(rows()).toHaveLength(shown + FILES_PAGE));
    }
    const all = names(screen.getByTestId("drive_root-list"));
    expect(new Set(all).size).toBe(ARCHIVE_FILES);
    expect(all.at(-1)).toBe("log-2025-300.txt");
    expect(screen.queryByTestId("drive_root-more")).not.toBeInTheDocument();
  });

  it("says when a folder cannot be opened, and stays where it was", async () => {
    const { backend, user } = setup();
    await screen.findByTestId("drive_root-list");
    backend.files.folders.delete("/Pictures");
    await user.click(within(section("drive_root")).getByRole("button", { name: "Open folder Pictures" }));
    expect(await screen.findByTestId("drive_root-browse-error")).toHaveTextContent("That folder or site is no longer there.");
    expect(screen.getByTestId("drive_root-browser")).toHaveAttribute("data-path", "/");
  });

  it("opens a file, a folder and the drive in OneDrive on the web", async () => {
    const { backend, user } = setup();
    const root = await screen.findByTestId("drive_root-list");
    await user.click(within(root).getByRole("button", { name: "Open in OneDrive: Documents" }));
    expect(calls(backend, "open_url").at(-1)?.args).toEqual({ url: expect.stringMatching(/^https:\/\/contoso-my\.sharepoint\.com\/.*\/Documents$/) });
    await user.click(within(root).getByRole("button", { name: `Open in OneDrive: ${MARKUP_NAME}` }));
    expect(calls(backend, "open_url").at(-1)?.args).toEqual({ url: expect.stringContaining("Board") });
    await user.click(screen.getByTestId("quota-open"));
    expect(screen.getByTestId("quota-open")).toHaveTextContent("Open in OneDrive");
    expect(calls(backend, "open_url")).toHaveLength(3);
  });

  it("says when the drive is nearly full, and when it is critical", async () => {
    const preview = (state: string, used: number): Preview => {
      const sections = sampleFileSections();
      const quota = sections.find((s) => s.id === "quota");
      if (quota?.state !== "loaded" || quota.content.kind !== "quota") throw new Error("no quota");
      quota.content.quota = { ...quota.content.quota, state, used, total: 5_368_709_120, remaining: 5_368_709_120 - used, deleted: 0 };
      return { connection_id: "conn-files", fetched_at: new Date().toISOString(), time_zone: { iana: "UTC", reported: null, from_mailbox: false, hour12: null, date_format: null, time_format: null, problem: null }, sections };
    };
    const { backend, user } = setup();
    backend.preview = preview("nearing", 4_960_000_000);
    await user.click(screen.getByTestId("preview-refresh"));
    await waitFor(() => expect(screen.getByTestId("quota-meter")).toHaveAttribute("data-state", "nearing"));
    expect(screen.getByTestId("quota-meter")).toHaveTextContent("4.6 GB used of 5 GB (92 %)");
    expect(screen.getByTestId("quota-state")).toHaveTextContent("Nearly full: less than a tenth is left.");
    expect(screen.getByRole("meter")).toHaveAttribute("aria-valuenow", "92");

    backend.preview = preview("critical", 5_330_000_000);
    await user.click(screen.getByTestId("preview-refresh"));
    await waitFor(() => expect(screen.getByTestId("quota-meter")).toHaveAttribute("data-state", "critical"));
    expect(screen.getByTestId("quota-state")).toHaveTextContent("Almost full: less than 1 % is left.");
  });

  it("opens a followed site's libraries and browses one like the drive, Back going one step out", async () => {
    const { backend, user } = setup();
    const sites = await screen.findByTestId("sites-list");
    await user.click(within(sites).getByRole("button", { name: "Show the libraries of Contoso Team" }));
    const libraries = await screen.findByTestId("sites-libraries");
    expect(calls(backend, "site_libraries")[0]?.args).toEqual({ id: "conn-files", siteId: expect.stringContaining("team") });
    expect(screen.getByTestId("sites-site")).toHaveTextContent("Contoso Team");
    expect(within(libraries).getAllByTestId("library-open").map((b) => b.getAttribute("aria-label"))).toEqual([
      "Browse the library Documents",
      "Browse the library Policies",
    ]);

    // A library's id, for an automation that watches it.
    expect(within(libraries).getByRole("button", { name: "Copy the id of the library Policies" })).toHaveTextContent("Copy id");
    await user.click(within(libraries).getByRole("button", { name: "Browse the library Documents" }));
    const listing = await screen.findByTestId("sites-library-list");
    expect(calls(backend, "browse_files").at(-1)?.args).toEqual({ id: "conn-files", drive: expect.stringMatching(/^b!/), path: "/" });
    expect(names(listing)).toEqual(["Team charter.docx", "Holiday rota 2026.xlsx"]);
    expect(crumbs("sites-library-crumbs")).toEqual(["Documents"]);

    await user.click(screen.getByTestId("sites-back"));
    expect(await screen.findByTestId("sites-libraries")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Browse the library Documents" })).toHaveFocus();
    await user.click(screen.getByTestId("sites-back"));
    expect(await screen.findByTestId("sites-list")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Show the libraries of Contoso Team" })).toHaveFocus();

    await user.click(screen.getByRole("button", { name: "Show the libraries of Marketing" }));
    expect(await screen.findByTestId("sites-no-libraries")).toHaveTextContent("This site has no document libraries you can see.");
  });

  it("shows no Sites section for a personal account, not even while loading", async () => {
    const personal = filesConnection({
      account: { oid: "00000000-0000-0000-0000-000000000042", tid: "9188040d-6c67-4c5b-b112-36a304b66dad", name: "Sam", email: "sam@outlook.example" },
      scopes_requested: onedrive.personal_scopes,
      scopes_granted: onedrive.personal_scopes,
    });
    setup(personal);
    expect(screen.queryByTestId("sites-skeleton")).not.toBeInTheDocument();
    await screen.findByTestId("drive_root-list");
    expect(screen.getAllByRole("heading", { level: 3 }).map((h) => h.textContent)).toEqual(["My files", "Recent files", "Storage"]);
    expect(screen.queryByTestId("preview-sites")).not.toBeInTheDocument();
  });

  it("names the permission a refused section needs, with Fix, while the others show", async () => {
    const { backend, onFix, user } = setup();
    const sections = sampleFileSections().map((s) =>
      s.id === "sites"
        ? {
            id: s.id,
            title: s.title,
            state: "failed" as const,
            problem: {
              kind: "missing_permission" as const,
              title: "The list of sites you follow needs permission Sites.Read.All.",
              message: "This connection was not granted Sites.Read.All. Use Fix to sign in again and grant it.",
              permission: "Sites.Read.All",
              detail: "accessDenied: Access denied",
              request_id: "f00d",
            },
          }
        : s,
    );
    backend.preview = { connection_id: "conn-files", fetched_at: new Date().toISOString(), time_zone: { iana: "UTC", reported: null, from_mailbox: false, hour12: null, date_format: null, time_format: null, problem: null }, sections };
    await user.click(screen.getByTestId("preview-refresh"));
    const problem = await screen.findByTestId("sites-problem");
    expect(problem).toHaveTextContent("The list of sites you follow needs permission Sites.Read.All.");
    expect(screen.getByTestId("drive_root-list")).toBeInTheDocument();
    await user.click(within(problem).getByRole("button", { name: "Fix… (grant Sites.Read.All)" }));
    expect(onFix).toHaveBeenCalledTimes(1);
  });
});
