/// <reference types="vitest/config" />
import { svelte } from "@sveltejs/vite-plugin-svelte";
import { svelteTesting } from "@testing-library/svelte/vite";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const uiRoot = fileURLToPath(new URL("./ui", import.meta.url));

// The UI lives in ui/ and builds to ui/dist (tauri.conf.json: "frontendDist": "ui/dist",
// "devUrl": "http://localhost:1420").
export default defineConfig({
  root: uiRoot,
  plugins: [svelte({ configFile: fileURLToPath(new URL("./svelte.config.js", import.meta.url)) }), svelteTesting()],
  clearScreen: false,
  publicDir: false,
  envPrefix: ["VITE_", "TAURI_ENV_"],
  server: {
    port: 1420,
    strictPort: true,
    watch: { ignored: ["**/src-tauri/**", "**/target/**", "**/crates/**"] },
  },
  preview: { port: 1420, strictPort: true },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // WebKitGTK 2.4x (Linux), WebView2 (Windows), WKWebView (macOS): all handle ES2022.
    target: ["es2022", "safari15"],
    sourcemap: false,
    reportCompressedSize: true,
  },
  test: {
    root: uiRoot,
    environment: "jsdom",
    include: ["src/**/*.test.ts"],
    exclude: ["**/node_modules/**", "**/dist/**"],
    setupFiles: ["src/test/setup.ts"],
    restoreMocks: true,
  },
});
