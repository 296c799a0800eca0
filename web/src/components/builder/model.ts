// The blueprint editor's form state (drafts) and its conversion to and from the
// API's blueprint JSON (docs/data-model.md). Unknown keys of properties and
// blueprints are kept in `extra` so a round trip through the form loses nothing.
import type { Blueprint } from '../../api/types';

export type PropType = 'string' | 'number' | 'boolean' | 'object' | 'array';
export type ItemType = 'string' | 'number' | 'boolean' | 'object';

export const PROP_TYPES: PropType[] = ['string', 'number', 'boolean', 'object', 'array'];
export const STRING_FORMATS = [
  'date-time',
  'url',
  'email',
  'user',
  'team',
  'timer',
  'yaml',
  'markdown',
  'ipv4',
  'ipv6',
  'proto',
] as const;
export const OBJECT_FORMATS = ['labeled-url'] as const;
export const ENUM_COLORS = [
  'blue',
  'turquoise',
  'orange',
  'purple',
  'pink',
  'yellow',
  'green',
  'red',
  'darkGray',
  'lightGray',
  'bronze',
] as const;
export const AGG_FUNCS = ['count', 'sum', 'average', 'min', 'max', 'median'] as const;
export type AggFunc = (typeof AGG_FUNCS)[number];

/** Property and relation identifiers (docs/data-model.md). */
export const PROPERTY_ID_RE = /^[A-Za-z0-9@_=-]{1,100}$/;
/** Blueprint identifiers: letters, digits and @_.+:\/- , not "." or "..". */
export const BLUEPRINT_ID_RE = /^[A-Za-z0-9@_.+:\\/-]{1,100}$/;

export function blueprintIdProblem(id: string): string | undefined {
  if (!id) return 'is required';
  if (id === '.' || id === '..') return 'cannot be . or ..';
  if (!BLUEPRINT_ID_RE.test(id)) return 'use at most 100 letters, digits and @ _ . + : \\ / -';
  return undefined;
}

export function propertyIdProblem(id: string): string | undefined {
  if (!id) return 'is required';
  if (!PROPERTY_ID_RE.test(id)) return 'use at most 100 letters, digits and @ _ = -';
  return undefined;
}

export interface EnumOption {
  value: string;
  color: string;
}

export interface PropertyDraft {
  key: string;
  /** The identifier on the server, for renames; absent for new properties. */
  originalId?: string;
  id: string;
  title: string;
  description: string;
  icon: string;
  type: PropType;
  /** Format of the property, or of its items when type is array. */
  format: string;
  itemsType: ItemType;
  enumValues: EnumOption[];
  minLength: string;
  maxLength: string;
  pattern: string;
  minimum: string;
  maximum: string;
  minItems: string;
  maxItems: string;
  uniqueItems: boolean;
  /** Default as typed: a string, a number, true/false, or JSON for objects and arrays. */
  default: string;
  required: boolean;
  extra: Record<string, unknown>;
  itemsExtra: Record<string, unknown>;
}

export interface RelationDraft {
  key: string;
  originalId?: string;
  id: string;
  title: string;
  description: string;
  target: string;
  many: boolean;
  required: boolean;
  extra: Record<string, unknown>;
}

export interface MirrorDraft {
  key: string;
  originalId?: string;
  id: string;
  title: string;
  path: string;
  extra: Record<string, unknown>;
}

export interface CalculationDraft {
  key: string;
  id: string;
  title: string;
  description: string;
  calculation: string;
  type: PropType;
  format: string;
  extra: Record<string, unknown>;
}

export interface AggregationDraft {
  key: string;
  id: string;
  title: string;
  description: string;
  target: string;
  func: AggFunc;
  property: string;
  /** For average: total (of a property) or per hour/day/week/month. */
  averageOf: string;
  /** The entities filter as JSON text ({"combinator": ..., "rules": [...]}), or empty. */
  query: string;
  extra: Record<string, unknown>;
}

export interface OwnershipDraft {
  type: '' | 'Direct' | 'Inherited';
  path: string;
  title: string;
}

export interface BlueprintDraft {
  /** True when editing a blueprint that exists on the server. */
  existing: boolean;
  identifier: string;
  title: string;
  icon: string;
  description: string;
  properties: PropertyDraft[];
  relations: RelationDraft[];
  mirrors: MirrorDraft[];
  calculations: CalculationDraft[];
  aggregations: AggregationDraft[];
  ownership: OwnershipDraft;
  extra: Record<string, unknown>;
}

