// The console's front-end, bundled into ../dist/web, which the console process serves (src/server.ts).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    // Served by the console itself, never from a CDN: everything is in these files.
    assetsInlineLimit: 0,
  },
  logLevel: 'warn',
});
