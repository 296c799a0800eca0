// FilterBuilder: property → operator (only those valid for its type) → value,
// rows combined with "and".
import { ActionIcon, Button, Group, MultiSelect, NumberInput, Select, Stack, TagsInput, Text, TextInput } from '@mantine/core';
import type { FieldDef } from '../entity/fields';
import { EntityPicker } from './EntityPicker';
import {
  DATE_PRESETS,
  LIST_OPS,
  NO_VALUE,
  OPERATOR_LABELS,
  RANGE_OPS,
  atomDef,
  coerceValue,
  newFilterId,
  operatorsFor,
  valueKind,
  type Filter,
} from './filters';

const KIND_GROUP: Record<string, string> = {
  meta: 'Meta',
  property: 'Properties',
  mirror: 'Computed',
  calculation: 'Computed',
  aggregation: 'Computed',
  relation: 'Relations',
};

export function fieldOptions(fields: FieldDef[]) {
  const groups = new Map<string, { value: string; label: string }[]>();
  for (const f of fields) {
    const g = KIND_GROUP[f.kind];
    if (!groups.has(g)) groups.set(g, []);
    groups.get(g)!.push({ value: f.key, label: f.title });
  }
  return [...groups.entries()].map(([group, items]) => ({ group, items }));
}

/** toLocalInput / fromLocalInput convert RFC 3339 to and from <input type="datetime-local">. */
export function toLocalInput(iso: unknown): string {
  if (typeof iso !== 'string' || !iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
export function fromLocalInput(s: string): string | undefined {
  if (!s) return undefined;
  const d = new Date(s);
  if (Number.isNaN(d.getTime())) return undefined;
  return d.toISOString().replace(/\.000Z$/, 'Z');
}

interface ValueProps {
  def: FieldDef;
  operator: string;
  value: unknown;
  onChange: (v: unknown) => void;
}

export function ValueEditor({ def, operator, value, onChange }: ValueProps) {
  if (NO_VALUE.has(operator)) return null;
  const label = `${def.title} value`;
  const kind = valueKind(def);
  const list = LIST_OPS.has(operator);
  const a = atomDef(def);

  if (RANGE_OPS.has(operator)) {
    const r = (value && typeof value === 'object' ? value : {}) as { preset?: string; from?: string; to?: string };
    const custom = !r.preset;
    return (
      <Group gap={6} wrap="nowrap">
        <Select
          aria-label={`${def.title} range`}
          size="xs"
          w={150}
          data={[...DATE_PRESETS, { value: 'custom', label: 'Custom range…' }]}
          value={custom ? 'custom' : r.preset}
          onChange={(v) => onChange(v === 'custom' || !v ? { from: r.from ?? '', to: r.to ?? '' } : { preset: v })}
          allowDeselect={false}
        />
        {custom && (
          <>
            <TextInput
              type="datetime-local"
              size="xs"
              w={185}
              aria-label={`${def.title} from`}
              value={toLocalInput(r.from)}
              onChange={(e) => onChange({ from: fromLocalInput(e.currentTarget.value) ?? '', to: r.to ?? '' })}
            />
            <TextInput
              type="datetime-local"
              size="xs"
              w={185}
              aria-label={`${def.title} to`}
              value={toLocalInput(r.to)}
              onChange={(e) => onChange({ from: r.from ?? '', to: fromLocalInput(e.currentTarget.value) ?? '' })}
            />
          </>
        )}
      </Group>
    );
  }

  switch (kind) {
    case 'entity':
      return <EntityPicker blueprint={def.target!} label={label} multiple={list} value={value} onChange={onChange} />;
    case 'user':
      return <EntityPicker blueprint="_user" label={label} multiple={list || operator === 'containsAny'} value={value} onChange={onChange} />;
    case 'team':
      return <EntityPicker blueprint="_team" label={label} multiple={list} value={value} onChange={onChange} />;
    case 'enum': {
      const data = (a.enum ?? []).map((v) => ({ value: String(v), label: String(v) }));
      const back = (s: string) => (a.enum ?? []).find((v) => String(v) === s) ?? s;
      return list ? (
        <MultiSelect aria-label={label} size="xs" miw={180} data={data} value={Array.isArray(value) ? value.map(String) : []} onChange={(v) => onChange(v.map(back))} />
      ) : (
        <Select aria-label={label} size="xs" w={180} data={data} value={value === undefined ? null : String(value)} onChange={(v) => onChange(v === null ? undefined : back(v))} />
      );
    }
    case 'boolean':
      return (
        <Select
          aria-label={label}
          size="xs"
          w={110}
          data={[
            { value: 'true', label: 'true' },
            { value: 'false', label: 'false' },
          ]}
          value={value === undefined ? null : String(value)}
          onChange={(v) => onChange(v === null ? undefined : v === 'true')}
        />
      );
    case 'date':
      return (
        <TextInput
          type="datetime-local"
          size="xs"
          aria-label={label}
          value={toLocalInput(value)}
          onChange={(e) => onChange(fromLocalInput(e.currentTarget.value))}
        />
      );
    case 'number':
      if (list)
        return (
          <TagsInput
            aria-label={label}
            size="xs"
            miw={180}
            value={Array.isArray(value) ? value.map(String) : []}
            onChange={(v) => onChange(v.map(Number).filter((n) => Number.isFinite(n)))}
            placeholder="Type and press Enter"
          />
        );
      return (
        <NumberInput
          aria-label={label}
          size="xs"
          w={130}
          value={typeof value === 'number' ? value : ''}
          onChange={(v) => onChange(typeof v === 'number' ? v : v === '' ? undefined : Number(v))}
        />
      );
  }
  if (list)
    return (
      <TagsInput
        aria-label={label}
        size="xs"
        miw={180}
        value={Array.isArray(value) ? value.map(String) : []}
        onChange={(v) => onChange(v)}
        placeholder="Type and press Enter"
      />
    );
  return (
    <TextInput
      aria-label={label}
      size="xs"
      w={180}
      value={typeof value === 'string' ? value : value === undefined ? '' : String(value)}
      onChange={(e) => onChange(e.currentTarget.value)}
    />
  );
}

interface Props {
  fields: FieldDef[];
  filters: Filter[];
  onChange: (filters: Filter[]) => void;
}

export function FilterBuilder({ fields, filters, onChange }: Props) {
  const byKey = new Map(fields.map((f) => [f.key, f]));
  const options = fieldOptions(fields);
  const update = (id: string, patch: Partial<Filter>) => onChange(filters.map((f) => (f.id === id ? { ...f, ...patch } : f)));
  const add = () => {
    const def = fields.find((f) => f.kind === 'property' && !NO_VALUE.has(operatorsFor(f)[0])) ?? fields.find((f) => f.kind === 'property') ?? fields[0];
    if (!def) return;
    onChange([...filters, { id: newFilterId(), field: def.key, operator: operatorsFor(def)[0], value: coerceValue(operatorsFor(def)[0], undefined) }]);
  };
  return (
    <Stack gap={6} role="group" aria-label="Filters">
      {filters.map((f, i) => {
        const def = byKey.get(f.field);
        const ops = def ? operatorsFor(def) : [];
        return (
          <Group key={f.id} gap={6} wrap="wrap" data-testid="filter-row">
            <Text size="xs" c="dimmed" w={34} ta="right">
              {i === 0 ? 'where' : 'and'}
            </Text>
            <Select
              aria-label={`Filter ${i + 1} property`}
              size="xs"
              w={170}
              searchable
              data={options}
              value={f.field}
              allowDeselect={false}
              onChange={(key) => {
                const nd = key ? byKey.get(key) : undefined;
                if (!nd) return;
                const op = operatorsFor(nd)[0];
                update(f.id, { field: nd.key, operator: op, value: coerceValue(op, undefined) });
              }}
            />
            <Select
              aria-label={`Filter ${i + 1} operator`}
              size="xs"
              w={150}
              data={ops.map((o) => ({ value: o, label: OPERATOR_LABELS[o] ?? o }))}
              value={f.operator}
              allowDeselect={false}
              onChange={(op) => op && update(f.id, { operator: op, value: coerceValue(op, f.value) })}
            />
            {def && <ValueEditor def={def} operator={f.operator} value={f.value} onChange={(v) => update(f.id, { value: v })} />}
            <ActionIcon
              variant="subtle"
              color="gray"
              aria-label={`Remove filter ${i + 1}`}
              onClick={() => onChange(filters.filter((x) => x.id !== f.id))}
            >
              ✕
            </ActionIcon>
          </Group>
        );
      })}
      <Group gap="xs">
        <Button size="xs" variant="light" onClick={add}>
          + Add filter
        </Button>
        {filters.length > 0 && (
          <Button size="xs" variant="subtle" color="gray" onClick={() => onChange([])}>
            Clear filters
          </Button>
        )}
      </Group>
    </Stack>
  );
}
