// Memory: the dump at any address, like `xxd` on the process memory — 16-byte rows grouped in
// words of the dump's size (values, or bytes in memory order), ASCII, and beside each row what its
// words point to (the mapping, the symbol, the heap block with its verdict). Used blocks are
// drawn (tinted words, a bar at their first and last word, chunk header words in italics);
// bytes the core does not hold are shown as missing, never as zeros. Virtualized: only the rows
// on screen are read (File.slice through session.ts); the scroll area is a window of rows around
// the current address that moves along as one scrolls, and the go-to box jumps anywhere.
// Keys (while the view has focus): g go to, n / p next / previous block, arrows, PageUp/PageDown,
// Enter follows a pointer, c copies the cursor's address, Alt+← / Alt+→ back / forward.
import { Index, type JSX, Show, createEffect, createMemo, createSignal, on, onCleanup, onMount } from 'solid-js';
import type { HexAddressInfo, HexBytesRow, HexPointer, HexRow, HexWord, MissingWhy } from '../engine/hexview';
import type { MemoryLayout, MemoryViewer } from './session';
import { FilePicker, LabelChip, VERDICT_TEXT, type Verdict, VerdictChip } from './common';
import { bytes, errorMessage, num, padHex } from './fmt';
import { copyText } from './habits';

const ROW_H = 20;
/** Rows on screen. */
const VISIBLE = 24;
const OVERSCAN = 6;
/** Rows in the scroll area; it re-centres on the current rows as they near its edges. */
const WIN = 4096;
const EDGE = 512;
const CACHE_MAX = 3000;

const MISSING_TEXT: Record<MissingWhy, string> = {
  unmapped: 'no mapping holds these addresses',
  'not-dumped': 'mapped, but not written to the core (p_filesz < p_memsz, or file pages the dumper skipped)',
  truncated: 'the core file is cut short before these bytes',
};
const MISSING_MARK: Record<MissingWhy, string> = { unmapped: '··', 'not-dumped': '--', truncated: '--' };

/** A request from another section to show an address (seq makes a repeated address a new request). */
export interface MemoryTarget {
  address: string;
  seq: number;
}

export type BlocksNote = 'released' | 'cache' | 'no-heap' | 'not-analyzed';

const h2 = (b: number) => b.toString(16).padStart(2, '0');
const big = (s: string) => BigInt(s);

function verdictLabel(v?: Verdict | string): string {
  return v ? (VERDICT_TEXT[v as Verdict]?.label ?? v) : '';
}

/** 'block 0x55…a0 +0x10 (216 B, indirect)', 'vtable for A+0x10', '[heap]'. */
export function pointerText(p: HexPointer, ws: number): string {
  if (p.block) {
    const off = p.block.offset ? ` +0x${p.block.offset.toString(16)}` : '';
    return `block ${padHex(p.block.address, ws)}${off} (${num(p.block.size)} B${p.block.verdict ? `, ${verdictLabel(p.block.verdict)}` : ''})`;
  }
  return p.symbol ?? p.where;
}

function pointerTitle(p: HexPointer, ws: number): string {
  const lines = [`→ ${padHex(p.target, ws)}: ${p.where} (${p.label})`];
  if (p.symbol) lines.push(p.symbol);
  if (p.block) lines.push(`inside used block ${padHex(p.block.address, ws)} at +${p.block.offset}: ${num(p.block.size)} usable bytes${p.block.verdict ? `, ${verdictLabel(p.block.verdict)}` : ''}`);
  lines.push('Click (or Enter) to follow');
  return lines.join('\n');
}

export function HexView(props: {
  viewer?: MemoryViewer;
  /** Why heap blocks are not marked, when they are not. */
  blocksNote?: BlocksNote;
  target?: MemoryTarget;
  coreName: string;
  binaries: string[];
  onReanalyze?: () => void;
  /** For a result reopened without its files: the user picks them again. */
  onPickFiles?: (files: File[]) => void;
  pickError?: string;
  picking?: boolean;
  onOpenBlock?: (addr: string) => void;
  onShowInMap: (addr: string) => void;
  /** Told where the cursor is (for the URL). */
  onCursor?: (addr: string) => void;
}): JSX.Element {
  return (
    <div class="hex-view" data-testid="memory-view">
      <Show
        when={props.viewer}
        keyed
        fallback={
          <div class="hint hex-unavailable" data-testid="memory-unavailable">
            <p>
              <span class="tag">files needed</span> The memory view reads the dump itself, and this result was opened from this browser’s cache without its files. Choose{' '}
              <b>{props.coreName}</b>
              {props.binaries.length ? <> (and {props.binaries.join(', ')} for symbols)</> : ''} again to look at its memory:
            </p>
            <div class="hex-pick">
              <Show when={props.onPickFiles}>
                <FilePicker label={props.picking ? 'Checking…' : 'Choose the files…'} onFiles={(f) => props.onPickFiles!(f)} />
              </Show>
              <span class="muted small">They are read here, never uploaded; they must be the same files (checked by size and fingerprint).</span>
            </div>
            <Show when={props.pickError}>
              <p class="bad-text" role="alert" data-testid="memory-pick-error">
                {props.pickError}
              </p>
            </Show>
          </div>
        }
      >
        {(v) => <HexBody {...props} viewer={v} />}
      </Show>
    </div>
  );
}

