// Outside Tauri (plain `vite` in a browser) there is no backend: in development only, install an in-memory
// fake so the screens can be seen. `import.meta.env.DEV` is false in `vite build`, so the fake's chunk is
// dropped from the production bundle.
export async function prepareBackend(): Promise<void> {
  if (import.meta.env.DEV && !("__TAURI_INTERNALS__" in window)) {
    const { installFakeBackend, scenarioFromQuery } = await import("./fake-backend");
    installFakeBackend(scenarioFromQuery(window.location.search));
    console.info("Patchbay: no Tauri backend, using the in-memory fake (dev only).");
  }
}
