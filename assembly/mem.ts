// Bump allocator over the module's own linear memory. The host asks for buffers
// (input slice, tables); nothing is freed except by memReset(). No GC runtime is used.

let top: usize = 0;

export function memReset(): void {
  top = (__heap_base + 15) & ~(<usize>15);
}

/** Grows linear memory so that [0, end) is addressable. Returns false when wasm32 memory is exhausted. */
export function memEnsure(end: usize): bool {
  const have = (<usize>memory.size()) << 16;
  if (end <= have) return true;
  const pages = <i32>((end - have + 0xffff) >> 16);
  return memory.grow(pages) >= 0;
}

/** Allocates `bytes` (16-byte aligned). Returns 0 when memory cannot grow. */
export function memAlloc(bytes: usize): usize {
  if (top == 0) memReset();
  const p = top;
  const end = (p + bytes + 15) & ~(<usize>15);
  if (end < p || !memEnsure(end)) return 0;
  top = end;
  return p;
}

export function memTop(): usize {
  if (top == 0) memReset();
  return top;
}

/** Moves the bump pointer (used by tables that relocate themselves at the end of the heap). */
export function memSetTop(t: usize): void {
  top = t;
}

export function memBytes(): usize {
  return (<usize>memory.size()) << 16;
}
