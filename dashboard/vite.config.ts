import { defineConfig } from "vitest/config";

// No @vitejs/plugin-react: esbuild compiles TSX with the automatic JSX runtime (tsconfig "jsx").
export default defineConfig({
  base: "/app/",
  esbuild: { jsx: "automatic" },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    chunkSizeWarningLimit: 600,
    // Read by scripts/bundle-budget.mjs, which fails the build when a first page's JS is over budget.
    manifest: true,
    // Terser: some 2 KB less of a first page's JS gzipped than esbuild's minifier, for ~40 s more build.
    minify: "terser",
    // Browsers without <link rel="modulepreload"> still load every chunk, only not ahead of time.
    modulePreload: { polyfill: false },
    rollupOptions: {
      // TanStack Query marks its modules "use client" (for React Server Components); meaningless here.
      onwarn(warning, warn) {
        if (warning.code === "MODULE_LEVEL_DIRECTIVE") return;
        warn(warning);
      },
      output: { manualChunks: { react: ["react", "react-dom", "react-router-dom"] } },
    },
  },
  server: { proxy: { "/api": "http://127.0.0.1:8000", "/ws": { target: "ws://127.0.0.1:8000", ws: true } } },
  // The app fetches each language as it needs it; tests have both at hand before anything renders.
  test: { environment: "jsdom", include: ["src/**/*.test.{ts,tsx}"], setupFiles: ["src/i18n/test-setup.ts"] },
});
