// Field definitions: every column / filterable field of a blueprint — the
// meta-properties, stored properties, computed ones (mirror, calculation,
// aggregation; the catalog materialises them in `properties`) and relations.
import type { Blueprint, Entity } from '../../api/types';

export type FieldKind = 'meta' | 'property' | 'mirror' | 'calculation' | 'aggregation' | 'relation';

/** The schema bits the value renderers need. */
export interface ValueDef {
  type?: string;
  format?: string;
  spec?: string;
  enum?: unknown[] | null;
  enumColors?: Record<string, string>;
  items?: ValueDef;
  /** For relations: the target blueprint (values link to its entities). */
  target?: string;
  many?: boolean;
}

export interface FieldDef extends ValueDef {
  /** $identifier, $title, … for meta; the property name; "relations.<name>" for relations. */
  key: string;
  /** The name used in rules and sort (property name, meta name, relation name). */
  name: string;
  title: string;
  kind: FieldKind;
  description?: string;
}

export const META_FIELDS: FieldDef[] = [
  { key: '$identifier', name: '$identifier', title: 'Identifier', kind: 'meta', type: 'string' },
  { key: '$title', name: '$title', title: 'Title', kind: 'meta', type: 'string' },
  { key: '$team', name: '$team', title: 'Team', kind: 'meta', type: 'array', items: { type: 'string', format: 'team' } },
  { key: '$createdAt', name: '$createdAt', title: 'Created', kind: 'meta', type: 'string', format: 'date-time' },
  { key: '$updatedAt', name: '$updatedAt', title: 'Updated', kind: 'meta', type: 'string', format: 'date-time' },
];

/** blueprintFields lists every field of a blueprint, meta first, then properties, computed, relations. */
export function blueprintFields(bp: Blueprint | undefined): FieldDef[] {
  const out: FieldDef[] = [...META_FIELDS];
  if (!bp) return out;
  for (const [name, p] of Object.entries(bp.schema?.properties ?? {})) {
    out.push({
      key: name,
      name,
      title: p.title || name,
      kind: 'property',
      type: p.type,
      format: p.format,
      spec: p.spec,
      enum: p.enum,
      enumColors: p.enumColors,
      items: p.items as ValueDef | undefined,
      description: p.description,
    });
  }
  for (const [name, m] of Object.entries(bp.mirrorProperties ?? {})) {
    out.push({ key: name, name, title: m.title || name, kind: 'mirror', type: undefined });
  }
  for (const [name, c] of Object.entries(bp.calculationProperties ?? {})) {
    out.push({
      key: name,
      name,
      title: c.title || name,
      kind: 'calculation',
      type: c.type,
      format: c.format,
      spec: c.spec,
      enumColors: c.colorized ? c.colors : undefined,
      items: (c.items as ValueDef | undefined) ?? undefined,
      description: c.description,
    });
  }
  for (const [name, a] of Object.entries(bp.aggregationProperties ?? {})) {
    out.push({ key: name, name, title: a.title || name, kind: 'aggregation', type: 'number', description: a.description });
  }
  for (const [name, r] of Object.entries(bp.relations ?? {})) {
    out.push({
      key: `relations.${name}`,
      name,
      title: r.title || name,
      kind: 'relation',
      type: r.many ? 'array' : 'string',
      target: r.target,
      many: r.many,
      description: r.description,
    });
  }
  return out;
}

/** fieldValue reads a field of an entity. */
export function fieldValue(e: Entity, f: FieldDef): unknown {
  switch (f.kind) {
    case 'meta':
      switch (f.name) {
        case '$identifier':
          return e.identifier;
        case '$title':
          return e.title;
        case '$team':
          return e.team ?? [];
        case '$createdAt':
          return e.createdAt;
        case '$updatedAt':
          return e.updatedAt;
      }
      return undefined;
    case 'relation':
      return e.relations?.[f.name];
    default:
      return e.properties?.[f.name];
  }
}

/** sortable: the search route sorts by meta-properties and string or number properties. */
export function isSortable(f: FieldDef): boolean {
  if (f.kind === 'meta') return f.name !== '$team';
  if (f.kind === 'relation') return false;
  if (f.kind === 'aggregation') return true;
  return f.type === 'string' || f.type === 'number';
}

/** isGroupable: fields countValues can group by. */
export function isGroupable(f: FieldDef): boolean {
  if (f.kind === 'meta') return f.name === '$team';
  if (f.kind === 'relation') return true;
  if (f.kind !== 'property') return false;
  if (f.type === 'boolean' || f.type === 'number') return true;
  if (f.type === 'string') return !['markdown', 'yaml', 'date-time', 'timer', 'proto'].includes(f.format ?? '');
  if (f.type === 'array') return !!f.items && f.items.type !== 'object';
  return false;
}
