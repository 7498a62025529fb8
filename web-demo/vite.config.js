// Vite config for the flowguard web demo.
//
// `flowguard-wasm` is the locally built npm package (`file:../wasm/pkg`, built by
// scripts/build-wasm). It is a wasm-bindgen `--target web` ES module that loads its .wasm
// with `new URL(..., import.meta.url)`, which Vite understands as long as the package is
// not pre-bundled, so it is excluded from dependency optimisation.
import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));

export default defineConfig({
  base: './',
  server: {
    host: '127.0.0.1',
    // The examples picker reads ../examples; the package lives in ../wasm/pkg.
    fs: { allow: [repoRoot] },
  },
  preview: { host: '127.0.0.1' },
  optimizeDeps: { exclude: ['flowguard-wasm'] },
  worker: { format: 'es' },
  build: {
    target: 'es2022',
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 1200,
  },
});
