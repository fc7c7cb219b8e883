import { describe, expect, it } from "vitest";
import { IpcError, isErrorInfo, toErrorInfo } from "./errors";

describe("toErrorInfo", () => {
  it("passes an ErrorInfo through", () => {
    const info = { code: "timeout" as const, title: "t", message: "m" };
    expect(toErrorInfo(info)).toBe(info);
    expect(toErrorInfo(new IpcError(info))).toBe(info);
  });

  it("wraps a string as internal, keeping it as detail", () => {
    const info = toErrorInfo("invalid_grant");
    expect(info.code).toBe("internal");
    expect(info.title).not.toContain("invalid_grant");
    expect(info.detail).toBe("invalid_grant");
  });

  it("wraps an Error and unknown values", () => {
    expect(toErrorInfo(new Error("boom")).detail).toBe("boom");
    expect(toErrorInfo({ weird: 1 }).detail).toBe('{"weird":1}');
    expect(toErrorInfo(undefined).detail).toBeUndefined();
    expect(isErrorInfo({ code: "x", title: "y" })).toBe(false);
  });
});
