// heaplens kernels: pure functions over this module's linear memory. The host (src/workers/)
// allocates buffers with memAlloc, copies file slices in, and reads results out.
export { memReset, memAlloc, memTop, memSetTop, memBytes } from "./mem";
export { findRange } from "./ranges";
export * from "./census";
export * from "./heap";
export * from "./graph";
export * from "./strings";
