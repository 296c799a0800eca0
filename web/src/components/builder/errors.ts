// Server validation errors (details.fields[{field, reason}]) → the blueprint
// editor's controls. Control names: "identifier", "title", "description", "icon",
// "ownership.type|path|title", and per row "<kind>.<rowKey>.<attr>" with kind
// prop, rel, mirror, calc, agg; "<kind>.<rowKey>" for a row as a whole.
import type { FieldError } from '../../api/client';
import type { BlueprintDraft } from './model';

export interface MappedErrors {
  controls: Record<string, string>;
  /** Errors no control shows: the form-level alert lists them. */
  unmatched: FieldError[];
}

/** splitPath turns "a.b[0].c" into ["a", "b", "0", "c"]. */
export function splitPath(path: string): string[] {
  return path
    .replace(/\[(\d+)\]/g, '.$1')
    .split('.')
    .filter((s) => s !== '');
}

const PROP_ATTRS: Record<string, string> = {
  type: 'type',
  title: 'title',
  description: 'description',
  icon: 'icon',
  format: 'format',
  enum: 'enum',
  enumColors: 'enum',
  minLength: 'minLength',
  maxLength: 'maxLength',
  pattern: 'pattern',
  minimum: 'minimum',
  maximum: 'maximum',
  exclusiveMinimum: 'minimum',
  exclusiveMaximum: 'maximum',
  minItems: 'minItems',
  maxItems: 'maxItems',
  uniqueItems: 'uniqueItems',
  default: 'default',
};
const ITEMS_ATTRS: Record<string, string> = { type: 'itemsType', format: 'format', enum: 'enum', enumColors: 'enum' };
const REL_ATTRS = ['title', 'description', 'target', 'many', 'required'];
const MIRROR_ATTRS = ['title', 'path'];
const CALC_ATTRS: Record<string, string> = {
  title: 'title',
  description: 'description',
  calculation: 'calculation',
  type: 'type',
  format: 'format',
  colors: 'calculation',
  spec: 'calculation',
};

/** controlForField names the control showing a server error on `field`, or undefined. */
export function controlForField(field: string, d: BlueprintDraft): string | undefined {
  const seg = splitPath(field);
  const [head] = seg;
  if (!head) return undefined;
  if (seg.length === 1 && ['identifier', 'title', 'description', 'icon'].includes(head)) return head;
  if (head === 'ownership') {
    const attr = seg[1];
    return attr === 'path' || attr === 'title' ? `ownership.${attr}` : 'ownership.type';
  }
  if (head === 'schema' && seg[1] === 'properties' && seg[2]) {
    const p = d.properties.find((x) => x.id === seg[2]);
    if (!p) return undefined;
    const attr = seg[3];
    if (!attr) return `prop.${p.key}`;
    if (attr === 'items') {
      const sub = seg[4] ? ITEMS_ATTRS[seg[4]] : undefined;
      return sub ? `prop.${p.key}.${sub}` : `prop.${p.key}`;
    }
    const mapped = PROP_ATTRS[attr];
    return mapped ? `prop.${p.key}.${mapped}` : `prop.${p.key}`;
  }
  if (head === 'schema' && seg[1] === 'required' && seg.length >= 2) {
    // "schema.required[0]": the property named there, when it is one of ours.
    return undefined;
  }
  const row = <T extends { id: string; key: string }>(rows: T[], kind: string, attrOf: (a: string | undefined) => string | undefined) => {
    const r = rows.find((x) => x.id === seg[1]);
    if (!r) return undefined;
    const attr = attrOf(seg[2]);
    return attr ? `${kind}.${r.key}.${attr}` : `${kind}.${r.key}`;
  };
  if (head === 'relations' && seg[1]) return row(d.relations, 'rel', (a) => (a && REL_ATTRS.includes(a) ? a : undefined));
  if (head === 'mirrorProperties' && seg[1]) return row(d.mirrors, 'mirror', (a) => (a && MIRROR_ATTRS.includes(a) ? a : undefined));
  if (head === 'calculationProperties' && seg[1]) return row(d.calculations, 'calc', (a) => (a ? CALC_ATTRS[a] : undefined));
  if (head === 'aggregationProperties' && seg[1]) {
    return row(d.aggregations, 'agg', (a) => {
      if (!a) return undefined;
      if (a === 'title' || a === 'description' || a === 'target' || a === 'query') return a;
      if (a === 'calculationSpec') {
        const sub = seg[3];
        return sub === 'property' ? 'property' : 'func';
      }
      if (a === 'pathFilter') return 'query';
      return undefined;
    });
  }
  return undefined;
}

/** mapBlueprintErrors places every server field error on its control, or in `unmatched`. */
export function mapBlueprintErrors(fields: FieldError[], d: BlueprintDraft): MappedErrors {
  const controls: Record<string, string> = {};
  const unmatched: FieldError[] = [];
  for (const f of fields) {
    const c = controlForField(f.field, d);
    if (!c) unmatched.push(f);
    else if (!(c in controls)) controls[c] = f.reason;
    else controls[c] = `${controls[c]}; ${f.reason}`;
  }
  return { controls, unmatched };
}

/** errorsUnder: the errors of a row ("prop.k3") or tab prefix, counting the row's own entry. */
export function errorsUnder(controls: Record<string, string>, prefix: string): string[] {
  return Object.keys(controls).filter((k) => k === prefix || k.startsWith(prefix + '.'));
}
