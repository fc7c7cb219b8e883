import { installFakeBackend, type FakeBackend, type FakeOptions } from "../ipc/fake-backend";
import { cleanup } from "@testing-library/svelte";
import { afterEach } from "vitest";

let current: FakeBackend | null = null;

/** Install the in-memory backend for one test; removed after the test. */
export function useFakeBackend(options: FakeOptions = {}): FakeBackend {
  current = installFakeBackend(options);
  return current;
}

afterEach(() => {
  // Unmount first: components unsubscribe from events through the mocked IPC.
  cleanup();
  current?.uninstall();
  current = null;
});
