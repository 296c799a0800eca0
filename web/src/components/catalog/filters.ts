// The catalog's filters: per field type the operators the query language
// accepts (internal/query/check.go), and the rule tree they make.
import type { Rule, RuleTree } from '../../api/types';
import type { FieldDef } from '../entity/fields';

export interface Filter {
  id: string;
  /** FieldDef.key */
  field: string;
  operator: string;
  value?: unknown;
}

export const OPERATOR_LABELS: Record<string, string> = {
  '=': 'is',
  '!=': 'is not',
  in: 'is any of',
  notIn: 'is none of',
  contains: 'contains',
  doesNotContains: 'does not contain',
  beginsWith: 'begins with',
  doesNotBeginsWith: 'does not begin with',
  endsWith: 'ends with',
  doesNotEndsWith: 'does not end with',
  containsAny: 'has any of',
  '>': '>',
  '>=': '≥',
  '<': '<',
  '<=': '≤',
  between: 'is within',
  notBetween: 'is not within',
  isEmpty: 'is empty',
  isNotEmpty: 'is not empty',
  isExpired: 'has expired',
  isNotExpired: 'has not expired',
};

/** Operators taking no value. */
export const NO_VALUE = new Set(['isEmpty', 'isNotEmpty', 'isExpired', 'isNotExpired']);
/** Operators taking a list. */
export const LIST_OPS = new Set(['in', 'notIn', 'containsAny']);
/** Operators taking a date range ({preset} or {from, to}). */
export const RANGE_OPS = new Set(['between', 'notBetween']);

const TEXT = ['contains', '=', '!=', 'doesNotContains', 'beginsWith', 'doesNotBeginsWith', 'endsWith', 'doesNotEndsWith', 'in', 'notIn'];
const EQUALITY = ['=', '!=', 'in', 'notIn'];
const ORDER = ['>', '>=', '<', '<='];
const EMPTY = ['isEmpty', 'isNotEmpty'];

export const DATE_PRESETS: { value: string; label: string }[] = [
  { value: 'today', label: 'Today' },
  { value: 'yesterday', label: 'Yesterday' },
  { value: 'lastDay', label: 'Last 24 hours' },
  { value: 'lastWeek', label: 'Last 7 days' },
  { value: 'last2Weeks', label: 'Last 14 days' },
  { value: 'lastMonth', label: 'Last 30 days' },
  { value: 'last3Months', label: 'Last 3 months' },
  { value: 'last6Months', label: 'Last 6 months' },
  { value: 'last12Months', label: 'Last 12 months' },
  { value: 'tomorrow', label: 'Tomorrow' },
  { value: 'nextWeek', label: 'Next 7 days' },
  { value: 'nextMonth', label: 'Next 30 days' },
];

/** valueKind: what kind of value editor a field takes. */
export type ValueKind = 'text' | 'number' | 'boolean' | 'enum' | 'date' | 'user' | 'team' | 'entity' | 'any';

/** scalarDef: the definition of a field's atoms (the items of an array). */
export function atomDef(f: FieldDef): FieldDef {
  if (f.type === 'array' && f.items) return { ...f, ...f.items, type: f.items.type, key: f.key, name: f.name, title: f.title, kind: f.kind };
  return f;
}

export function valueKind(f: FieldDef): ValueKind {
  if (f.kind === 'relation') return 'entity';
  const a = atomDef(f);
  if (f.name === '$team' || a.format === 'team') return 'team';
  if (a.format === 'user') return 'user';
  if (a.enum && a.enum.length) return 'enum';
  if (a.format === 'date-time' || a.format === 'timer') return 'date';
  switch (a.type) {
    case 'number':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'string':
      return 'text';
  }
  return 'any';
}

/** operatorsFor lists the operators valid for a field, most useful first. */
export function operatorsFor(f: FieldDef): string[] {
  if (f.kind === 'relation') return [...EQUALITY, ...EMPTY];
  const isArray = f.type === 'array' || f.name === '$team';
  const a = atomDef(f);
  if (!isArray && a.type === 'object') return EMPTY;
  if (isArray && a.type === 'object') return EMPTY;
  const kind = valueKind(f);
  let ops: string[];
  switch (kind) {
    case 'date':
      ops = ['between', 'notBetween', ...ORDER];
      if (a.format === 'timer') ops = ['isExpired', 'isNotExpired', ...ops];
      break;
    case 'number':
      ops = ['=', '!=', ...ORDER, 'in', 'notIn'];
      break;
    case 'boolean':
      ops = ['=', '!='];
      break;
    case 'enum':
    case 'user':
    case 'team':
      ops = [...EQUALITY];
      break;
    case 'text':
      ops = [...TEXT];
      break;
    default:
      // A mirror property: any type.
      ops = ['=', '!=', 'contains', 'doesNotContains', 'in', 'notIn'];
  }
  if (f.name === '$identifier' || f.name === '$title') return ops;
  if (f.name === '$createdAt' || f.name === '$updatedAt') return ops;
  if (isArray) ops = ['containsAny', ...ops.filter((o) => o !== 'in' && o !== 'notIn' && !RANGE_OPS.has(o))];
  return [...ops, ...EMPTY];
}

/** defaultValue for a new operator: keeps what still fits. */
export function coerceValue(op: string, prev: unknown): unknown {
  if (NO_VALUE.has(op)) return undefined;
  if (LIST_OPS.has(op)) return Array.isArray(prev) ? prev : prev === undefined || prev === '' || typeof prev === 'object' ? [] : [prev];
  if (RANGE_OPS.has(op)) return prev && typeof prev === 'object' && !Array.isArray(prev) ? prev : { preset: 'lastWeek' };
  if (Array.isArray(prev)) return prev[0];
  if (prev && typeof prev === 'object') return undefined;
  return prev;
}

/** isComplete: the filter has what its operator needs. */
export function isComplete(f: Filter): boolean {
  if (!f.field || !f.operator) return false;
  if (NO_VALUE.has(f.operator)) return true;
  const v = f.value;
  if (LIST_OPS.has(f.operator)) return Array.isArray(v) && v.length > 0;
  if (RANGE_OPS.has(f.operator)) {
    if (!v || typeof v !== 'object') return false;
    const r = v as { preset?: string; from?: string; to?: string };
    return !!r.preset || (!!r.from && !!r.to);
  }
  return v !== undefined && v !== null && v !== '' && !(typeof v === 'number' && Number.isNaN(v));
}

/** toRule turns one complete filter into a query rule. */
export function toRule(f: Filter, def: FieldDef): Rule {
  const rule: Rule = def.kind === 'relation' ? { relation: def.name, operator: f.operator } : { property: def.name, operator: f.operator };
  if (!NO_VALUE.has(f.operator)) rule.value = f.value;
  return rule;
}

/** buildQuery combines the complete filters with "and"; undefined when there are none. */
export function buildQuery(filters: Filter[], fields: FieldDef[]): RuleTree | undefined {
  const byKey = new Map(fields.map((f) => [f.key, f]));
  const rules: Rule[] = [];
  for (const f of filters) {
    const def = byKey.get(f.field);
    if (!def || !isComplete(f)) continue;
    rules.push(toRule(f, def));
  }
  return rules.length ? { combinator: 'and', rules } : undefined;
}

/** andRule appends one rule to a query (for group sections). */
export function andRule(q: RuleTree | undefined, r: Rule): RuleTree {
  return { combinator: 'and', rules: [...(q?.rules ?? []), r] };
}

let seq = 0;
export function newFilterId(): string {
  seq += 1;
  return `f${Date.now().toString(36)}${seq}`;
}
