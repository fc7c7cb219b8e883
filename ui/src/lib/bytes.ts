// Sizes as people read them, in the units OneDrive shows (binary: a 5 GB OneDrive holds 5 × 1024³ bytes).

const UNITS = ["KB", "MB", "GB", "TB", "PB"] as const;

/** "512 bytes", "12 KB", "3.4 MB", "1 TB" (one decimal below 10, in the locale's digits). */
export function formatBytes(bytes: number, locale?: string): string {
  if (!Number.isFinite(bytes) || bytes < 0) return "";
  if (bytes < 1024) return `${new Intl.NumberFormat(locale).format(bytes)} ${bytes === 1 ? "byte" : "bytes"}`;
  let value = bytes / 1024;
  let unit = 0;
  // 1023.99 GB reads as 1 TB: step up when the rounded value reaches the next unit.
  while (unit < UNITS.length - 1 && rounded(value) >= 1024) {
    value /= 1024;
    unit += 1;
  }
  return `${new Intl.NumberFormat(locale, { maximumFractionDigits: value < 10 ? 1 : 0 }).format(value)} ${UNITS[unit]}`;
}

/** `value` as shown: one decimal below 10, whole above. */
function rounded(value: number): number {
  return value < 10 ? Math.round(value * 10) / 10 : Math.round(value);
}

/** The share `part` is of `whole`, in percent (0–100, not rounded). */
export function shareOf(part: number, whole: number): number {
  if (!(whole > 0) || !(part > 0)) return 0;
  return Math.min(100, (part / whole) * 100);
}

/** A share in words: "37 %", "less than 1 %" (never "0 %" for something), "100 %". */
export function percentWords(share: number, locale?: string): string {
  if (share > 0 && share < 1) return "less than 1 %";
  return `${new Intl.NumberFormat(locale, { maximumFractionDigits: 0 }).format(Math.floor(share))} %`;
}
