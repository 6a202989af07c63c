declare module 'gecko-profiler-demangle/index_bg.js' {
  export function demangle_any(name: string): string;
  export function __wbg_set_wasm(exports: unknown): void;
}

declare module 'comlink/dist/esm/node-adapter.mjs' {
  import type { Endpoint } from 'comlink';
  export default function nodeEndpoint(nep: unknown): Endpoint;
}
