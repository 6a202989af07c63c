// Builds the CLI and its worker-thread entry for Node into dist-cli/ (self-contained:
// dependencies bundled, kernels.wasm and the demangler's wasm copied beside them).
import { copyFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { defineConfig, type Plugin } from 'vite';

const require = createRequire(import.meta.url);

function copyWasm(): Plugin {
  return {
    name: 'heaplens-copy-wasm',
    writeBundle() {
      mkdirSync('dist-cli', { recursive: true });
      copyFileSync('build/kernels.wasm', 'dist-cli/kernels.wasm');
      copyFileSync(require.resolve('gecko-profiler-demangle/index_bg.wasm'), 'dist-cli/demangle.wasm');
    },
  };
}

export default defineConfig({
  plugins: [copyWasm()],
  ssr: { noExternal: true, target: 'node' },
  build: {
    ssr: true,
    outDir: 'dist-cli',
    emptyOutDir: true,
    target: 'node20',
    minify: false,
    sourcemap: true,
    rollupOptions: {
      input: { cli: 'bin/cli.ts', 'node-kernel.worker': 'src/workers/node-kernel.worker.ts' },
      output: { format: 'es', entryFileNames: '[name].mjs', chunkFileNames: 'chunks/[name]-[hash].mjs' },
    },
  },
});
