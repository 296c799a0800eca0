// One property of a blueprint: identifier, title, type and format, enum values
// with colors, constraints per type, default and required.
import { ActionIcon, Button, ColorSwatch, Group, Input, NumberInput, Select, SimpleGrid, Stack, Switch, Text, Textarea, TextInput } from '@mantine/core';
import {
  ENUM_COLORS,
  OBJECT_FORMATS,
  PROP_TYPES,
  STRING_FORMATS,
  type EnumOption,
  type ItemType,
  type PropertyDraft,
  type PropType,
} from './model';
import { mantineColor } from '../entity/values/PropertyValue';

export type Errors = Record<string, string>;

/** Swatch shows a Port enum color as the entity pages draw it (mantineColor). */
function Swatch({ color }: { color: string }) {
  const m = mantineColor(color);
  return <ColorSwatch size={12} color={`var(--mantine-color-${m}-6, ${m})`} aria-hidden="true" />;
}

const ITEM_TYPES: ItemType[] = ['string', 'number', 'boolean', 'object'];

export function formatOptions(type: PropType, itemsType: ItemType): string[] {
  const t = type === 'array' ? itemsType : type;
  if (t === 'string') return [...STRING_FORMATS];
  if (t === 'object') return [...OBJECT_FORMATS];
  return [];
}

/** The text typed into a number field, kept as text so "" means unset. */
function NumText({ label, value, onChange, error }: { label: string; value: string; onChange: (v: string) => void; error?: string }) {
  return (
    <NumberInput
      label={label}
      value={value === '' ? '' : Number(value)}
      onChange={(v) => onChange(v === '' || v === undefined || v === null ? '' : String(v))}
      error={error}
      allowDecimal
    />
  );
}

export function EnumEditor({
  values,
  onChange,
  withColors,
  numeric,
  error,
  label = 'Enum values',
}: {
  values: EnumOption[];
  onChange: (v: EnumOption[]) => void;
  withColors: boolean;
  numeric: boolean;
  error?: string;
  label?: string;
}) {
  const set = (i: number, patch: Partial<EnumOption>) => onChange(values.map((v, j) => (j === i ? { ...v, ...patch } : v)));
  return (
    <Stack gap={6} role="group" aria-label={label}>
      <Input.Label>{label}</Input.Label>
      {values.length === 0 && (
        <Text size="xs" c="dimmed">
          Any value is allowed. Add values to offer a fixed choice.
        </Text>
      )}
      {values.map((v, i) => (
        <Group key={i} gap="xs" wrap="nowrap">
          <TextInput
            aria-label={`Enum value ${i + 1}`}
            placeholder={numeric ? '42' : 'Value'}
            value={v.value}
            onChange={(e) => set(i, { value: e.currentTarget.value })}
            style={{ flex: 1 }}
            inputMode={numeric ? 'decimal' : undefined}
          />
          {withColors && (
            <Select
              aria-label={`Color of ${v.value || `value ${i + 1}`}`}
              placeholder="Color"
              data={ENUM_COLORS.map((c) => ({ value: c, label: c }))}
              value={v.color || null}
              onChange={(c) => set(i, { color: c ?? '' })}
              clearable
              w={150}
              leftSection={v.color ? <Swatch color={v.color} /> : undefined}
              renderOption={({ option }) => (
                <Group gap={8} wrap="nowrap">
                  <Swatch color={option.value} />
                  <span>{option.label}</span>
                </Group>
              )}
            />
          )}
          <ActionIcon variant="subtle" color="red" aria-label={`Remove enum value ${v.value || i + 1}`} onClick={() => onChange(values.filter((_, j) => j !== i))}>
            ×
          </ActionIcon>
        </Group>
      ))}
      {error && (
        <Text size="xs" c="red" role="alert">
          {error}
        </Text>
      )}
      <Group>
        <Button size="compact-xs" variant="light" onClick={() => onChange([...values, { value: '', color: '' }])}>
          Add value
        </Button>
      </Group>
    </Stack>
  );
}

