// Keyboard habits shared by the views: moving between the rows of any table with the arrow keys
// or j / k (Home/End to the first/last), Enter to open the row's block (the block explorer) or
// address (the memory view), `c` or `y` — or Ctrl/Cmd+C on a focused row — to copy the row's
// address, `/` to go to the filter of the row's table. Rows are focusable (a roving tab stop per
// table). The copied address is announced in a status line.
import { createSignal } from 'solid-js';

const [copied, setCopied] = createSignal<{ text: string; seq: number; failed?: boolean }>();
export { copied };
let copySeq = 0;

/** Copies text to the clipboard (the async API; execCommand where it is refused) and announces it. */
export async function copyText(text: string): Promise<boolean> {
  let ok = false;
  try {
    await navigator.clipboard.writeText(text);
    ok = true;
  } catch {
    const ta = document.createElement('textarea');
    ta.value = text;
    ta.setAttribute('readonly', '');
    ta.style.position = 'fixed';
    ta.style.opacity = '0';
    const prev = document.activeElement as HTMLElement | null;
    document.body.appendChild(ta);
    ta.select();
    try {
      ok = document.execCommand('copy');
    } catch {
      ok = false;
    }
    ta.remove();
    prev?.focus({ preventScroll: true });
  }
  setCopied({ text, seq: ++copySeq, failed: !ok });
  return ok;
}

const ADDR = /\b0x[0-9a-f]{4,16}\b/i;

/** The address a row stands for: its data-addr, its first block link, its first "hex" address, or the first address in its text. */
export function rowAddress(row: HTMLElement): string | undefined {
  if (row.dataset.addr) return row.dataset.addr;
  const b = row.querySelector<HTMLElement>('[data-block]');
  if (b?.dataset.block) return b.dataset.block;
  const m = row.querySelector<HTMLElement>('[data-memory]');
  if (m?.dataset.memory) return m.dataset.memory;
  // cell by cell: textContent runs adjacent cells together ("0x10000x2000"), which no \b splits
  const text = row instanceof HTMLTableRowElement ? Array.from(row.cells, (c) => c.textContent ?? '').join(' ') : (row.textContent ?? '');
  return ADDR.exec(text)?.[0];
}

const typing = (t: EventTarget | null) => t instanceof HTMLElement && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName));

/** The data rows of a table body: not the expanded detail rows, not a lone "nothing here" cell. */
function dataRows(tbody: HTMLTableSectionElement): HTMLTableRowElement[] {
  return Array.from(tbody.rows).filter((r) => !r.classList.contains('detail-row') && !(r.cells.length === 1 && r.cells[0].colSpan > 1));
}

/** Gives every table's rows tabindex -1 and its first row 0 (one tab stop per table). */
function markRows(root: HTMLElement): void {
  for (const tb of root.querySelectorAll<HTMLTableSectionElement>('table.grid > tbody')) {
    const rows = dataRows(tb);
    let stop = false;
    for (const r of rows) {
      if (r.tabIndex === 0 && r.hasAttribute('tabindex')) {
        if (stop) r.tabIndex = -1;
        stop = true;
      } else if (!r.hasAttribute('tabindex')) r.tabIndex = -1;
    }
    if (!stop && rows[0]) rows[0].tabIndex = 0;
  }
}

/** The filter box of a table: the nearest one above it, within its section (the results' sections, an evidence view). */
function filterOf(table: HTMLElement): HTMLInputElement | undefined {
  for (let el: HTMLElement | null = table.parentElement; el; el = el.parentElement) {
    const f = el.querySelector<HTMLInputElement>('input.filter');
    if (f) return f;
    if (el.tagName === 'SECTION' || el.classList.contains('ev-view')) return undefined;
  }
  return undefined;
}

function focusRow(from: HTMLTableRowElement, to: HTMLTableRowElement): void {
  from.tabIndex = -1;
  to.tabIndex = 0;
  to.focus();
  to.scrollIntoView({ block: 'nearest' });
}

/**
 * Installs the table keys on a container (the results page, the diff view, the start page).
 * Returns the function that removes them.
 */
export function installTableKeys(root: HTMLElement): () => void {
  let queued = false;
  const mo = new MutationObserver(() => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => {
      queued = false;
      markRows(root);
    });
  });
  mo.observe(root, { childList: true, subtree: true });
  markRows(root);

  const onKey = (e: KeyboardEvent) => {
    if (typing(e.target) || !(e.target instanceof HTMLElement)) return;
    const row = e.target.closest('tr');
    const tbody = row?.parentElement;
    if (!row || !(tbody instanceof HTMLTableSectionElement) || tbody.tagName !== 'TBODY' || !tbody.parentElement?.classList.contains('grid')) return;
    if (row.classList.contains('detail-row')) return;
    const onRow = e.target === row;
    const plain = !e.altKey && !e.ctrlKey && !e.metaKey;
    const rows = dataRows(tbody);
    const i = rows.indexOf(row);
    if (plain && !e.shiftKey && i >= 0) {
      const down = e.key === 'ArrowDown' || (onRow && e.key === 'j');
      const up = e.key === 'ArrowUp' || (onRow && e.key === 'k');
      const to = down ? rows[i + 1] : up ? rows[i - 1] : onRow && e.key === 'Home' ? rows[0] : onRow && e.key === 'End' ? rows[rows.length - 1] : undefined;
      if (down || up || (onRow && (e.key === 'Home' || e.key === 'End'))) {
        e.preventDefault();
        if (to) focusRow(row, to);
        else if (!onRow) focusRow(row, row);
        return;
      }
    }
    if (onRow && plain && e.key === 'Enter') {
      const target = row.querySelector<HTMLElement>('button.block-link') ?? row.querySelector<HTMLElement>('[data-memory]') ?? row.querySelector<HTMLElement>('button.disclosure, button.link');
      if (target) {
        e.preventDefault();
        target.click();
      }
      return;
    }
    if (onRow && plain && e.key === '/') {
      const f = filterOf(tbody.parentElement as HTMLElement);
      if (f) {
        e.preventDefault();
        f.focus();
        f.select();
      }
      return;
    }
    const copyKey = (plain && !e.shiftKey && (e.key === 'c' || e.key === 'y')) || (onRow && (e.ctrlKey || e.metaKey) && !e.altKey && e.key.toLowerCase() === 'c' && !window.getSelection()?.toString());
    if (copyKey) {
      const a = rowAddress(row);
      if (!a) return;
      e.preventDefault();
      void copyText(a);
    }
  };
  root.addEventListener('keydown', onKey);
  return () => {
    mo.disconnect();
    root.removeEventListener('keydown', onKey);
  };
}