function HexBody(props: {
  viewer: MemoryViewer;
  blocksNote?: BlocksNote;
  target?: MemoryTarget;
  onReanalyze?: () => void;
  onOpenBlock?: (addr: string) => void;
  onShowInMap: (addr: string) => void;
  onCursor?: (addr: string) => void;
}): JSX.Element {
  const [layout, setLayout] = createSignal<MemoryLayout>();
  const [failure, setFailure] = createSignal<string>();
  const [winBase, setWinBase] = createSignal(0n);
  const [scrollRow, setScrollRow] = createSignal(0);
  const [cursor, setCursor] = createSignal<bigint>();
  const [info, setInfo] = createSignal<HexAddressInfo>();
  const [hist, setHist] = createSignal<{ list: bigint[]; i: number }>({ list: [], i: -1 });
  const [mode, setMode] = createSignal<'words' | 'bytes'>('words');
  const [offsets, setOffsets] = createSignal(false);
  const [goto, setGoto] = createSignal('');
  const [gotoError, setGotoError] = createSignal<string>();
  const [note, setNote] = createSignal<string>();
  const [ver, setVer] = createSignal(0);
  const cache = new Map<bigint, HexRow>();
  /** A target asked for before the dump was open. */
  let pendingTarget: bigint | undefined;
  let grid!: HTMLDivElement;
  let input!: HTMLInputElement;
  let root!: HTMLDivElement;

  const ws = () => layout()?.wordSize ?? 8;
  const winRows = () => {
    const l = layout();
    return l ? Number(l.rowCount < BigInt(WIN) ? l.rowCount : BigInt(WIN)) : 0;
  };

  // Opened when the view comes near the screen, or is asked to show an address (a cached result's
  // viewer reads the binaries' symbol tables on opening); again when the block index goes.
  const [wanted, setWanted] = createSignal(false);
  onMount(() => {
    if (typeof IntersectionObserver === 'undefined') return setWanted(true);
    const io = new IntersectionObserver((es) => {
      if (!es.some((e) => e.isIntersecting)) return;
      setWanted(true);
      io.disconnect();
    }, { rootMargin: '300px' });
    io.observe(root);
    onCleanup(() => io.disconnect());
  });
  createEffect(
    on(
      () => [props.viewer, props.blocksNote, wanted()] as const,
      ([v, , want]) => {
        if (!want) return;
        setFailure(undefined);
        v.open().then(
          (l) => {
            cache.clear();
            epoch++;
            const first = !layout();
            setLayout(l);
            setVer(ver() + 1);
            if (pendingTarget !== undefined) {
              const t = pendingTarget;
              pendingTarget = undefined;
              void jump(t);
            } else if (first) void jump(l.home);
          },
          (e) => setFailure(errorMessage(e)),
        );
      },
    ),
  );

  // Requests from other sections ("open in memory view").
  createEffect(
    on(
      () => props.target,
      (t) => {
        if (!t) return;
        grid?.focus({ preventScroll: true });
        void jump(big(t.address));
      },
    ),
  );

  // ---- rows on screen ---------------------------------------------------------------
  const range = createMemo(() => {
    const n = winRows();
    const from = Math.max(0, scrollRow() - OVERSCAN);
    const to = Math.min(n, scrollRow() + VISIBLE + OVERSCAN);
    return { from, to };
  });
  let fetchSeq = 0;
  /** Bumped when the cached rows are thrown away (rows read before then are not kept). */
  let epoch = 0;
  createEffect(() => {
    const l = layout();
    const { from, to } = range();
    const base = winBase();
    ver();
    if (!l || to <= from) return;
    let a = -1;
    let b = -1;
    for (let i = from; i < to; i++) {
      if (cache.has(base + BigInt(i))) continue;
      if (a < 0) a = i;
      b = i;
    }
    if (a < 0) return;
    const id = ++fetchSeq;
    const e0 = epoch;
    props.viewer.rows(base + BigInt(a), b - a + 1).then(
      (rows) => {
        if (e0 !== epoch) return;
        rows.forEach((r, k) => cache.set(base + BigInt(a + k), r));
        if (cache.size > CACHE_MAX) {
          const mid = winBase() + BigInt(scrollRow());
          for (const k of [...cache.keys()]) if ((k > mid ? k - mid : mid - k) > BigInt(CACHE_MAX / 3)) cache.delete(k);
        }
        if (id === fetchSeq || rows.length) setVer((x) => x + 1);
      },
      (e) => setFailure(errorMessage(e)),
    );
  });

  type Slot = { row: bigint; top: number; data?: HexRow };
  /** Rows on screen; a row that did not change keeps its object, so it is not drawn again. */
  const shown = createMemo<Slot[]>((prev) => {
    ver();
    const { from, to } = range();
    const base = winBase();
    const old = new Map(prev.map((x) => [x.row, x]));
    const out: Slot[] = [];
    for (let i = from; i < to; i++) {
      const row = base + BigInt(i);
      const data = cache.get(row);
      const o = old.get(row);
      out.push(o && o.top === i * ROW_H && o.data === data ? o : { row, top: i * ROW_H, data });
    }
    return out;
  }, []);

  const onScroll = () => {
    const l = layout();
    if (!l) return;
    let top = grid.scrollTop;
    let r = Math.floor(top / ROW_H);
    const n = winRows();
    const base = winBase();
    if (r < EDGE && base > 0n) {
      const shift = base < BigInt(WIN / 2) ? base : BigInt(WIN / 2);
      setWinBase(base - shift);
      top += Number(shift) * ROW_H;
      grid.scrollTop = top;
      r += Number(shift);
    } else if (r + VISIBLE > n - EDGE && base + BigInt(n) < l.rowCount) {
      const left = l.rowCount - (base + BigInt(n));
      const shift = left < BigInt(WIN / 2) ? left : BigInt(WIN / 2);
      setWinBase(base + shift);
      top -= Number(shift) * ROW_H;
      grid.scrollTop = top;
      r -= Number(shift);
    }
    setScrollRow(r);
  };

  /** Scrolls so that `row` is on screen: a third down (jumps), or at the nearest edge (moves). */
  const reveal = (row: bigint, how: 'jump' | 'move') => {
    const l = layout();
    if (!l) return;
    const first = winBase() + BigInt(scrollRow());
    if (how === 'move' && row >= first && row < first + BigInt(VISIBLE - 1)) return;
    const n = BigInt(winRows());
    const total = l.rowCount;
    const inWindow = row >= winBase() + BigInt(EDGE) && row < winBase() + n - BigInt(EDGE);
    let base = winBase();
    if (!inWindow) {
      base = row - n / 2n;
      if (base + n > total) base = total - n;
      if (base < 0n) base = 0n;
      setWinBase(base);
    }
    let at: number;
    if (how === 'jump') at = Number(row - base) - Math.floor(VISIBLE / 3);
    else at = row < first ? Number(row - base) : Number(row - base) - (VISIBLE - 2);
    at = Math.max(0, Math.min(Number(n) - VISIBLE, at));
    grid.scrollTop = at * ROW_H;
    setScrollRow(at);
  };

  // ---- cursor, history --------------------------------------------------------------
  createEffect(on(cursor, (c) => c !== undefined && props.onCursor?.('0x' + c.toString(16)), { defer: true }));
  const wordAlign = (a: bigint) => a - (a % BigInt(ws()));
  createEffect(
    on(cursor, (c) => {
      if (c === undefined) return;
      props.viewer.describe(c).then((i) => cursor() === c && setInfo(i), () => {});
    }),
  );
  // the block index may have gone: describe again
  createEffect(on(layout, () => cursor() !== undefined && props.viewer.describe(cursor()!).then(setInfo, () => {}), { defer: true }));

  /** Goes to addr (a jump: recorded in the history). */
  const jump = (addr: bigint, push = true) => go(addr, push).catch((e) => setFailure(errorMessage(e)));
  const go = async (addr: bigint, push: boolean) => {
    const a = wordAlign(addr);
    if (push) {
      const h = hist();
      const list = h.list.slice(0, h.i + 1);
      if (h.i >= 0 && cursor() !== undefined) list[h.i] = cursor()!;
      if (list[list.length - 1] !== a) list.push(a);
      setHist({ list, i: list.length - 1 });
    }
    setCursor(a);
    setNote(undefined);
    if (!layout()) {
      // not open yet: shown once it is
      pendingTarget = a;
      setWanted(true);
      return;
    }
    reveal(await props.viewer.rowOf(a), 'jump');
  };
  const travel = (d: -1 | 1) => {
    const h = hist();
    const i = h.i + d;
    if (i < 0 || i >= h.list.length) return;
    const list = [...h.list];
    if (cursor() !== undefined) list[h.i] = cursor()!;
    setHist({ list, i });
    void jump(list[i], false);
  };
  const canBack = () => hist().i > 0;
  const canForward = () => hist().i < hist().list.length - 1;

  /** Moves the cursor by rows (across holes between mappings) and/or words, without recording it. */
  let moving: Promise<void> = Promise.resolve();
  const move = (rows: number, words = 0) => {
    moving = moving.catch(() => {}).then(async () => {
      const c = cursor();
      const l = layout();
      if (c === undefined || !l) return;
      const W = BigInt(ws());
      let col = Number(c % 16n) + words * ws();
      let dr = rows;
      while (col < 0) {
        col += 16;
        dr--;
      }
      while (col >= 16) {
        col -= 16;
        dr++;
      }
      let row = (await props.viewer.rowOf(c)) + BigInt(dr);
      if (row < 0n) row = 0n;
      if (row >= l.rowCount) row = l.rowCount - 1n;
      const start = await props.viewer.rowAddress(row);
      setCursor((start & ~15n) + BigInt(col) - (BigInt(col) % W));
      reveal(row, 'move');
    });
    moving.catch((e) => setFailure(errorMessage(e)));
  };

  const step = (dir: 1 | -1) => stepTo(dir).catch((e) => setFailure(errorMessage(e)));
  const stepTo = async (dir: 1 | -1) => {
    const c = cursor();
    const l = layout();
    if (c === undefined || !l) return;
    if (!l.hasBlocks) {
      setNote('There is no heap block index in this view, so n and p have no blocks to move between.');
      return;
    }
    const b = dir > 0 ? await props.viewer.nextBlock(c) : await props.viewer.prevBlock(c);
    if (!b) {
      setNote(dir > 0 ? 'No used block after this address.' : 'No used block before this address.');
      return;
    }
    await jump(big(b.address));
  };

  const follow = (target: string) => void jump(big(target));

  const submit = async (e: Event) => {
    e.preventDefault();
    let r: Awaited<ReturnType<MemoryViewer['locate']>>;
    try {
      r = await props.viewer.locate(goto(), cursor());
    } catch (err) {
      setGotoError(errorMessage(err));
      return;
    }
    if (!r.ok) {
      setGotoError(r.message);
      return;
    }
    setGotoError(undefined);
    await jump(r.address);
    if (r.note) setNote(`${r.how === 'symbol' ? 'Symbol' : 'Location'} ${r.note}.`);
    grid.focus({ preventScroll: true });
  };

  // ---- keys -------------------------------------------------------------------------
  const wordAtCursor = (): HexWord | undefined => {
    const c = cursor();
    if (c === undefined) return undefined;
    for (const [, r] of cache) {
      if (r.kind !== 'bytes' || big(r.address) !== (c & ~15n)) continue;
      return r.words.find((w) => BigInt(w.offset) === c % 16n - ((c % 16n) % BigInt(ws())));
    }
    return undefined;
  };
  const onKey = (e: KeyboardEvent) => {
    const t = e.target as HTMLElement | null;
    const typing = !!t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName));
    const handled = () => {
      e.preventDefault();
      e.stopPropagation();
    };
    if (e.altKey && !e.ctrlKey && !e.metaKey && !e.shiftKey && (e.key === 'ArrowLeft' || e.key === 'ArrowRight')) {
      if (typing) return;
      handled();
      travel(e.key === 'ArrowLeft' ? -1 : 1);
      return;
    }
    if (typing) {
      if (e.key === 'Escape') {
        handled();
        grid.focus({ preventScroll: true });
      }
      return;
    }
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const onGrid = t === grid;
    switch (e.key) {
      case 'g':
        handled();
        input.focus();
        input.select();
        return;
      case 'n':
        handled();
        void step(1);
        return;
      case 'p':
        handled();
        void step(-1);
        return;
      case 'c': {
        const c = cursor();
        if (c === undefined) return;
        handled();
        void copyText('0x' + c.toString(16));
        return;
      }
    }
    if (!onGrid) return;
    switch (e.key) {
      case 'ArrowDown':
        handled();
        return move(1);
      case 'ArrowUp':
        handled();
        return move(-1);
      case 'ArrowRight':
        handled();
        return move(0, 1);
      case 'ArrowLeft':
        handled();
        return move(0, -1);
      case 'PageDown':
        handled();
        return move(VISIBLE - 2);
      case 'PageUp':
        handled();
        return move(-(VISIBLE - 2));
      case 'Enter': {
        const w = wordAtCursor();
        if (w?.pointer) {
          handled();
          follow(w.pointer.target);
        }
        return;
      }
    }
  };
  onMount(() => root.addEventListener('keydown', onKey));
  onCleanup(() => root.removeEventListener('keydown', onKey));

  const cellId = (a: bigint) => `hx-${a.toString(16)}`;
  const activeId = () => {
    const c = cursor();
    return c === undefined ? undefined : cellId(c - (c % BigInt(ws())));
  };

  const blocksMessage = () => {
    const l = layout();
    if (!l || l.hasBlocks) return undefined;
    switch (props.blocksNote) {
      case 'released':
        return 'Heap blocks are not marked: the block index went with the analysis’ workers when you left these results.';
      case 'cache':
        return 'Heap blocks are not marked: this result came from the cache, and only a fresh analysis holds the block index.';
      case 'no-heap':
        return 'Heap blocks are not marked: no glibc heap was reconstructed from this core.';
      default:
        return 'Heap blocks are not marked: this analysis has no block index.';
    }
  };

  return (
    <div ref={root}>
      <form class="toolbar hex-bar" onSubmit={(e) => void submit(e)}>
        <button type="button" class="btn small" data-testid="memory-back" disabled={!canBack()} onClick={() => travel(-1)} title="Back (Alt+←)" aria-label="Back">
          ← Back
        </button>
        <button type="button" class="btn small" data-testid="memory-forward" disabled={!canForward()} onClick={() => travel(1)} title="Forward (Alt+→)" aria-label="Forward">
          Forward →
        </button>
        <label class="block-input-label">
          <span class="muted small">Go to</span>
          <input
            ref={input}
            type="text"
            class="filter block-input"
            data-testid="memory-goto"
            placeholder="0x…, @file offset, +0x40, symbol"
            spellcheck={false}
            autocomplete="off"
            value={goto()}
            onInput={(e) => setGoto(e.currentTarget.value)}
            aria-invalid={!!gotoError()}
            aria-describedby="memory-goto-help"
            title="An address (0x55d0c0a012a0 or 55d0c0a012a0), a file offset in hex as xxd prints it (@1f40, file:0x1f40), an offset from the cursor (+0x40, -10), or a symbol of the dropped binaries (g_pending, main+0x10) — g focuses this box"
          />
        </label>
        <button type="submit" class="btn small primary" data-testid="memory-go">
          Go
        </button>
        <button type="button" class="btn small" data-testid="memory-prev" disabled={!layout()?.hasBlocks} onClick={() => void step(-1)} title="Previous used heap block (p)">
          ↑ Block
        </button>
        <button type="button" class="btn small" data-testid="memory-next" disabled={!layout()?.hasBlocks} onClick={() => void step(1)} title="Next used heap block (n)">
          Block ↓
        </button>
        <span class="spacer" />
        <div class="segmented" role="radiogroup" aria-label="Show words as">
          <button type="button" class="seg" role="radio" aria-checked={mode() === 'words'} onClick={() => setMode('words')} title="Each word as its value (little-endian), like gdb x/xg or xxd -e">
            Words
          </button>
          <button type="button" class="seg" role="radio" aria-checked={mode() === 'bytes'} onClick={() => setMode('bytes')} title="Bytes in memory order, like xxd">
            Bytes
          </button>
        </div>
        <label class="hex-check small">
          <input type="checkbox" checked={offsets()} onChange={(e) => setOffsets(e.currentTarget.checked)} /> file offsets
        </label>
      </form>
      <Show when={gotoError()}>
        <p class="hint bad-text" role="alert" data-testid="memory-goto-error">
          {gotoError()}
        </p>
      </Show>
      <p id="memory-goto-help" class="sr-only">
        Keys in the memory view: g go to, n next block, p previous block, arrows and Page Up / Page Down move, Enter follows a pointer, Alt+Left and Alt+Right go back and forward.
      </p>
      <Show when={failure()}>
        <p class="hint" role="alert" data-testid="memory-error">
          <span class="tag warn">error</span> {failure()}
        </p>
      </Show>
      <Show when={blocksMessage()}>
        <p class="hint hex-note-line" data-testid="memory-blocks-note">
          <span class="tag">no blocks</span> {blocksMessage()} Pointers are annotated with their mapping and symbol only.{' '}
          <Show when={props.onReanalyze && props.blocksNote !== 'no-heap'}>
            <button type="button" class="link" onClick={() => props.onReanalyze!()}>
              Analyze the files again
            </button>{' '}
            to mark them.
          </Show>
        </p>
      </Show>

      <CursorLine info={info()} ws={ws()} blocks={layout()?.blockCount ?? 0} onOpenBlock={props.onOpenBlock} onShowInMap={props.onShowInMap} note={note()} />

      <div class="hex-head mono" aria-hidden="true">
        <span class="hx-addr">address</span>
        <Show when={offsets()}>
          <span class="hx-off">file offset</span>
        </Show>
        <span class="hx-words">{mode() === 'words' ? `${ws() * 8}-bit words (little-endian)` : 'bytes'}</span>
        <span class="hx-ascii">ascii</span>
        <span class="hx-notes">points to · blocks</span>
      </div>
      <div
        ref={grid}
        class="hex-grid mono"
        classList={{ 'mode-bytes': mode() === 'bytes', 'ws-4': ws() === 4 }}
        tabindex="0"
        role="grid"
        aria-label="Process memory, 16 bytes a row"
        aria-describedby="memory-goto-help"
        aria-activedescendant={activeId()}
        data-testid="memory-grid"
        style={{ height: `${VISIBLE * ROW_H}px` }}
        onScroll={onScroll}
      >
        <div class="hex-spacer" role="rowgroup" style={{ height: `${winRows() * ROW_H}px` }}>
          <Index each={shown()}>
            {(s) => (
              <Row
                slot={s()}
                ws={ws()}
                mode={mode()}
                offsets={offsets()}
                cursor={cursor()}
                cellId={cellId}
                onFollow={follow}
                onCursor={(a) => {
                  setCursor(a);
                  grid.focus({ preventScroll: true });
                }}
              />
            )}
          </Index>
        </div>
      </div>
      <p class="muted small hex-help">
        Keys: <kbd>g</kbd> go to · <kbd>n</kbd>/<kbd>p</kbd> next/previous block · arrows, <kbd>PgUp</kbd>/<kbd>PgDn</kbd> move · <kbd>Enter</kbd> or click follows a pointer · <kbd>c</kbd> copies the address ·{' '}
        <kbd>Alt</kbd>+<kbd>←</kbd>/<kbd>→</kbd> back/forward. Missing bytes: <span class="hx-miss miss-unmapped">··</span> unmapped,{' '}
        <span class="hx-miss miss-not-dumped">--</span> not in the core, <span class="hx-miss miss-truncated">--</span> cut off (truncated core).
      </p>
    </div>
  );
}

