import { listen } from "@tauri-apps/api/event";

export type Unsubscribe = () => void;

/** Call `handler` whenever the backend's set of connections changes (added, renamed, removed, needs repair). */
export async function onConnectionsChanged(handler: () => void): Promise<Unsubscribe> {
  const unlisten = await listen<null>("connections-changed", () => handler());
  return () => {
    unlisten();
  };
}