let seq = 0;
export function newKey(prefix = 'k'): string {
  seq += 1;
  return `${prefix}${seq}`;
}

type J = Record<string, unknown>;

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}
function numText(v: unknown): string {
  return typeof v === 'number' && Number.isFinite(v) ? String(v) : '';
}
function without(o: J | undefined, keys: string[]): J {
  const out: J = {};
  for (const [k, v] of Object.entries(o ?? {})) if (!keys.includes(k)) out[k] = v;
  return out;
}
function asType(v: unknown): PropType {
  return PROP_TYPES.includes(v as PropType) ? (v as PropType) : 'string';
}

const PROPERTY_KEYS = [
  'type',
  'title',
  'description',
  'icon',
  'format',
  'enum',
  'enumColors',
  'minLength',
  'maxLength',
  'pattern',
  'minimum',
  'maximum',
  'minItems',
  'maxItems',
  'uniqueItems',
  'default',
  'items',
];
const ITEMS_KEYS = ['type', 'format', 'enum', 'enumColors'];

export function emptyProperty(): PropertyDraft {
  return {
    key: newKey('p'),
    id: '',
    title: '',
    description: '',
    icon: '',
    type: 'string',
    format: '',
    itemsType: 'string',
    enumValues: [],
    minLength: '',
    maxLength: '',
    pattern: '',
    minimum: '',
    maximum: '',
    minItems: '',
    maxItems: '',
    uniqueItems: false,
    default: '',
    required: false,
    extra: {},
    itemsExtra: {},
  };
}

function enumFrom(src: J): EnumOption[] {
  const values = Array.isArray(src.enum) ? src.enum : [];
  const colors = (src.enumColors && typeof src.enumColors === 'object' ? src.enumColors : {}) as Record<string, string>;
  return values.map((v) => ({ value: String(v), color: colors[String(v)] ?? '' }));
}

function defaultText(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v, null, 2);
}

export function propertyFromJson(id: string, raw: unknown, required: boolean): PropertyDraft {
  const p = (raw && typeof raw === 'object' ? raw : {}) as J;
  const type = asType(p.type);
  const items = (p.items && typeof p.items === 'object' ? p.items : {}) as J;
  const src = type === 'array' ? items : p;
  const itemsType = (['string', 'number', 'boolean', 'object'].includes(items.type as string) ? items.type : 'string') as ItemType;
  return {
    ...emptyProperty(),
    originalId: id,
    id,
    title: str(p.title),
    description: str(p.description),
    icon: str(p.icon),
    type,
    format: str(src.format),
    itemsType,
    enumValues: enumFrom(src),
    minLength: numText(p.minLength),
    maxLength: numText(p.maxLength),
    pattern: str(p.pattern),
    minimum: numText(p.minimum),
    maximum: numText(p.maximum),
    minItems: numText(p.minItems),
    maxItems: numText(p.maxItems),
    uniqueItems: p.uniqueItems === true,
    default: defaultText(p.default),
    required,
    extra: without(p, PROPERTY_KEYS),
    itemsExtra: type === 'array' ? without(items, ITEMS_KEYS) : {},
  };
}

