// Editors of a blueprint's relations, mirror, calculation and aggregation
// properties, and the collapsible row they sit in.
import type { ReactNode } from 'react';
import {
  ActionIcon,
  Autocomplete,
  Badge,
  Collapse,
  Group,
  Paper,
  Select,
  SimpleGrid,
  Stack,
  Switch,
  Text,
  Textarea,
  TextInput,
  UnstyledButton,
} from '@mantine/core';
import type { Blueprint } from '../../api/types';
import { AGG_FUNCS, PROP_TYPES, STRING_FORMATS, type AggFunc, type AggregationDraft, type CalculationDraft, type MirrorDraft, type PropType, type RelationDraft } from './model';
import type { Errors } from './PropertyEditor';

/** Row: a summary line that toggles the editor below it; red when it holds errors. */
export function Row({
  summary,
  badges,
  open,
  onToggle,
  onRemove,
  removeLabel,
  errorCount,
  children,
}: {
  summary: ReactNode;
  badges?: ReactNode;
  open: boolean;
  onToggle: () => void;
  onRemove: () => void;
  removeLabel: string;
  errorCount: number;
  children: ReactNode;
}) {
  return (
    <Paper withBorder radius="md" p="xs" style={errorCount ? { borderColor: 'var(--mantine-color-red-6)' } : undefined}>
      <Group justify="space-between" wrap="nowrap" gap="xs">
        <UnstyledButton onClick={onToggle} aria-expanded={open} style={{ flex: 1, minWidth: 0 }}>
          <Group gap="xs" wrap="nowrap">
            <Text size="sm" c="dimmed" aria-hidden="true" w={12}>
              {open ? '▾' : '▸'}
            </Text>
            <div style={{ minWidth: 0 }}>{summary}</div>
            {badges}
            {errorCount > 0 && (
              <Badge color="red" size="sm" variant="filled">
                {errorCount} {errorCount === 1 ? 'error' : 'errors'}
              </Badge>
            )}
          </Group>
        </UnstyledButton>
        <ActionIcon variant="subtle" color="red" aria-label={removeLabel} onClick={onRemove}>
          ×
        </ActionIcon>
      </Group>
      <Collapse expanded={open}>
        <div style={{ paddingTop: 'var(--mantine-spacing-sm)' }}>{open && children}</div>
      </Collapse>
    </Paper>
  );
}

export function RowSummary({ id, title, placeholder }: { id: string; title: string; placeholder: string }) {
  return (
    <Group gap={6} wrap="nowrap">
      <Text size="sm" fw={600} truncate="end">
        {title || id || placeholder}
      </Text>
      {id && title && (
        <Text size="xs" c="dimmed" className="mono" truncate="end">
          {id}
        </Text>
      )}
    </Group>
  );
}

function bpOptions(blueprints: Blueprint[], self?: string) {
  const opts = blueprints.map((b) => ({ value: b.identifier, label: `${b.title || b.identifier} (${b.identifier})` }));
  if (self && !blueprints.some((b) => b.identifier === self)) opts.push({ value: self, label: `${self} (this blueprint)` });
  return opts;
}

export function RelationEditor({
  value: r,
  onChange,
  errors,
  blueprints,
  self,
}: {
  value: RelationDraft;
  onChange: (p: Partial<RelationDraft>) => void;
  errors: Errors;
  blueprints: Blueprint[];
  self: string;
}) {
  const e = (a: string) => errors[`rel.${r.key}.${a}`];
  const existing = !!r.originalId;
  return (
    <Stack gap="sm">
      {errors[`rel.${r.key}`] && (
        <Text size="sm" c="red" role="alert">
          {errors[`rel.${r.key}`]}
        </Text>
      )}
      <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
        <TextInput
          label="Identifier"
          required
          classNames={{ input: 'mono' }}
          value={r.id}
          onChange={(ev) => onChange({ id: ev.currentTarget.value })}
          error={e('id')}
          description={existing && r.originalId !== r.id ? `Renames ${r.originalId}; entities keep their targets` : undefined}
        />
        <TextInput label="Title" value={r.title} onChange={(ev) => onChange({ title: ev.currentTarget.value })} error={e('title')} />
        <Select
          label="Target blueprint"
          required
          searchable
          data={bpOptions(blueprints, self)}
          value={r.target || null}
          onChange={(t) => onChange({ target: t ?? '' })}
          disabled={existing}
          description={existing ? 'Fixed once created' : undefined}
          error={e('target')}
        />
        <TextInput label="Description" value={r.description} onChange={(ev) => onChange({ description: ev.currentTarget.value })} error={e('description')} />
      </SimpleGrid>
      <Group>
        <Switch
          label="Many: an entity may point at several targets"
          checked={r.many}
          disabled={existing}
          onChange={(ev) => onChange({ many: ev.currentTarget.checked, required: ev.currentTarget.checked ? false : r.required })}
          error={e('many')}
        />
        <Switch
          label="Required"
          checked={r.required}
          disabled={r.many}
          onChange={(ev) => onChange({ required: ev.currentTarget.checked })}
          error={e('required')}
        />
      </Group>
    </Stack>
  );
}

