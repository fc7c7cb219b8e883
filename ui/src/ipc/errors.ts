// Every command rejects with an ErrorInfo from Rust. Anything else (a string from a panic guard, an Error
// thrown in JS) is normalised here so screens only ever handle ErrorInfo.
import type { ErrorCode } from "./bindings/ErrorCode";
import type { ErrorInfo } from "./bindings/ErrorInfo";

export type { ErrorInfo, ErrorCode };

/** An Error carrying an ErrorInfo, so rejections have a stack and `instanceof` works. */
export class IpcError extends Error {
  readonly info: ErrorInfo;
  constructor(info: ErrorInfo) {
    super(`${info.title} ${info.message}`);
    this.name = "IpcError";
    this.info = info;
  }
  get code(): ErrorCode {
    return this.info.code;
  }
}

export function isErrorInfo(value: unknown): value is ErrorInfo {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v["code"] === "string" && typeof v["title"] === "string" && typeof v["message"] === "string";
}

const FALLBACK_TITLE = "Something went wrong inside Patchbay.";
const FALLBACK_MESSAGE =
  "Try again. If it keeps happening, restart Patchbay and include the details below in a bug report.";

/** Turn anything thrown or rejected into an ErrorInfo a person can read. */
export function toErrorInfo(error: unknown): ErrorInfo {
  if (error instanceof IpcError) return error.info;
  if (isErrorInfo(error)) return error;
  let detail: string | undefined;
  if (error instanceof Error) detail = error.message || error.name;
  else if (typeof error === "string") detail = error;
  else if (error !== undefined && error !== null) {
    try {
      detail = JSON.stringify(error);
    } catch {
      detail = String(error);
    }
  }
  const info: ErrorInfo = { code: "internal", title: FALLBACK_TITLE, message: FALLBACK_MESSAGE };
  if (detail) info.detail = detail;
  return info;
}
