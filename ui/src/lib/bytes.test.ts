import { describe, expect, it } from "vitest";
import { formatBytes, percentWords, shareOf } from "./bytes";

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

  it("steps up to the next unit when a value would round to 1024 of this one", () => {
    expect(formatBytes(2 ** 40 - 100_000, "en")).toBe("1 TB");
    expect(formatBytes(1_048_575, "en")).toBe("1 MB");
    expect(formatBytes(1023 * 1024, "en")).toBe("1,023 KB");
  });

  it("gives shares in words, never 0 % for something", () => {
    expect(percentWords(shareOf(0, 100))).toBe("0 %");
    expect(percentWords(shareOf(100_000, 2 ** 40))).toBe("less than 1 %");
    expect(percentWords(shareOf(92.7, 100))).toBe("92 %");
    expect(percentWords(shareOf(120, 100))).toBe("100 %");
    expect(shareOf(5, 0)).toBe(0);
  });
});