/** mirrorPathSuggestions: relation.property paths reachable in one hop. */
export function mirrorPathSuggestions(relations: RelationDraft[], blueprints: Blueprint[]): string[] {
  const out: string[] = [];
  for (const r of relations) {
    if (!r.id) continue;
    const t = blueprints.find((b) => b.identifier === r.target);
    out.push(`${r.id}.$title`, `${r.id}.$identifier`);
    for (const p of Object.keys(t?.schema?.properties ?? {})) out.push(`${r.id}.${p}`);
  }
  return out;
}

export function MirrorEditor({
  value: m,
  onChange,
  errors,
  suggestions,
}: {
  value: MirrorDraft;
  onChange: (p: Partial<MirrorDraft>) => void;
  errors: Errors;
  suggestions: string[];
}) {
  const e = (a: string) => errors[`mirror.${m.key}.${a}`];
  return (
    <Stack gap="sm">
      {errors[`mirror.${m.key}`] && (
        <Text size="sm" c="red" role="alert">
          {errors[`mirror.${m.key}`]}
        </Text>
      )}
      <SimpleGrid cols={{ base: 1, sm: 3 }} spacing="sm">
        <TextInput
          label="Identifier"
          required
          classNames={{ input: 'mono' }}
          value={m.id}
          onChange={(ev) => onChange({ id: ev.currentTarget.value })}
          error={e('id')}
          description={m.originalId && m.originalId !== m.id ? `Renames ${m.originalId}` : undefined}
        />
        <TextInput label="Title" value={m.title} onChange={(ev) => onChange({ title: ev.currentTarget.value })} error={e('title')} />
        <Autocomplete
          label="Path"
          required
          placeholder="relation.property"
          classNames={{ input: 'mono' }}
          data={suggestions}
          value={m.path}
          onChange={(path) => onChange({ path })}
          error={e('path')}
          description="A relation chain ending in a property, e.g. service.tier"
        />
      </SimpleGrid>
    </Stack>
  );
}

export function CalculationEditor({
  value: c,
  onChange,
  errors,
}: {
  value: CalculationDraft;
  onChange: (p: Partial<CalculationDraft>) => void;
  errors: Errors;
}) {
  const e = (a: string) => errors[`calc.${c.key}.${a}`];
  return (
    <Stack gap="sm">
      {errors[`calc.${c.key}`] && (
        <Text size="sm" c="red" role="alert">
          {errors[`calc.${c.key}`]}
        </Text>
      )}
      <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
        <TextInput label="Identifier" required classNames={{ input: 'mono' }} value={c.id} onChange={(ev) => onChange({ id: ev.currentTarget.value })} error={e('id')} />
        <TextInput label="Title" value={c.title} onChange={(ev) => onChange({ title: ev.currentTarget.value })} error={e('title')} />
        <Select
          label="Result type"
          data={PROP_TYPES}
          value={c.type}
          allowDeselect={false}
          onChange={(t) => onChange({ type: (t ?? 'string') as PropType, format: '' })}
          error={e('type')}
        />
        {c.type === 'string' ? (
          <Select
            label="Format"
            placeholder="None"
            clearable
            data={[...STRING_FORMATS]}
            value={c.format || null}
            onChange={(f) => onChange({ format: f ?? '' })}
            error={e('format')}
          />
        ) : (
          <TextInput label="Description" value={c.description} onChange={(ev) => onChange({ description: ev.currentTarget.value })} error={e('description')} />
        )}
      </SimpleGrid>
      <Textarea
        label="Calculation (jq)"
        required
        classNames={{ input: 'mono' }}
        autosize
        minRows={2}
        placeholder={'.properties.replicas * 2'}
        value={c.calculation}
        onChange={(ev) => onChange({ calculation: ev.currentTarget.value })}
        error={e('calculation')}
        description="A jq expression over the entity document"
      />
    </Stack>
  );
}

