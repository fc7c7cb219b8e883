// Files preview samples for the fake backend (fake-backend.ts): a OneDrive with folders, a 300-file archive in
// pages, recent files, its quota, and two followed SharePoint sites with their libraries — as the core answers
// `preview_connection`, `browse_files`, `more_files` and `site_libraries` for a OneDrive & SharePoint connection.
import type { DriveQuota } from "./bindings/DriveQuota";
import type { FileItem } from "./bindings/FileItem";
import type { FileList } from "./bindings/FileList";
import type { FolderRef } from "./bindings/FolderRef";
import type { Library } from "./bindings/Library";
import type { PreviewSection } from "./bindings/PreviewSection";
import type { SiteItem } from "./bindings/SiteItem";

/** How many files the sample's /Archive/2025 holds, and how many a page shows (as the core asks Graph). */
export const ARCHIVE_FILES = 300;
export const FILES_PAGE = 50;
/** A file name that looks like markup: shown as text, never as markup. */
export const MARKUP_NAME = "<b>Board</b> minutes <img src=x onerror=alert(1)>.docx";

const WEB = "https://contoso-my.sharepoint.com/personal/ada_contoso_com/Documents";
const DRIVE = "b!SampleOneDriveAdaLovelace";
export const TEAM_SITE = "contoso.sharepoint.com,2f5c1a9e,team";
export const TEAM_DOCUMENTS = "b!SampleContosoTeamDocuments";

function ago(now: number, minutes: number): string {
  return new Date(now - minutes * 60_000).toISOString();
}

function folderRef(drive: string | null, path: string): FolderRef {
  const names = path.split("/").filter(Boolean);
  const crumbs = names.map((name, i) => ({ name, path: `/${names.slice(0, i + 1).join("/")}` }));
  return {
    drive,
    path,
    name: names.at(-1) ?? null,
    parent: names.length === 0 ? null : `/${names.slice(0, -1).join("/")}`,
    crumbs,
  };
}

function file(folder: string, name: string, f: Partial<FileItem> = {}): FileItem {
  const path = `${folder === "/" ? "" : folder}/${name}`;
  return {
    id: `item:${path}`,
    name,
    path,
    is_folder: false,
    size: 12_288,
    modified: null,
    web_url: `${WEB}${encodeURI(path)}`,
    modified_by: "Ada Lovelace",
    child_count: null,
    drive_id: DRIVE,
    ...f,
  };
}

function folder(parent: string, name: string, children: number, f: Partial<FileItem> = {}): FileItem {
  return file(parent, name, { is_folder: true, child_count: children, size: 2_400_000, ...f });
}

const archiveLink = (page: number) => `https://graph.microsoft.com/v1.0/me/drive/items/ARCHIVE2025/children?$top=50&$skiptoken=${page}`;

