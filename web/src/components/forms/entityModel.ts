// The entity form's state and its conversion to the request body of
// POST/PUT /v1/blueprints/{bp}/entities; server field errors → form controls.
// Each blueprint property gets an input "kind" from its type, format and enum.
import type { FieldError } from '../../api/client';
import type { Blueprint, BlueprintProperty, Entity } from '../../api/types';

export type Kind =
  | 'boolean'
  | 'number'
  | 'enum'
  | 'datetime'
  | 'text'
  | 'email'
  | 'url'
  | 'user'
  | 'team'
  | 'yaml'
  | 'proto'
  | 'markdown'
  | 'labeled-url'
  | 'json'
  | 'tags'
  | 'number-tags'
  | 'multi-enum'
  | 'users'
  | 'teams';

export interface LabeledUrl {
  url: string;
  displayText: string;
}

/** A control's value: text, a list of texts (tags, pickers) or a labeled URL. */
export type FieldValue = string | string[] | LabeledUrl;

export interface EntityDraft {
  identifier: string;
  title: string;
  icon: string;
  team: string[];
  properties: Record<string, FieldValue>;
  relations: Record<string, string | string[]>;
}

export function kindOf(p: BlueprintProperty): Kind {
  const hasEnum = Array.isArray(p.enum) && p.enum.length > 0;
  switch (p.type) {
    case 'boolean':
      return 'boolean';
    case 'number':
      return hasEnum ? 'enum' : 'number';
    case 'object':
      return p.format === 'labeled-url' ? 'labeled-url' : 'json';
    case 'array': {
      const it = p.items;
      const itemEnum = Array.isArray(it?.enum) && it.enum.length > 0;
      if (it?.type === 'string' || !it?.type) {
        if (itemEnum) return 'multi-enum';
        if (it?.format === 'user') return 'users';
        if (it?.format === 'team') return 'teams';
        return 'tags';
      }
      if (it.type === 'number') return itemEnum ? 'multi-enum' : 'number-tags';
      return 'json';
    }
    default:
      if (hasEnum) return 'enum';
      switch (p.format) {
        case 'date-time':
        case 'timer':
          return 'datetime';
        case 'email':
          return 'email';
        case 'url':
          return 'url';
        case 'user':
          return 'user';
        case 'team':
          return 'team';
        case 'yaml':
          return 'yaml';
        case 'proto':
          return 'proto';
        case 'markdown':
          return 'markdown';
        default:
          return 'text';
      }
  }
}

function pad(n: number) {
  return String(n).padStart(2, '0');
}