const AVERAGE_OF = [
  { value: 'total', label: 'in total' },
  { value: 'hour', label: 'per hour' },
  { value: 'day', label: 'per day' },
  { value: 'week', label: 'per week' },
  { value: 'month', label: 'per month' },
];

export function AggregationEditor({
  value: a,
  onChange,
  errors,
  blueprints,
}: {
  value: AggregationDraft;
  onChange: (p: Partial<AggregationDraft>) => void;
  errors: Errors;
  blueprints: Blueprint[];
}) {
  const e = (x: string) => errors[`agg.${a.key}.${x}`];
  const target = blueprints.find((b) => b.identifier === a.target);
  const numberProps = Object.entries(target?.schema?.properties ?? {})
    .filter(([, p]) => p?.type === 'number')
    .map(([id, p]) => ({ value: id, label: p?.title ? `${p.title} (${id})` : id }));
  const needsProperty = a.func !== 'count' && !(a.func === 'average' && a.averageOf !== 'total');
  return (
    <Stack gap="sm">
      {errors[`agg.${a.key}`] && (
        <Text size="sm" c="red" role="alert">
          {errors[`agg.${a.key}`]}
        </Text>
      )}
      <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
        <TextInput label="Identifier" required classNames={{ input: 'mono' }} value={a.id} onChange={(ev) => onChange({ id: ev.currentTarget.value })} error={e('id')} />
        <TextInput label="Title" value={a.title} onChange={(ev) => onChange({ title: ev.currentTarget.value })} error={e('title')} />
        <Select
          label="Over entities of"
          required
          searchable
          data={bpOptions(blueprints)}
          value={a.target || null}
          onChange={(t) => onChange({ target: t ?? '', property: '' })}
          error={e('target')}
        />
        <Select
          label="Function"
          data={[...AGG_FUNCS]}
          value={a.func}
          allowDeselect={false}
          onChange={(f) => onChange({ func: (f ?? 'count') as AggFunc })}
          error={e('func')}
        />
        {a.func === 'average' && (
          <Select label="Average" data={AVERAGE_OF} value={a.averageOf} allowDeselect={false} onChange={(v) => onChange({ averageOf: v ?? 'total' })} />
        )}
        {a.func !== 'count' && (
          <Select
            label={needsProperty ? 'Property (a number)' : 'Property (optional)'}
            description={needsProperty ? undefined : 'Empty: the average number of entities per period'}
            required={needsProperty}
            clearable={!needsProperty}
            searchable
            data={numberProps}
            value={a.property || null}
            onChange={(p) => onChange({ property: p ?? '' })}
            nothingFoundMessage={a.target ? 'The target has no number property' : 'Pick the target first'}
            error={e('property')}
          />
        )}
      </SimpleGrid>
      <Textarea
        label="Filter (query JSON, optional)"
        classNames={{ input: 'mono' }}
        autosize
        minRows={2}
        placeholder={'{"combinator": "and", "rules": [{"property": "status", "operator": "=", "value": "Open"}]}'}
        value={a.query}
        onChange={(ev) => onChange({ query: ev.currentTarget.value })}
        error={e('query')}
      />
    </Stack>
  );
}

export function typeBadges(items: (string | false | undefined)[]) {
  return (
    <Group gap={4} wrap="nowrap">
      {items.filter(Boolean).map((t) => (
        <Badge key={t as string} size="xs" variant="light" color="gray">
          {t}
        </Badge>
      ))}
    </Group>
  );
}