function CursorLine(props: {
  info?: HexAddressInfo;
  ws: number;
  blocks: number;
  note?: string;
  onOpenBlock?: (addr: string) => void;
  onShowInMap: (addr: string) => void;
}): JSX.Element {
  return (
    <div class="hex-status" role="status" aria-live="polite" data-testid="memory-cursor">
      <Show when={props.info} fallback={<span class="muted">Opening the dump…</span>}>
        {(i) => (
          <>
            <span class="mono hex-cur" data-testid="memory-address">
              {padHex(i().address, props.ws)}
            </span>
            <Show when={i().region} fallback={<span class="muted">in no mapping</span>}>
              {(r) => (
                <>
                  <LabelChip label={r().label} /> <span>{r().where}</span>
                  <span class="muted mono small">{r().perms}</span>
                </>
              )}
            </Show>
            <Show when={i().symbol}>
              <span class="sym" data-testid="memory-symbol">
                {i().symbol}
              </span>
            </Show>
            <Show when={i().block}>
              {(b) => (
                <span class="hex-blk" data-testid="memory-block">
                  block{' '}
                  <Show when={props.onOpenBlock} fallback={<span class="mono">{padHex(b().address, props.ws)}</span>}>
                    <button type="button" class="link mono" title="Open this block in the block explorer" onClick={() => props.onOpenBlock!(b().address)}>
                      {padHex(b().address, props.ws)}
                    </button>
                  </Show>{' '}
                  +{b().offset} · {num(b().size)} B <Show when={b().verdict}>{(v) => <VerdictChip verdict={v()} />}</Show>{' '}
                  <span class="muted small">
                    ({num(b().ordinal + 1)} of {num(props.blocks)})
                  </span>
                </span>
              )}
            </Show>
            <Show when={i().fileOffset !== undefined} fallback={<span class="hx-miss-text">{i().missing ? MISSING_TEXT[i().missing!] : ''}</span>}>
              <span class="muted small">
                file offset <span class="mono">0x{i().fileOffset!.toString(16)}</span>
              </span>
            </Show>
            <span class="spacer" />
            <button type="button" class="btn small ghost" onClick={() => props.onShowInMap(i().region?.start ?? i().address)} title="Show the mapping holding this address in the memory map">
              Show in memory map
            </button>
          </>
        )}
      </Show>
      <Show when={props.note}>
        <span class="muted small hex-msg" data-testid="memory-note">
          {props.note}
        </span>
      </Show>
    </div>
  );
}

