// React: the most widely known component model with the most mature accessibility and testing
// tooling; the SPA is built by Vite into dist/web, which the console's Fastify server serves.
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

export default defineConfig({
  root: "web",
  plugins: [react()],
  // The manifest lets scripts/bundle-budget.ts tell the first load from the lazily loaded chunks.
  build: { outDir: "../dist/web", emptyOutDir: true, reportCompressedSize: true, manifest: true },
});