export function PropertyEditor({
  value,
  onChange,
  errors,
  existing,
}: {
  value: PropertyDraft;
  onChange: (patch: Partial<PropertyDraft>) => void;
  errors: Errors;
  /** The property exists on the server: its type and shape are fixed. */
  existing: boolean;
}) {
  const d = value;
  const e = (attr: string) => errors[`prop.${d.key}.${attr}`];
  const formats = formatOptions(d.type, d.itemsType);
  const scalar = d.type === 'array' ? d.itemsType : d.type;
  const enumable = scalar === 'string' || scalar === 'number';
  return (
    <Stack gap="sm">
      {errors[`prop.${d.key}`] && (
        <Text size="sm" c="red" role="alert">
          {errors[`prop.${d.key}`]}
        </Text>
      )}
      <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
        <TextInput
          label="Identifier"
          required
          classNames={{ input: 'mono' }}
          value={d.id}
          onChange={(ev) => onChange({ id: ev.currentTarget.value })}
          error={e('id')}
          description={d.originalId && d.originalId !== d.id ? `Renames ${d.originalId}; entities keep their values` : undefined}
        />
        <TextInput label="Title" value={d.title} onChange={(ev) => onChange({ title: ev.currentTarget.value })} error={e('title')} />
        <Select
          label="Type"
          data={PROP_TYPES}
          value={d.type}
          allowDeselect={false}
          disabled={existing}
          description={existing ? 'Fixed once created' : undefined}
          onChange={(t) => onChange({ type: (t ?? 'string') as PropType, format: '', enumValues: [], default: '' })}
          error={e('type')}
        />
        {d.type === 'array' && (
          <Select
            label="Item type"
            data={ITEM_TYPES}
            value={d.itemsType}
            allowDeselect={false}
            disabled={existing}
            onChange={(t) => onChange({ itemsType: (t ?? 'string') as ItemType, format: '', enumValues: [] })}
            error={e('itemsType')}
          />
        )}
        {formats.length > 0 && (
          <Select
            label={d.type === 'array' ? 'Item format' : 'Format'}
            placeholder="None"
            data={formats}
            value={d.format || null}
            clearable
            onChange={(f) => onChange({ format: f ?? '' })}
            error={e('format')}
          />
        )}
        <TextInput label="Icon" placeholder="e.g. Github" value={d.icon} onChange={(ev) => onChange({ icon: ev.currentTarget.value })} error={e('icon')} />
      </SimpleGrid>
      <TextInput label="Description" value={d.description} onChange={(ev) => onChange({ description: ev.currentTarget.value })} error={e('description')} />
      {enumable && (
        <EnumEditor
          values={d.enumValues}
          onChange={(enumValues) => onChange({ enumValues })}
          withColors={scalar === 'string'}
          numeric={scalar === 'number'}
          error={e('enum')}
        />
      )}
      {d.type === 'string' && (
        <SimpleGrid cols={{ base: 1, sm: 3 }} spacing="sm">
          <NumText label="Min length" value={d.minLength} onChange={(minLength) => onChange({ minLength })} error={e('minLength')} />
          <NumText label="Max length" value={d.maxLength} onChange={(maxLength) => onChange({ maxLength })} error={e('maxLength')} />
          <TextInput
            label="Pattern"
            placeholder="^[a-z]+$"
            classNames={{ input: 'mono' }}
            value={d.pattern}
            onChange={(ev) => onChange({ pattern: ev.currentTarget.value })}
            error={e('pattern')}
          />
        </SimpleGrid>
      )}
      {d.type === 'number' && (
        <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
          <NumText label="Minimum" value={d.minimum} onChange={(minimum) => onChange({ minimum })} error={e('minimum')} />
          <NumText label="Maximum" value={d.maximum} onChange={(maximum) => onChange({ maximum })} error={e('maximum')} />
        </SimpleGrid>
      )}
      {d.type === 'array' && (
        <SimpleGrid cols={{ base: 1, sm: 3 }} spacing="sm">
          <NumText label="Min items" value={d.minItems} onChange={(minItems) => onChange({ minItems })} error={e('minItems')} />
          <NumText label="Max items" value={d.maxItems} onChange={(maxItems) => onChange({ maxItems })} error={e('maxItems')} />
          <Switch
            mt={28}
            label="Unique items"
            checked={d.uniqueItems}
            onChange={(ev) => onChange({ uniqueItems: ev.currentTarget.checked })}
            error={e('uniqueItems')}
          />
        </SimpleGrid>
      )}
      {d.type === 'boolean' ? (
        <Select
          label="Default"
          placeholder="None"
          data={['true', 'false']}
          value={d.default || null}
          clearable
          onChange={(v) => onChange({ default: v ?? '' })}
          error={e('default')}
        />
      ) : d.type === 'object' || d.type === 'array' ? (
        <Textarea
          label="Default (JSON)"
          classNames={{ input: 'mono' }}
          autosize
          minRows={2}
          placeholder={d.type === 'array' ? '["a", "b"]' : '{"key": "value"}'}
          value={d.default}
          onChange={(ev) => onChange({ default: ev.currentTarget.value })}
          error={e('default')}
        />
      ) : (
        <TextInput
          label="Default"
          placeholder="None"
          value={d.default}
          onChange={(ev) => onChange({ default: ev.currentTarget.value })}
          error={e('default')}
        />
      )}
      <Switch label="Required: every entity must have a value" checked={d.required} onChange={(ev) => onChange({ required: ev.currentTarget.checked })} />
    </Stack>
  );
}
