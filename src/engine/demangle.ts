// C++ (and Rust) demangling through gecko-profiler-demangle's wasm build. The host supplies
// the wasm (URL fetch in the browser, file read under Node); until then names stay mangled.
import * as bg from 'gecko-profiler-demangle/index_bg.js';

let ready = false;
const cache = new Map<string, string>();

export async function initDemangler(wasm: BufferSource | WebAssembly.Module): Promise<void> {
  if (ready) return;
  const imports = { './index_bg.js': bg as unknown as WebAssembly.ModuleImports };
  const instance =
    wasm instanceof WebAssembly.Module
      ? await WebAssembly.instantiate(wasm, imports)
      : (await WebAssembly.instantiate(wasm, imports)).instance;
  (bg as unknown as { __wbg_set_wasm(x: unknown): void }).__wbg_set_wasm(instance.exports);
  (instance.exports as unknown as { __wbindgen_start?: () => void }).__wbindgen_start?.();
  ready = true;
}

export function demanglerReady(): boolean {
  return ready;
}

export function demangle(name: string): string {
  if (!ready || !(name.startsWith('_Z') || name.startsWith('_R'))) return name;
  let d = cache.get(name);
  if (d === undefined) {
    try {
      d = toCxxfiltStyle(bg.demangle_any(name));
    } catch {
      d = name;
    }
    if (cache.size > 100000) cache.clear();
    cache.set(name, d);
  }
  return d;
}

/**
 * The wasm demangler (cpp_demangle) writes special names as `{vtable(A)}`; people read them
 * as c++filt prints them: `vtable for A`, `VTT for A`, `non-virtual thunk to B::f()`.
 */
export function toCxxfiltStyle(s: string): string {
  let m = /^\{vtable\((.*)\)\}$/.exec(s);
  if (m) return `vtable for ${m[1]}`;
  m = /^\{vtt\((.*)\)\}$/.exec(s);
  if (m) return `VTT for ${m[1]}`;
  m = /^\{virtual override thunk\(\{offset\([^)]*\)\}, (.*)\)\}$/.exec(s);
  if (m) return `non-virtual thunk to ${m[1]}`;
  m = /^\{virtual override thunk\(\{virtual offset\([^)]*\)\}, (.*)\)\}$/.exec(s);
  if (m) return `virtual thunk to ${m[1]}`;
  return s;
}
