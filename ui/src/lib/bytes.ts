// Sizes as people read them, in the units OneDrive shows (binary: a 5 GB OneDrive holds 5 × 1024³ bytes).

const UNITS = ["KB", "MB", "GB", "TB", "PB"] as const;

/** "512 bytes", "12 KB", "3.4 MB", "1 TB" (one decimal below 10, in the locale's digits). */
export function formatBytes(bytes: number, locale?: string): string {
  if (!Number.isFinite(bytes) || bytes < 0) return "";
  if (bytes < 1024) return `${new Intl.NumberFormat(locale).format(bytes)} ${bytes === 1 ? "byte" : "bytes"}`;
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const digits = value < 10 ? 1 : 0;
  return `${new Intl.NumberFormat(locale, { maximumFractionDigits: digits }).format(value)} ${UNITS[unit]}`;
}

/** The share `part` is of `whole`, in whole percent (at least 1 when `part` is not nothing): "37 %". */
export function percentOf(part: number, whole: number): number {
  if (!(whole > 0) || !(part > 0)) return 0;
  return Math.min(100, Math.max(1, Math.round((part / whole) * 100)));
}
