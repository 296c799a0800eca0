// Export of every entity matching the current filter: pages through the
// search route (never one big request), building a Blob part by part.
import { searchEntities } from '../../api/hooks';
import type { Entity, RuleTree, SearchSort } from '../../api/types';
import { fieldValue, type FieldDef } from '../entity/fields';

export type ExportFormat = 'csv' | 'json';

export function csvCell(v: unknown): string {
  if (v === undefined || v === null) return '';
  const s = typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v);
  return /[",\n\r]/.test(s) || /^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvHeader(cols: FieldDef[]): string {
  return cols.map((c) => csvCell(c.kind === 'relation' ? `relations.${c.name}` : c.name)).join(',') + '\r\n';
}

export function csvRow(e: Entity, cols: FieldDef[]): string {
  return cols.map((c) => csvCell(fieldValue(e, c))).join(',') + '\r\n';
}

export interface ExportOptions {
  blueprint: string;
  query?: RuleTree;
  sort?: SearchSort[];
  format: ExportFormat;
  columns: FieldDef[];
  pageSize?: number;
  signal?: AbortSignal;
  onProgress?: (done: number) => void;
}

/** exportEntities fetches page after page and returns the file. */
export async function exportEntities(o: ExportOptions): Promise<Blob> {
  const parts: string[] = [];
  let done = 0;
  let from: string | undefined;
  if (o.format === 'csv') parts.push(csvHeader(o.columns));
  else parts.push('[');
  for (;;) {
    const page = await searchEntities(o.blueprint, { query: o.query, sort: o.sort, limit: o.pageSize ?? 1000, from }, o.signal);
    for (const e of page.entities) {
      if (o.format === 'csv') parts.push(csvRow(e, o.columns));
      else parts.push((done > 0 ? ',\n' : '\n') + JSON.stringify(e));
      done++;
    }
    o.onProgress?.(done);
    if (!page.next || page.entities.length === 0) break;
    from = page.next;
  }
  if (o.format === 'json') parts.push('\n]\n');
  return new Blob(parts, { type: o.format === 'csv' ? 'text/csv;charset=utf-8' : 'application/json' });
}

export function downloadBlob(blob: Blob, name: string) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