/** What a row of the dump is drawn with, besides its data. */
interface RowProps {
  ws: number;
  mode: 'words' | 'bytes';
  offsets: boolean;
  cursor?: bigint;
  cellId: (a: bigint) => string;
  onFollow: (target: string) => void;
  onCursor: (a: bigint) => void;
}

function Row(props: RowProps & { slot: { row: bigint; top: number; data?: HexRow } }): JSX.Element {
  const d = () => props.slot.data;
  return (
    <Show
      when={d()}
      fallback={
        <div class="hx-row hx-loading" role="row" style={{ top: `${props.slot.top}px` }}>
          <span class="hx-addr muted">…</span>
        </div>
      }
    >
      {(r) => (
        <Show when={r().kind === 'bytes' ? (r() as HexBytesRow) : undefined} fallback={<GapRow row={r() as Extract<HexRow, { kind: 'gap' }>} top={props.slot.top} ws={props.ws} />}>
          {(b) => <BytesRow {...props} row={b()} />}
        </Show>
      )}
    </Show>
  );
}

function GapRow(props: { row: Extract<HexRow, { kind: 'gap' }>; top: number; ws: number }): JSX.Element {
  const size = () => big(props.row.to) - big(props.row.from);
  return (
    <div class="hx-row hx-gap" role="row" style={{ top: `${props.top}px` }} data-gap={props.row.from}>
      <span role="gridcell" class="hx-gap-text" title={MISSING_TEXT.unmapped}>
        ⋯ {padHex(props.row.from, props.ws)} – {padHex(props.row.to, props.ws)}: no mapping ({bytes(Number(size()))}) ⋯
      </span>
    </div>
  );
}

