// WCAG 2 contrast of every piece of text on a page, measured in the browser: each element with
// its own text, visible and not disabled, against the background it is drawn on (the first
// opaque background up its ancestors, with translucent ones blended over it). Normal text
// needs 4.5:1, large text (≥ 24 px, or ≥ 18.66 px bold) 3:1.
import type { Page } from 'playwright-core';

export interface ContrastFailure {
  where: string;
  text: string;
  ratio: number;
  need: number;
  fg: string;
  bg: string;
}

export async function contrastFailures(page: Page, root = 'body'): Promise<{ checked: number; failures: ContrastFailure[] }> {
  return page.evaluate((rootSel) => {
    type C = { r: number; g: number; b: number; a: number };
    const parse = (s: string): C => {
      const m = /rgba?\(([^)]+)\)/.exec(s);
      if (!m) return { r: 0, g: 0, b: 0, a: 0 };
      const p = m[1].split(/[\s,/]+/).filter(Boolean).map((x) => (x.endsWith('%') ? Number(x.slice(0, -1)) / 100 : Number(x)));
      return { r: p[0], g: p[1], b: p[2], a: p[3] ?? 1 };
    };
    const over = (top: C, bottom: C): C => ({ r: top.r * top.a + bottom.r * (1 - top.a), g: top.g * top.a + bottom.g * (1 - top.a), b: top.b * top.a + bottom.b * (1 - top.a), a: 1 });
    const lum = (c: C) => {
      const f = (v: number) => {
        const x = v / 255;
        return x <= 0.03928 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4);
      };
      return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
    };
    const canvas = (): C => {
      const h = parse(getComputedStyle(document.documentElement).backgroundColor);
      const b = parse(getComputedStyle(document.body).backgroundColor);
      return b.a > 0 ? over(b, h.a > 0 ? h : { r: 255, g: 255, b: 255, a: 1 }) : h.a > 0 ? h : { r: 255, g: 255, b: 255, a: 1 };
    };
    const bgOf = (el: Element): C => {
      const layers: C[] = [];
      for (let e: Element | null = el; e && e !== document.body && e !== document.documentElement; e = e.parentElement) {
        const c = parse(getComputedStyle(e).backgroundColor);
        if (c.a > 0) {
          layers.push(c);
          if (c.a >= 1) break;
        }
      }
      let bg = layers.length && layers[layers.length - 1].a >= 1 ? { r: 0, g: 0, b: 0, a: 1 } : canvas();
      for (const c of layers.reverse()) bg = over(c, bg);
      return bg;
    };
    const faded = (el: Element) => {
      for (let e: Element | null = el; e; e = e.parentElement) if (Number(getComputedStyle(e).opacity) < 1) return true;
      return false;
    };
    const failures: { where: string; text: string; ratio: number; need: number; fg: string; bg: string }[] = [];
    let checked = 0;
    const root = document.querySelector(rootSel) ?? document.body;
    for (const el of root.querySelectorAll<HTMLElement>('*')) {
      const own = Array.from(el.childNodes).some((n) => n.nodeType === 3 && n.textContent!.trim() !== '');
      if (!own || el.getClientRects().length === 0 || el.closest('[aria-hidden="true"], :disabled, .sr-only, svg, option')) continue;
      const cs = getComputedStyle(el);
      if (cs.visibility === 'hidden' || faded(el)) continue;
      const fg = parse(cs.color);
      const bg = bgOf(el);
      const f = over(fg, bg);
      const l1 = lum(f);
      const l2 = lum(bg);
      const ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
      const size = parseFloat(cs.fontSize);
      const large = size >= 24 || (size >= 18.66 && Number(cs.fontWeight) >= 700);
      const need = large ? 3 : 4.5;
      checked++;
      if (ratio < need) {
        const cls = typeof el.className === 'string' && el.className ? '.' + el.className.trim().split(/\s+/).join('.') : '';
        failures.push({ where: `${el.tagName.toLowerCase()}${cls}`, text: (el.textContent ?? '').trim().slice(0, 40), ratio: Math.round(ratio * 100) / 100, need, fg: cs.color, bg: `rgb(${Math.round(bg.r)}, ${Math.round(bg.g)}, ${Math.round(bg.b)})` });
      }
    }
    return { checked, failures };
  }, root);
}
