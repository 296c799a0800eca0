/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The API server `atrium serve` listens on 127.0.0.1:7780 by default (make run).
const api = process.env.ATRIUM_API ?? 'http://127.0.0.1:7780';

// Vendor chunks: stable libraries change rarely, so their hashed files stay cached
// across releases; the heavy ones (graphs, forms) load only with the pages using them.
function vendorChunk(id: string): string | undefined {
  if (!id.includes('node_modules')) return undefined;
  if (/node_modules\/(react|react-dom|scheduler|react-router)\//.test(id)) return 'react';
  // Mantine is not forced into one chunk: its components go with the pages
  // that use them, so each page added does not grow the first screen.
  if (/node_modules\/@tanstack\/(react-query|query-core)\//.test(id)) return 'query';
  return undefined;
}

export default defineConfig({
  plugins: [react()],
  base: '/',
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 600,
    // dist/.vite/manifest.json: scripts/budget.mjs measures the first screen from it.
    manifest: true,
    rolldownOptions: {
      output: {
        manualChunks: vendorChunk,
      },
    },
  },
  server: {
    port: 5173,
    proxy: {
      '/v1': { target: api, changeOrigin: false },
    },
  },
  test: {
    environment: 'happy-dom',
    setupFiles: ['./src/test/setup.ts'],
    include: ['src/**/*.test.{ts,tsx}'],
    css: false,
    // The build machine is shared and slow at times: interaction-heavy tests
    // (user-event typing through Mantine inputs) get room beyond the 5 s default.
    testTimeout: 20_000,
  },
});
