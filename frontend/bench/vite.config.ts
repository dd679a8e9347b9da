// The bare React Flow page of bench/canvas_drag.py, built on its own, out of the app's bundle:
//   npx vite build --config bench/vite.config.ts --outDir /tmp/bare-flow-dist
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

const here = decodeURIComponent(new URL(".", import.meta.url).pathname); // this folder, whatever the cwd

export default defineConfig({
  root: here,
  base: "./",
  plugins: [react()],
  build: {
    rollupOptions: { input: { "bare-flow": `${here}bare-flow.html` } },
    chunkSizeWarningLimit: 700,
  },
});