/** isoToLocal: an RFC 3339 time → the value of a datetime-local input, in local time. */
export function isoToLocal(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** localToIso: a datetime-local value → RFC 3339 UTC. */
export function localToIso(local: string): string | undefined {
  const d = new Date(local);
  if (Number.isNaN(d.getTime())) return undefined;
  return d.toISOString().replace('.000Z', 'Z');
}

/** toField turns a stored property value into its control's value. */
export function toField(kind: Kind, v: unknown): FieldValue {
  if (v === undefined || v === null) {
    if (kind === 'labeled-url') return { url: '', displayText: '' };
    if (['tags', 'number-tags', 'multi-enum', 'users', 'teams'].includes(kind)) return [];
    return '';
  }
  switch (kind) {
    case 'boolean':
      return v === true ? 'true' : v === false ? 'false' : '';
    case 'datetime':
      return typeof v === 'string' ? isoToLocal(v) : '';
    case 'labeled-url': {
      const o = (typeof v === 'object' ? v : {}) as Record<string, unknown>;
      return { url: typeof o.url === 'string' ? o.url : '', displayText: typeof o.displayText === 'string' ? o.displayText : '' };
    }
    case 'json':
      return JSON.stringify(v, null, 2);
    case 'tags':
    case 'number-tags':
    case 'multi-enum':
    case 'users':
    case 'teams':
      return Array.isArray(v) ? v.map(String) : [String(v)];
    default:
      return typeof v === 'string' ? v : String(v);
  }
}

/** fromField turns a control's value into the property value to send; undefined leaves it unset. */
export function fromField(kind: Kind, p: BlueprintProperty, f: FieldValue): { value?: unknown; problem?: string } {
  if (Array.isArray(f)) {
    if (f.length === 0) return {};
    if (kind === 'number-tags' || (kind === 'multi-enum' && p.items?.type === 'number')) {
      const nums = f.map(Number);
      if (nums.some((n) => !Number.isFinite(n))) return { problem: 'every item must be a number' };
      return { value: nums };
    }
    return { value: [...f] };
  }
  if (typeof f === 'object') {
    if (!f.url.trim() && !f.displayText.trim()) return {};
    const out: Record<string, string> = { url: f.url.trim() };
    if (f.displayText.trim()) out.displayText = f.displayText.trim();
    return { value: out };
  }
  if (f.trim() === '') return {};
  switch (kind) {
    case 'boolean':
      return { value: f === 'true' };
    case 'number': {
      const n = Number(f);
      return Number.isFinite(n) ? { value: n } : { problem: 'must be a number' };
    }
    case 'enum':
      return { value: p.type === 'number' ? Number(f) : f };
    case 'datetime': {
      const iso = localToIso(f);
      return iso ? { value: iso } : { problem: 'must be a date and time' };
    }
    case 'json':
      try {
        return { value: JSON.parse(f) };
      } catch {
        return { problem: 'is not valid JSON' };
      }
    case 'yaml':
    case 'proto':
    case 'markdown':
      return { value: f };
    default:
      return { value: f.trim() };
  }
}

export function schemaProperties(bp: Blueprint): [string, BlueprintProperty][] {
  return Object.entries(bp.schema?.properties ?? {}).filter((e): e is [string, BlueprintProperty] => !!e[1]);
}

export function requiredSet(bp: Blueprint): Set<string> {
  return new Set(bp.schema?.required ?? []);
}

export function ownershipType(bp: Blueprint): string {
  return bp.ownership?.type ?? '';
}

/** draftFor: the form's values for a new entity (property defaults) or an existing one. */
export function draftFor(bp: Blueprint, entity?: Entity): EntityDraft {
  const properties: Record<string, FieldValue> = {};
  for (const [id, p] of schemaProperties(bp)) {
    const v = entity ? entity.properties?.[id] : p.default;
    properties[id] = toField(kindOf(p), v);
  }
  const relations: Record<string, string | string[]> = {};
  for (const [id, r] of Object.entries(bp.relations ?? {})) {
    const v = entity?.relations?.[id];
    if (r.many) relations[id] = Array.isArray(v) ? v.map(String) : typeof v === 'string' ? [v] : [];
    else relations[id] = typeof v === 'string' ? v : '';
  }
  return {
    identifier: entity?.identifier ?? '',
    title: entity?.title ?? '',
    icon: entity?.icon ?? '',
    team: entity?.team ?? [],
    properties,
    relations,
  };
}

/** buildEntityBody gives the request body, or the client-side problems keyed by control. */
export function buildEntityBody(bp: Blueprint, d: EntityDraft, _opts: { editing?: boolean } = {}): { body: Record<string, unknown>; problems: Record<string, string> } {
  const problems: Record<string, string> = {};
  const properties: Record<string, unknown> = {};
  for (const [id, p] of schemaProperties(bp)) {
    const f = d.properties[id];
    if (f === undefined) continue;
    const r = fromField(kindOf(p), p, f);
    if (r.problem) problems[`properties.${id}`] = r.problem;
    else if (r.value !== undefined) properties[id] = r.value;
  }
  const relations: Record<string, unknown> = {};
  for (const [id, r] of Object.entries(bp.relations ?? {})) {
    const v = d.relations[id];
    if (r.many) {
      const list = Array.isArray(v) ? v.filter(Boolean) : [];
      if (list.length) relations[id] = list;
    } else if (typeof v === 'string' && v) {
      relations[id] = v;
    }
  }
  const body: Record<string, unknown> = { properties, relations };
  const identifier = d.identifier.trim();
  if (identifier) body.identifier = identifier;
  else problems.identifier = 'is required';
  if (d.title.trim()) body.title = d.title.trim();
  if (d.icon) body.icon = d.icon;
  if (ownershipType(bp) === 'Direct') body.team = [...d.team];
  return { body, problems };
}

/** controlForEntityField: "properties.replicas[0]" → "properties.replicas"; unknown paths → undefined. */
export function controlForEntityField(field: string, bp: Blueprint): string | undefined {
  const seg = field
    .replace(/\[(\d+)\]/g, '.$1')
    .split('.')
    .filter(Boolean);
  const [head, name] = seg;
  if (!head) return undefined;
  if (head === 'identifier' || head === 'title' || head === 'icon' || head === 'team') return head;
  if (head === 'properties' && name && bp.schema?.properties?.[name]) return `properties.${name}`;
  if (head === 'relations' && name && bp.relations?.[name]) return `relations.${name}`;
  return undefined;
}

export function mapEntityErrors(fields: FieldError[], bp: Blueprint): { controls: Record<string, string>; unmatched: FieldError[] } {
  const controls: Record<string, string> = {};
  const unmatched: FieldError[] = [];
  for (const f of fields) {
    const c = controlForEntityField(f.field, bp);
    if (!c) unmatched.push(f);
    else controls[c] = controls[c] ? `${controls[c]}; ${f.reason}` : f.reason;
  }
  return { controls, unmatched };
}

/** slugify proposes an entity identifier from a title: "Payments API" → "payments-api". */
export function slugify(title: string): string {
  return title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9@_.+:=-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 200);
}

/**
 * buildEntityPatch gives the PATCH body of an edit: only what changed since the
 * form loaded (null clears a property, relation or title), so a user allowed to
 * update some properties only (docs/access.md) can save, and concurrent edits
 * of other fields are kept. `changed` is false when there is nothing to send.
 */
export function buildEntityPatch(
  bp: Blueprint,
  initial: EntityDraft,
  d: EntityDraft,
): { body: Record<string, unknown>; problems: Record<string, string>; changed: boolean } {
  const before = buildEntityBody(bp, initial, { editing: true }).body;
  const after = buildEntityBody(bp, d, { editing: true });
  if (Object.keys(after.problems).length) return { body: {}, problems: after.problems, changed: false };
  const a = after.body;
  const same = (x: unknown, y: unknown) => JSON.stringify(x) === JSON.stringify(y);
  const body: Record<string, unknown> = {};
  const diff = (key: 'properties' | 'relations') => {
    const was = (before[key] ?? {}) as Record<string, unknown>;
    const now = (a[key] ?? {}) as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const k of new Set([...Object.keys(was), ...Object.keys(now)])) {
      if (!same(was[k], now[k])) out[k] = k in now ? now[k] : null;
    }
    if (Object.keys(out).length) body[key] = out;
  };
  diff('properties');
  diff('relations');
  if (!same(before.title, a.title)) body.title = a.title ?? null;
  if (!same(before.team, a.team) && 'team' in a) body.team = a.team;
  return { body, problems: {}, changed: Object.keys(body).length > 0 };
}
