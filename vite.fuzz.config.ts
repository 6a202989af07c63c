// Bundles the fuzz runner (test/fuzz/runner.ts) for Node into test/.work/fuzz-runner/, so the fuzz
// test can run it as a child process it may kill when an input hangs.
import { defineConfig } from 'vite';

export default defineConfig({
  ssr: { noExternal: true, target: 'node' },
  logLevel: 'warn',
  publicDir: false,
  build: {
    ssr: true,
    outDir: 'test/.work/fuzz-runner',
    emptyOutDir: true,
    target: 'node20',
    minify: false,
    sourcemap: true,
    rollupOptions: {
      input: { runner: 'test/fuzz/runner.ts' },
      output: { format: 'es', entryFileNames: '[name].mjs', chunkFileNames: 'chunks/[name]-[hash].mjs' },
    },
  },
});
