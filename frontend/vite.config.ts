import { defineConfig } from "vitest/config";

// Django serves the build from STATIC_URL and resolves hashed file names
// through dist/.vite/manifest.json (key: "src/main.ts").
export default defineConfig({
  base: "/static/",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    manifest: true,
    rolldownOptions: {
      input: { main: "src/main.ts" },
    },
  },
  test: {
    environment: "node",
    include: ["src/**/*.test.ts"],
  },
});
