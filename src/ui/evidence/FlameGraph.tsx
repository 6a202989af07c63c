// A flame graph of call stacks weighted by bytes (in use, or grown since a base profile): the
// root at the top, callees below, each frame as wide as its share. Click a frame to zoom to it
// (its ancestors stay full width), click the root or "Reset" to zoom out; the search box marks
// the frames whose name matches and says what share of the total they hold.
import { For, type JSX, Show, createMemo, createSignal, onCleanup, onMount } from 'solid-js';
import { bytes, num } from '../fmt';

export interface FlameStack {
  /** Innermost first, as the profiles list them. */
  frames: string[];
  value: number;
}

interface Node {
  name: string;
  value: number;
  /** Bytes of the stacks that end here. */
  self: number;
  children: Map<string, Node>;
  parent?: Node;
  depth: number;
  id: number;
}

interface Cell {
  node: Node;
  x: number;
  w: number;
}

/** Builds the call tree from stacks (root = outermost frame). Negative weights are left out. */
export function flameTree(stacks: FlameStack[]): Node {
  let ids = 0;
  const root: Node = { name: 'all', value: 0, self: 0, children: new Map(), depth: 0, id: ids++ };
  for (const s of stacks) {
    if (!(s.value > 0)) continue;
    root.value += s.value;
    let n = root;
    for (let i = s.frames.length - 1; i >= 0; i--) {
      const f = s.frames[i];
      let c = n.children.get(f);
      if (!c) n.children.set(f, (c = { name: f, value: 0, self: 0, children: new Map(), parent: n, depth: n.depth + 1, id: ids++ }));
      c.value += s.value;
      n = c;
    }
    n.self += s.value;
  }
  return root;
}

const ROW = 18;

export function FlameGraph(props: { stacks: FlameStack[]; title: string; unit?: 'bytes'; testid?: string }): JSX.Element {
  const root = createMemo(() => flameTree(props.stacks));
  const [focus, setFocus] = createSignal<Node>();
  const [query, setQuery] = createSignal('');
  const [hover, setHover] = createSignal<Node>();
  // Laid out in the figure's pixels (text stays crisp): its width, followed as it resizes.
  let box!: HTMLElement;
  const [pw, setPw] = createSignal(1000);
  onMount(() => {
    setPw(box.clientWidth || 1000);
    const ro = new ResizeObserver(() => setPw(box.clientWidth || 1000));
    ro.observe(box);
    onCleanup(() => ro.disconnect());
  });
  const f = () => {
    const x = focus();
    return x && isIn(x, root()) ? x : root();
  };
  /** Frames laid out for the focus: ancestors full width, the focus' subtree spread over the width. */
  const cells = createMemo(() => {
    const out: Cell[] = [];
    const W = pw();
    const fo = f();
    for (let a = fo.parent; a; a = a.parent) out.push({ node: a, x: 0, w: W });
    const walk = (n: Node, x: number, w: number) => {
      out.push({ node: n, x, w });
      let cx = x;
      const kids = [...n.children.values()].sort((p, q) => q.value - p.value || (p.name < q.name ? -1 : 1));
      for (const c of kids) {
        const cw = (w * c.value) / n.value;
        if (cw >= 0.4) walk(c, cx, cw);
        cx += cw;
      }
    };
    if (fo.value > 0) walk(fo, 0, W);
    return out;
  });
  const depth = createMemo(() => cells().reduce((m, c) => Math.max(m, c.node.depth), 0) + 1);
  const re = createMemo(() => {
    const q = query().trim();
    if (!q) return undefined;
    try {
      return new RegExp(q, 'i');
    } catch {
      const esc = q.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      return new RegExp(esc, 'i');
    }
  });
  /** Share of the total in frames that match (a frame inside a matching frame counted once). */
  const matched = createMemo(() => {
    const r = re();
    if (!r) return 0;
    let total = 0;
    const walk = (n: Node) => {
      if (n !== root() && r.test(n.name)) {
        total += n.value;
        return;
      }
      for (const c of n.children.values()) walk(c);
    };
    walk(root());
    return total;
  });
  const fmt = (v: number) => `${num(v)} B (${bytes(v)})`;
  const info = (n: Node) => `${n.name} — ${fmt(n.value)}, ${((100 * n.value) / Math.max(1, root().value)).toFixed(1)} % of all${n.self ? `; self ${fmt(n.self)}` : ''}`;
  return (
    <figure class="ev-flame" data-testid={props.testid ?? 'flame'} ref={box}>
      <div class="toolbar">
        <strong class="small">{props.title}</strong>
        <span class="muted small" data-testid="flame-total">
          {fmt(root().value)}
        </span>
        <span class="spacer" />
        <Show when={re()}>
          <span class="small" data-testid="flame-matched">
            matched {((100 * matched()) / Math.max(1, root().value)).toFixed(1)} % ({bytes(matched())})
          </span>
        </Show>
        <input type="search" class="filter" placeholder="Search frames (regex)" aria-label="Search frames" data-testid="flame-search" value={query()} onInput={(e) => setQuery(e.currentTarget.value)} />
        <button type="button" class="btn small" data-testid="flame-reset" disabled={f() === root()} onClick={() => setFocus(undefined)}>
          Reset zoom
        </button>
      </div>
      <Show when={root().value > 0} fallback={<p class="muted small">Nothing to draw: no stack holds a positive amount.</p>}>
        <svg class="ev-flame-svg" width={pw()} height={depth() * ROW} role="img" aria-label={props.title}>
          <For each={cells()}>
            {(c) => (
              <g
                class={`ev-frame ${re() && c.node !== root() && re()!.test(c.node.name) ? 'ev-match' : ''} ${c.node === f() ? 'ev-focus' : ''} ${c.node.depth < f().depth ? 'ev-anc' : ''}`}
                data-name={c.node.name}
                data-testid="flame-frame"
                onClick={() => setFocus(c.node === f() ? c.node.parent : c.node)}
                onMouseEnter={() => setHover(c.node)}
                onMouseLeave={() => setHover(undefined)}
              >
                <rect x={c.x} y={c.node.depth * ROW} width={Math.max(0.5, c.w - 0.5)} height={ROW - 1} style={{ fill: color(c.node.name) }}>
                  <title>{info(c.node)}</title>
                </rect>
                <Show when={c.w > 40}>
                  <text x={c.x + 3} y={c.node.depth * ROW + 13} class="ev-frame-text">
                    {clip(c.node.name, c.w)}
                  </text>
                </Show>
              </g>
            )}
          </For>
        </svg>
      </Show>
      <figcaption class="small muted">
        <span data-testid="flame-zoom">{f() !== root() ? `Zoomed to ${info(f())} (click it, or Reset, to zoom out).` : 'Click a frame to zoom to it.'}</span>{' '}
        <span data-testid="flame-info">{hover() ? info(hover()!) : ''}</span>
      </figcaption>
    </figure>
  );
}

function isIn(n: Node, root: Node): boolean {
  let x: Node | undefined = n;
  while (x?.parent) x = x.parent;
  return x === root;
}

/** About 6.5 px a character at 11 px. */
function clip(s: string, w: number): string {
  const n = Math.floor((w - 6) / 6.5);
  return s.length <= n ? s : n > 2 ? s.slice(0, n - 1) + '…' : '';
}

/** A warm colour per name (stable), as flame graphs use. */
function color(name: string): string {
  let h = 0;
  for (let i = 0; i < name.length; i++) h = (h * 31 + name.charCodeAt(i)) >>> 0;
  return `hsl(${10 + (h % 40)}, ${60 + (h % 25)}%, ${58 + ((h >> 8) % 12)}%)`;
}