/** The problem with a property's default text, if it does not parse for the type. */
export function defaultProblem(d: PropertyDraft): string | undefined {
  try {
    parseDefault(d);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

function parseDefault(d: PropertyDraft): unknown {
  const t = d.default;
  if (t.trim() === '') return undefined;
  switch (d.type) {
    case 'string':
      return t;
    case 'number': {
      const n = Number(t);
      if (!Number.isFinite(n)) throw new Error('must be a number');
      return n;
    }
    case 'boolean':
      if (t === 'true') return true;
      if (t === 'false') return false;
      throw new Error('must be true or false');
    default:
      try {
        return JSON.parse(t);
      } catch {
        throw new Error(d.type === 'array' ? 'must be a JSON array' : 'must be a JSON object');
      }
  }
}

function putNum(out: J, key: string, text: string) {
  if (text.trim() === '') return;
  const n = Number(text);
  if (Number.isFinite(n)) out[key] = n;
}

function enumInto(out: J, values: EnumOption[], type: string) {
  const vals = values.filter((e) => e.value !== '');
  if (!vals.length) return;
  out.enum = vals.map((e) => (type === 'number' ? Number(e.value) : e.value));
  const colors: Record<string, string> = {};
  for (const e of vals) if (e.color) colors[e.value] = e.color;
  if (type === 'string' && Object.keys(colors).length) out.enumColors = colors;
}

/** propertyToJson gives the schema.properties entry of one property draft. */
export function propertyToJson(d: PropertyDraft): J {
  const out: J = { ...d.extra, type: d.type };
  if (d.title) out.title = d.title;
  if (d.description) out.description = d.description;
  if (d.icon) out.icon = d.icon;
  if (d.type === 'array') {
    const items: J = { ...d.itemsExtra, type: d.itemsType };
    if (d.format && (d.itemsType === 'string' || (d.itemsType === 'object' && d.format === 'labeled-url'))) items.format = d.format;
    if (d.itemsType === 'string' || d.itemsType === 'number') enumInto(items, d.enumValues, d.itemsType);
    out.items = items;
    putNum(out, 'minItems', d.minItems);
    putNum(out, 'maxItems', d.maxItems);
    if (d.uniqueItems) out.uniqueItems = true;
  } else if (d.type === 'string') {
    if (d.format) out.format = d.format;
    enumInto(out, d.enumValues, 'string');
    putNum(out, 'minLength', d.minLength);
    putNum(out, 'maxLength', d.maxLength);
    if (d.pattern) out.pattern = d.pattern;
  } else if (d.type === 'number') {
    enumInto(out, d.enumValues, 'number');
    putNum(out, 'minimum', d.minimum);
    putNum(out, 'maximum', d.maximum);
  } else if (d.type === 'object') {
    if (d.format === 'labeled-url') out.format = d.format;
  }
  let def: unknown;
  try {
    def = parseDefault(d);
  } catch {
    def = undefined;
  }
  if (def !== undefined) out.default = def;
  return out;
}

export function emptyRelation(): RelationDraft {
  return { key: newKey('r'), id: '', title: '', description: '', target: '', many: false, required: false, extra: {} };
}
export function emptyMirror(): MirrorDraft {
  return { key: newKey('m'), id: '', title: '', path: '', extra: {} };
}
export function emptyCalculation(): CalculationDraft {
  return { key: newKey('c'), id: '', title: '', description: '', calculation: '', type: 'string', format: '', extra: {} };
}
export function emptyAggregation(): AggregationDraft {
  return {
    key: newKey('a'),
    id: '',
    title: '',
    description: '',
    target: '',
    func: 'count',
    property: '',
    averageOf: 'total',
    query: '',
    extra: {},
  };
}

export function emptyBlueprint(): BlueprintDraft {
  return {
    existing: false,
    identifier: '',
    title: '',
    icon: '',
    description: '',
    properties: [],
    relations: [],
    mirrors: [],
    calculations: [],
    aggregations: [],
    ownership: { type: '', path: '', title: '' },
    extra: {},
  };
}

const SERVER_KEYS = [
  'identifier',
  'title',
  'icon',
  'description',
  'schema',
  'relations',
  'mirrorProperties',
  'calculationProperties',
  'aggregationProperties',
  'ownership',
  'createdAt',
  'createdBy',
  'updatedAt',
  'updatedBy',
];

export function draftFromBlueprint(bp: Blueprint): BlueprintDraft {
  const b = bp as unknown as J;
  const schema = (b.schema ?? {}) as { properties?: J; required?: string[] | null };
  const required = new Set(schema.required ?? []);
  const rels = (b.relations ?? {}) as Record<string, J>;
  const mirrors = (b.mirrorProperties ?? {}) as Record<string, J>;
  const calcs = (b.calculationProperties ?? {}) as Record<string, J>;
  const aggs = (b.aggregationProperties ?? {}) as Record<string, J>;
  const own = (b.ownership ?? null) as J | null;
  return {
    existing: true,
    identifier: str(b.identifier),
    title: str(b.title),
    icon: str(b.icon),
    description: str(b.description),
    properties: Object.entries(schema.properties ?? {}).map(([id, p]) => propertyFromJson(id, p, required.has(id))),
    relations: Object.entries(rels).map(([id, r]) => ({
      key: newKey('r'),
      originalId: id,
      id,
      title: str(r.title),
      description: str(r.description),
      target: str(r.target),
      many: r.many === true,
      required: r.required === true,
      extra: without(r, ['title', 'description', 'target', 'many', 'required']),
    })),
    mirrors: Object.entries(mirrors).map(([id, m]) => ({
      key: newKey('m'),
      originalId: id,
      id,
      title: str(m.title),
      path: str(m.path),
      extra: without(m, ['title', 'path']),
    })),
    calculations: Object.entries(calcs).map(([id, c]) => ({
      key: newKey('c'),
      id,
      title: str(c.title),
      description: str(c.description),
      calculation: str(c.calculation),
      type: asType(c.type),
      format: str(c.format),
      extra: without(c, ['title', 'description', 'calculation', 'type', 'format']),
    })),
    aggregations: Object.entries(aggs).map(([id, a]) => {
      const cs = (a.calculationSpec ?? {}) as J;
      const func = (AGG_FUNCS.includes(cs.func as AggFunc) ? cs.func : 'count') as AggFunc;
      return {
        key: newKey('a'),
        id,
        title: str(a.title),
        description: str(a.description),
        target: str(a.target),
        func,
        property: str(cs.property),
        averageOf: str(cs.averageOf) || 'total',
        query: a.query ? JSON.stringify(a.query, null, 2) : '',
        extra: without(a, ['title', 'description', 'target', 'calculationSpec', 'query']),
      };
    }),
    ownership: own
      ? { type: own.type === 'Direct' || own.type === 'Inherited' ? own.type : '', path: str(own.path), title: str(own.title) }
      : { type: '', path: '', title: '' },
    extra: without(b, SERVER_KEYS),
  };
}

function aggregationSpec(a: AggregationDraft): J {
  if (a.func === 'count') return { calculationBy: 'entities', func: 'count' };
  if (a.func === 'average' && a.averageOf !== 'total' && !a.property) {
    return { calculationBy: 'entities', func: 'average', averageOf: a.averageOf };
  }
  const spec: J = { calculationBy: 'property', func: a.func, property: a.property };
  if (a.func === 'average') spec.averageOf = a.averageOf || 'total';
  return spec;
}

/** parseQueryText reads an aggregation's query JSON text; empty text is no query. */
export function parseQueryText(text: string): { value?: unknown; problem?: string } {
  if (!text.trim()) return {};
  try {
    const v = JSON.parse(text);
    if (!v || typeof v !== 'object' || Array.isArray(v)) return { problem: 'must be a JSON object like {"combinator": "and", "rules": [...]}' };
    return { value: v };
  } catch {
    return { problem: 'is not valid JSON' };
  }
}

/** draftToBlueprint gives the request body of POST/PUT /v1/blueprints. */
export function draftToBlueprint(d: BlueprintDraft): J {
  const properties: J = {};
  const required: string[] = [];
  for (const p of d.properties) {
    properties[p.id] = propertyToJson(p);
    if (p.required) required.push(p.id);
  }
  const relations: J = {};
  for (const r of d.relations) {
    const out: J = { ...r.extra, target: r.target, many: r.many, required: r.required };
    if (r.title) out.title = r.title;
    if (r.description) out.description = r.description;
    relations[r.id] = out;
  }
  const mirrorProperties: J = {};
  for (const m of d.mirrors) {
    const out: J = { ...m.extra, path: m.path };
    if (m.title) out.title = m.title;
    mirrorProperties[m.id] = out;
  }
  const calculationProperties: J = {};
  for (const c of d.calculations) {
    const out: J = { ...c.extra, calculation: c.calculation, type: c.type };
    if (c.title) out.title = c.title;
    if (c.description) out.description = c.description;
    if (c.format) out.format = c.format;
    calculationProperties[c.id] = out;
  }
  const aggregationProperties: J = {};
  for (const a of d.aggregations) {
    const out: J = { ...a.extra, target: a.target, calculationSpec: aggregationSpec(a) };
    if (a.title) out.title = a.title;
    if (a.description) out.description = a.description;
    const q = parseQueryText(a.query);
    if (q.value) out.query = q.value;
    aggregationProperties[a.id] = out;
  }
  const body: J = {
    ...d.extra,
    identifier: d.identifier,
    title: d.title,
    schema: { properties, required },
    relations,
    mirrorProperties,
    calculationProperties,
    aggregationProperties,
  };
  if (d.icon) body.icon = d.icon;
  if (d.description) body.description = d.description;
  if (d.ownership.type) {
    const o: J = { type: d.ownership.type };
    if (d.ownership.type === 'Inherited') o.path = d.ownership.path;
    if (d.ownership.title) o.title = d.ownership.title;
    body.ownership = o;
  }
  return body;
}

export interface Rename {
  kind: 'property' | 'mirror' | 'relation';
  key: string;
  from: string;
  to: string;
}

/** renames lists the identifiers of existing properties, mirrors and relations that changed. */
export function renames(d: BlueprintDraft): Rename[] {
  if (!d.existing) return [];
  const out: Rename[] = [];
  for (const p of d.properties) if (p.originalId && p.id && p.originalId !== p.id) out.push({ kind: 'property', key: p.key, from: p.originalId, to: p.id });
  for (const m of d.mirrors) if (m.originalId && m.id && m.originalId !== m.id) out.push({ kind: 'mirror', key: m.key, from: m.originalId, to: m.id });
  for (const r of d.relations) if (r.originalId && r.id && r.originalId !== r.id) out.push({ kind: 'relation', key: r.key, from: r.originalId, to: r.id });
  return out;
}

/** renameRequest gives the route and body of one rename (docs/api.md). */
export function renameRequest(bp: string, r: Rename): { path: string; body: J } {
  const e = encodeURIComponent;
  switch (r.kind) {
    case 'property':
      return { path: `/v1/blueprints/${e(bp)}/properties/${e(r.from)}/rename`, body: { newPropertyName: r.to } };
    case 'mirror':
      return { path: `/v1/blueprints/${e(bp)}/mirror/${e(r.from)}/rename`, body: { newMirrorName: r.to } };
    default:
      return { path: `/v1/blueprints/${e(bp)}/relations/${e(r.from)}/rename`, body: { newRelationIdentifier: r.to } };
  }
}

/** clientProblems: checks made before sending (identifiers, duplicates, JSON texts), keyed by control. */
export function clientProblems(d: BlueprintDraft): Record<string, string> {
  const out: Record<string, string> = {};
  const idp = blueprintIdProblem(d.identifier);
  if (idp) out.identifier = idp;
  if (!d.title.trim()) out.title = 'is required';
  const seen = new Map<string, string>();
  const check = (kind: string, key: string, id: string) => {
    const p = propertyIdProblem(id);
    if (p) {
      out[`${kind}.${key}.id`] = p;
      return;
    }
    if (kind !== 'rel') {
      const prev = seen.get(id);
      if (prev) out[`${kind}.${key}.id`] = `is already used by ${prev}`;
      else seen.set(id, kind === 'prop' ? 'a property' : kind === 'mirror' ? 'a mirror property' : kind === 'calc' ? 'a calculation property' : 'an aggregation property');
    }
  };
  for (const p of d.properties) {
    check('prop', p.key, p.id);
    const dp = defaultProblem(p);
    if (dp) out[`prop.${p.key}.default`] = dp;
  }
  const relSeen = new Set<string>();
  for (const r of d.relations) {
    check('rel', r.key, r.id);
    if (!out[`rel.${r.key}.id`] && relSeen.has(r.id)) out[`rel.${r.key}.id`] = 'is already used by another relation';
    relSeen.add(r.id);
    if (!r.target) out[`rel.${r.key}.target`] = 'is required';
    if (r.many && r.required) out[`rel.${r.key}.required`] = 'a relation cannot be both many and required';
  }
  for (const m of d.mirrors) {
    check('mirror', m.key, m.id);
    if (!m.path.trim()) out[`mirror.${m.key}.path`] = 'is required';
  }
  for (const c of d.calculations) {
    check('calc', c.key, c.id);
    if (!c.calculation.trim()) out[`calc.${c.key}.calculation`] = 'is required (a jq expression)';
  }
  for (const a of d.aggregations) {
    check('agg', a.key, a.id);
    if (!a.target) out[`agg.${a.key}.target`] = 'is required';
    if (a.func !== 'count' && !(a.func === 'average' && a.averageOf !== 'total') && !a.property) out[`agg.${a.key}.property`] = 'is required';
    const q = parseQueryText(a.query);
    if (q.problem) out[`agg.${a.key}.query`] = q.problem;
  }
  if (d.ownership.type === 'Inherited' && !d.ownership.path.trim()) out['ownership.path'] = 'is required with Inherited ownership';
  return out;
}
