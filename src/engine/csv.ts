// CSV text (RFC 4180) of a table (tables.ts): a header line, CRLF line ends, fields holding a
// comma, a double quote, CR or LF quoted with the quotes doubled. Numbers are written plain
// (no separators); an absent cell is empty. A text field that a spreadsheet would run as a
// formula (starting with =, +, @, a tab or CR, or - not followed by a digit) gets a leading
// apostrophe, since fields can come from a dump's bytes or a binary's symbols.
import type { Cell, Table } from './tables';

export function csvField(c: Cell): string {
  if (c === undefined) return '';
  if (typeof c === 'number') return Number.isFinite(c) ? String(c) : '';
  let s = c;
  if (/^[=+@\t\r]/.test(s) || /^-(?![\d.])/.test(s)) s = "'" + s;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvText(t: Pick<Table, 'columns' | 'rows'>): string {
  const lines = [t.columns.map((c) => csvField(c.label)).join(','), ...t.rows.map((r) => t.columns.map((_, i) => csvField(r[i])).join(','))];
  return lines.join('\r\n') + '\r\n';
}

/** Parses RFC 4180 text back into rows of strings (tests, and anything reading our exports). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i++;
        continue;
      }
      field += ch;
      i++;
      continue;
    }
    if (ch === '"' && field === '') {
      quoted = true;
      i++;
    } else if (ch === ',') {
      row.push(field);
      field = '';
      i++;
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i += 2;
    } else {
      field += ch;
      i++;
    }
  }
  if (field !== '' || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}
