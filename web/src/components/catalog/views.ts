// Saved views of a catalog: name + filters + columns + sort + group-by, kept
// in localStorage per blueprint.
import type { Filter } from './filters';

export interface SortState {
  field: string;
  order: 'asc' | 'desc';
}

export interface CatalogView {
  name: string;
  filters: Filter[];
  columns: string[];
  sort: SortState | null;
  groupBy: string | null;
}

const key = (bp: string) => `atrium.catalog.views.${bp}`;

export function loadViews(bp: string): CatalogView[] {
  try {
    const raw = window.localStorage.getItem(key(bp));
    const v = raw ? (JSON.parse(raw) as unknown) : [];
    return Array.isArray(v) ? (v.filter((x) => x && typeof x === 'object' && typeof x.name === 'string') as CatalogView[]) : [];
  } catch {
    return [];
  }
}

export function saveViews(bp: string, views: CatalogView[]) {
  try {
    window.localStorage.setItem(key(bp), JSON.stringify(views));
  } catch {
    // Storage full or disabled: views live for this session only.
  }
}

/** upsertView replaces the view of the same name or appends it. */
export function upsertView(views: CatalogView[], v: CatalogView): CatalogView[] {
  const i = views.findIndex((x) => x.name === v.name);
  if (i < 0) return [...views, v];
  const out = views.slice();
  out[i] = v;
  return out;
}
