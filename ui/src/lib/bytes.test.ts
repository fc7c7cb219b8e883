import { describe, expect, it } from "vitest";
import { formatBytes, percentOf } from "./bytes";

describe("formatBytes", () => {
  it("says bytes below a kilobyte and binary units above, one decimal below ten", () => {
    expect(formatBytes(0, "en")).toBe("0 bytes");
    expect(formatBytes(1, "en")).toBe("1 byte");
    expect(formatBytes(1023, "en")).toBe("1,023 bytes");
    expect(formatBytes(1536, "en")).toBe("1.5 KB");
    expect(formatBytes(65_536, "en")).toBe("64 KB");
    expect(formatBytes(5_368_709_120, "en")).toBe("5 GB");
    expect(formatBytes(2 ** 40, "en")).toBe("1 TB");
    expect(formatBytes(3.25 * 2 ** 20, "de")).toBe("3,3 MB");
    expect(formatBytes(-1, "en")).toBe("");
  });

  it("gives shares in whole percent, never 0 for something", () => {
    expect(percentOf(0, 100)).toBe(0);
    expect(percentOf(1, 2 ** 40)).toBe(1);
    expect(percentOf(95, 100)).toBe(95);
    expect(percentOf(120, 100)).toBe(100);
    expect(percentOf(5, 0)).toBe(0);
  });
});
