import { listen } from "@tauri-apps/api/event";
import type { CoreEvent } from "./bindings/CoreEvent";

export type Unsubscribe = () => void;
export type StatusChanged = Extract<CoreEvent, { kind: "status_changed" }>;

async function on<T>(name: string, handler: (payload: T) => void): Promise<Unsubscribe> {
  const unlisten = await listen<T>(name, (event) => handler(event.payload));
  return () => {
    unlisten();
  };
}

/** Call `handler` whenever the set of connections changes (added, renamed, removed, fixed; here or by the CLI). */
export function onConnectionsChanged(handler: () => void): Promise<Unsubscribe> {
  return on<null>("connections-changed", () => handler());
}

/** A connection's status changed (it carries the whole, updated summary). */
export function onConnectionStatus(handler: (event: StatusChanged) => void): Promise<Unsubscribe> {
  return on<StatusChanged>("connection-status", handler);
}

/** A round of checks ended: times such as "last checked" moved. */
export function onChecksFinished(handler: () => void): Promise<Unsubscribe> {
  return on<unknown>("checks-finished", () => handler());
}

/** The tray or a notification asks to fix a connection (its id). */
export function onOpenFix(handler: (id: string) => void): Promise<Unsubscribe> {
  return on<string>("open-fix", handler);
}