function BytesRow(props: RowProps & { row: HexBytesRow; slot: { row: bigint; top: number } }): JSX.Element {
  const r = () => props.row;
  const base = () => big(r().address);
  const whyAt = (i: number): MissingWhy | undefined => r().missing?.find((m) => i >= m.from && i < m.to)?.why;
  const notes = createMemo(() => {
    const out: { kind: 'region' | 'block' | 'ptr'; text: string; title: string; target?: string; verdict?: string }[] = [];
    const row = r();
    if (row.regionStart !== undefined && row.region) out.push({ kind: 'region', text: `▸ ${row.region.where} ${row.region.perms}`, title: `${row.region.where}: ${padHex(row.region.start, props.ws)}–${padHex(row.region.end, props.ws)} (${row.region.label}) starts here` });
    for (const w of row.words) {
      if (w.block?.first) {
        const v = w.block.verdict;
        out.push({ kind: 'block', text: `┌ ${num(w.block.size)} B${v ? ` ${verdictLabel(v)}` : ''}`, title: `used block ${padHex(w.block.address, props.ws)}: ${num(w.block.size)} usable bytes${v ? `, ${verdictLabel(v)}` : ''}`, verdict: v });
      }
      if (w.pointer) out.push({ kind: 'ptr', text: `→ ${pointerText(w.pointer, props.ws)}`, title: pointerTitle(w.pointer, props.ws), target: w.pointer.target });
    }
    return out;
  });
  const curWord = () => {
    const c = props.cursor;
    if (c === undefined || (c & ~15n) !== base()) return -1;
    const o = Number(c % 16n);
    return o - (o % props.ws);
  };
  const wordClass = (w: HexWord) => {
    const c: Record<string, boolean> = { 'hx-w': true, cur: curWord() === w.offset };
    if (w.pointer) c.ptr = true;
    if (w.header) c.hdr = true;
    if (w.value === '0x0') c.zero = true;
    if (w.value === undefined) c.partial = true;
    if (w.block) {
      c['in-blk'] = true;
      c[`v-${w.block.verdict ?? 'none'}`] = true;
      c['blk-odd'] = w.block.ordinal % 2 === 1;
      c['blk-first'] = w.block.first;
      c['blk-last'] = w.block.last;
    }
    return c;
  };
  const wordTitle = (w: HexWord) => {
    const a = base() + BigInt(w.offset);
    const lines = [`${padHex('0x' + a.toString(16), props.ws)}${w.value !== undefined ? ` = ${padHex(w.value, props.ws)}` : ''}`];
    const miss = w.value === undefined ? whyAt(w.offset) ?? whyAt(w.offset + props.ws - 1) : undefined;
    if (miss) lines.push(`missing: ${MISSING_TEXT[miss]}`);
    if (w.header) {
      lines.push(
        w.header.kind === 'size'
          ? `chunk header of block ${padHex(w.header.block, props.ws)}: size field, chunk of ${num(w.header.chunkSize ?? 0)} bytes${w.header.flags?.length ? ` (${w.header.flags.join(', ')})` : ''}`
          : `chunk header of block ${padHex(w.header.block, props.ws)}: prev_size field (${num(w.header.chunkSize ?? 0)})`,
      );
    }
    if (w.block) lines.push(`in block ${padHex(w.block.address, props.ws)} at +${w.block.offset} (${num(w.block.size)} B${w.block.verdict ? `, ${verdictLabel(w.block.verdict)}` : ''})`);
    if (w.pointer) lines.push(pointerTitle(w.pointer, props.ws));
    return lines.join('\n');
  };
  const byteText = (i: number) => {
    const b = r().bytes[i];
    return b < 0 ? MISSING_MARK[whyAt(i) ?? 'unmapped'] : h2(b);
  };
  /** The word's digits: its value (high byte first) in words mode, its bytes in memory order otherwise. */
  const wordCells = (w: HexWord): JSX.Element => {
    const idx = Array.from({ length: props.ws }, (_, k) => w.offset + k);
    const order = props.mode === 'words' ? [...idx].reverse() : idx;
    if (w.value !== undefined) return <>{order.map((i) => h2(r().bytes[i])).join(props.mode === 'bytes' ? ' ' : '')}</>;
    return (
      <>
        {order.map((i, k) => (
          <>
            {k > 0 && props.mode === 'bytes' ? ' ' : ''}
            <span class={r().bytes[i] < 0 ? `hx-miss miss-${whyAt(i) ?? 'unmapped'}` : ''}>{byteText(i)}</span>
          </>
        ))}
      </>
    );
  };
  const ascii = () =>
    r().bytes.map((b, i) => {
      if (b < 0) return <span class={`hx-miss miss-${whyAt(i) ?? 'unmapped'}`}>{whyAt(i) === 'unmapped' ? '·' : '-'}</span>;
      return b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : <span class="hx-dot">.</span>;
    });
  return (
    <div class="hx-row" classList={{ 'region-start': r().regionStart !== undefined }} role="row" style={{ top: `${props.slot.top}px` }} data-row={r().address}>
      <span class="hx-addr" role="rowheader" title={r().fileOffset !== undefined ? `file offset 0x${r().fileOffset!.toString(16)}` : r().missing ? `missing: ${MISSING_TEXT[r().missing![0].why]}` : undefined}>
        {padHex(r().address, props.ws).slice(2)}
      </span>
      <Show when={props.offsets}>
        <span class="hx-off muted" role="gridcell">{r().fileOffset !== undefined ? r().fileOffset!.toString(16).padStart(8, '0') : '—'}</span>
      </Show>
      <span class="hx-words" role="presentation">
        {r().words.map((w) => {
          const a = base() + BigInt(w.offset);
          return (
            <span
              class={Object.entries(wordClass(w))
                .filter(([, on]) => on)
                .map(([k]) => k)
                .join(' ')}
              id={props.cellId(a)}
              role="gridcell"
              aria-label={w.pointer ? `${w.value}, points to ${pointerText(w.pointer, props.ws)}` : (w.value ?? 'missing')}
              title={wordTitle(w)}
              data-addr={'0x' + a.toString(16)}
              data-target={w.pointer?.target}
              onClick={() => (w.pointer ? props.onFollow(w.pointer.target) : props.onCursor(a))}
            >
              {wordCells(w)}
            </span>
          );
        })}
      </span>
      <span class="hx-ascii" role="gridcell">{ascii()}</span>
      <span class="hx-notes" role="gridcell" title={notes().map((n) => n.title).join('\n\n')}>
        {notes().map((n) =>
          n.kind === 'ptr' ? (
            <button type="button" class="link hx-note ptr-note" tabindex="-1" data-target={n.target} onClick={() => props.onFollow(n.target!)} title={n.title}>
              {n.text}
            </button>
          ) : (
            <span class={`hx-note ${n.kind}-note ${n.verdict ? `v-${n.verdict}` : ''}`} title={n.title}>
              {n.text}
            </span>
          ),
        )}
      </span>
    </div>
  );
}