/** The sample drive's folders (first pages) by path, `/Archive/2025`'s next pages by link, and its libraries. */
export function sampleFiles(now = Date.now()): {
  folders: Map<string, FileList>;
  pages: Map<string, FileList>;
  recent: FileItem[];
  libraries: Map<string, Library[]>;
} {
  const t = (minutes: number) => ago(now, minutes);
  const root: FileItem[] = [
    folder("/", "Archive", 1, { modified: t(60 * 24 * 30), size: 4_915_200 }),
    folder("/", "Documents", 7, { modified: t(75), size: 1_284_096 }),
    folder("/", "Empty folder", 0, { modified: t(60 * 24 * 60), size: 0 }),
    folder("/", "Pictures", 2, { modified: t(60 * 24 * 12), size: 70_656 }),
    file("/", MARKUP_NAME, { modified: t(60 * 26), size: 48_213, modified_by: "Grace Hopper" }),
  ];
  const documents: FileItem[] = [
    folder("/Documents", "Invoices", 2, { modified: t(60 * 24 * 3) }),
    file("/Documents", "Budget 2026.csv", { modified: t(60 * 24 * 2), size: 214 }),
    file("/Documents", "Contract.pdf", { modified: t(60 * 24 * 9), size: 1_048_576, modified_by: "Fabrikam Legal" }),
    file("/Documents", "Notes.txt", { modified: t(75), size: 160 }),
    file("/Documents", "Project Plan.docx", { modified: t(60 * 24 * 5), size: 24_576, modified_by: "Katherine Johnson" }),
    file("/Documents", "settings.json", { modified: t(60 * 24 * 20), size: 96 }),
    file("/Documents", "Welcome.md", { modified: t(60 * 24 * 40), size: 342 }),
  ];
  const archive = Array.from({ length: ARCHIVE_FILES }, (_, i) =>
    file("/Archive/2025", `log-2025-${String(i + 1).padStart(3, "0")}.txt`, { modified: t(60 * 24 * (400 - i)), size: 16_384 }),
  );
  const pageCount = ARCHIVE_FILES / FILES_PAGE;
  const folders = new Map<string, FileList>([
    ["/", { folder: folderRef(null, "/"), items: root, next_link: null }],
    ["/Documents", { folder: folderRef(null, "/Documents"), items: documents, next_link: null }],
    [
      "/Documents/Invoices",
      {
        folder: folderRef(null, "/Documents/Invoices"),
        items: [folder("/Documents/Invoices", "2025", 3), folder("/Documents/Invoices", "2026", 6)],
        next_link: null,
      },
    ],
    ["/Archive", { folder: folderRef(null, "/Archive"), items: [folder("/Archive", "2025", ARCHIVE_FILES)], next_link: null }],
    ["/Archive/2025", { folder: folderRef(null, "/Archive/2025"), items: archive.slice(0, FILES_PAGE), next_link: archiveLink(1) }],
    ["/Empty folder", { folder: folderRef(null, "/Empty folder"), items: [], next_link: null }],
    [
      "/Pictures",
      {
        folder: folderRef(null, "/Pictures"),
        items: [file("/Pictures", "firmware.bin", { size: 65_536 }), file("/Pictures", "logo.png", { size: 5_120 })],
        next_link: null,
      },
    ],
    [
      `${TEAM_DOCUMENTS}|/`,
      {
        folder: folderRef(TEAM_DOCUMENTS, "/"),
        items: [
          file("/", "Team charter.docx", { modified: t(60 * 24 * 6), modified_by: "Megan Bowen", drive_id: TEAM_DOCUMENTS }),
          file("/", "Holiday rota 2026.xlsx", { modified: t(60 * 5), modified_by: "Alan Turing", drive_id: TEAM_DOCUMENTS }),
        ],
        next_link: null,
      },
    ],
  ]);
  const pages = new Map<string, FileList>();
  for (let p = 1; p < pageCount; p += 1) {
    pages.set(archiveLink(p), {
      folder: null,
      items: archive.slice(p * FILES_PAGE, (p + 1) * FILES_PAGE),
      next_link: p + 1 < pageCount ? archiveLink(p + 1) : null,
    });
  }
  const recent: FileItem[] = [
    file("/Documents", "Notes.txt", { modified: t(75), size: 160, path: null }),
    file("/", MARKUP_NAME, { modified: t(60 * 26), size: 48_213, modified_by: "Grace Hopper", path: null }),
    file("/Documents", "Budget 2026.csv", { modified: t(60 * 24 * 2), size: 214, path: null }),
    file("/Documents", "Project Plan.docx", { modified: t(60 * 24 * 5), size: 24_576, modified_by: "Katherine Johnson", path: null }),
    file("/Documents", "Contract.pdf", { modified: t(60 * 24 * 9), size: 1_048_576, modified_by: "Fabrikam Legal", path: null }),
  ];
  const libraries = new Map<string, Library[]>([
    [
      TEAM_SITE,
      [
        { id: TEAM_DOCUMENTS, name: "Documents", web_url: "https://contoso.sharepoint.com/sites/team/Shared%20Documents", drive_type: "documentLibrary" },
        { id: "b!SampleContosoTeamPolicies", name: "Policies", web_url: "https://contoso.sharepoint.com/sites/team/Policies", drive_type: "documentLibrary" },
      ],
    ],
    ["contoso.sharepoint.com,8a1d,marketing", []],
  ]);
  return { folders, pages, recent, libraries };
}

export const SAMPLE_QUOTA: DriveQuota = {
  used: 1_288_490_189,
  total: 2 ** 40,
  remaining: 2 ** 40 - 1_288_490_189,
  deleted: 52_428_800,
  state: "normal",
  drive_type: "business",
  web_url: WEB,
};

export const SAMPLE_SITES: SiteItem[] = [
  { id: TEAM_SITE, name: "Contoso Team", web_url: "https://contoso.sharepoint.com/sites/team" },
  { id: "contoso.sharepoint.com,8a1d,marketing", name: "Marketing", web_url: "https://contoso.sharepoint.com/sites/marketing" },
];

/** A files preview's sections, as the core answers them for a work account (`personal`: without sites). */
export function sampleFileSections(now = Date.now(), personal = false): PreviewSection[] {
  const { folders, recent } = sampleFiles(now);
  const sections: PreviewSection[] = [
    { id: "drive_root", title: "My files", state: "loaded", content: { kind: "files", ...folders.get("/")! } },
    { id: "quota", title: "Storage", state: "loaded", content: { kind: "quota", quota: { ...SAMPLE_QUOTA } } },
  ];
  if (!personal) {
    sections.push({ id: "sites", title: "Sites", state: "loaded", content: { kind: "sites", items: structuredClone(SAMPLE_SITES), next_link: null } });
  }
  sections.push({ id: "recent_files", title: "Recent files", state: "loaded", content: { kind: "files", folder: null, items: recent, next_link: null } });
  return sections;
}
