// One entity property's control, chosen by its input kind (entityModel.kindOf).
import { useState } from 'react';
import {
  Group,
  Input,
  MultiSelect,
  NumberInput,
  Paper,
  SegmentedControl,
  Select,
  SimpleGrid,
  Stack,
  TagsInput,
  Text,
  Textarea,
  TextInput,
} from '@mantine/core';
import type { BlueprintProperty } from '../../api/types';
import { EntityMultiPicker, EntityPicker } from './EntityPicker';
import type { FieldValue, Kind, LabeledUrl } from './entityModel';
import { MarkdownPreview } from './MarkdownPreview';

export interface PropertyInputProps {
  id: string;
  property: BlueprintProperty;
  kind: Kind;
  value: FieldValue;
  onChange: (v: FieldValue) => void;
  required: boolean;
  error?: string;
}

function enumData(p: BlueprintProperty): string[] {
  const src = p.type === 'array' ? p.items?.enum : p.enum;
  return (src ?? []).map(String);
}

function MarkdownInput({ label, description, value, onChange, error, required }: { label: string; description?: string; value: string; onChange: (v: string) => void; error?: string; required: boolean }) {
  const [mode, setMode] = useState<'write' | 'preview'>('write');
  return (
    <Stack gap={4}>
      <Group justify="space-between" align="end">
        <Input.Label required={required}>{label}</Input.Label>
        <SegmentedControl
          size="xs"
          aria-label={`${label}: write or preview`}
          data={[
            { value: 'write', label: 'Write' },
            { value: 'preview', label: 'Preview' },
          ]}
          value={mode}
          onChange={(m) => setMode(m as 'write' | 'preview')}
        />
      </Group>
      {mode === 'write' ? (
        <Textarea
          aria-label={label}
          description={description ?? 'Markdown'}
          autosize
          minRows={4}
          maxRows={16}
          value={value}
          onChange={(e) => onChange(e.currentTarget.value)}
          error={error}
        />
      ) : (
        <Paper withBorder p="sm" radius="sm" mih={100}>
          <MarkdownPreview value={value} />
          {error && (
            <Text size="xs" c="red" role="alert">
              {error}
            </Text>
          )}
        </Paper>
      )}
    </Stack>
  );
}

export function PropertyInput({ id, property: p, kind, value, onChange, required, error }: PropertyInputProps) {
  const label = p.title || id;
  const description = p.description || undefined;
  const common = { label, description, error, withAsterisk: required };
  const text = typeof value === 'string' ? value : '';
  const list = Array.isArray(value) ? value : [];
  switch (kind) {
    case 'boolean':
      return (
        <Select
          {...common}
          data={[
            { value: 'true', label: 'Yes' },
            { value: 'false', label: 'No' },
          ]}
          placeholder="Not set"
          clearable={!required}
          value={text || null}
          onChange={(v) => onChange(v ?? '')}
        />
      );
    case 'number':
      return (
        <NumberInput
          {...common}
          value={text === '' ? '' : Number(text)}
          min={p.minimum}
          max={p.maximum}
          clampBehavior="none"
          onChange={(v) => onChange(v === '' || v === null || v === undefined ? '' : String(v))}
        />
      );
    case 'enum':
      return <Select {...common} data={enumData(p)} placeholder="Choose" clearable={!required} searchable value={text || null} onChange={(v) => onChange(v ?? '')} />;
    case 'multi-enum':
      return <MultiSelect {...common} data={enumData(p)} placeholder={list.length ? undefined : 'Choose'} searchable clearable value={list} onChange={onChange} />;
    case 'datetime':
      return (
        <TextInput
          {...common}
          type="datetime-local"
          description={description ?? (p.format === 'timer' ? 'A future time, in your time zone' : 'In your time zone')}
          value={text}
          onChange={(e) => onChange(e.currentTarget.value)}
        />
      );
    case 'email':
      return <TextInput {...common} type="email" placeholder="name@example.com" value={text} onChange={(e) => onChange(e.currentTarget.value)} />;
    case 'url':
      return <TextInput {...common} type="url" placeholder="https://" value={text} onChange={(e) => onChange(e.currentTarget.value)} />;
    case 'user':
      return <EntityPicker blueprint="_user" label={label} description={description} error={error} required={required} placeholder="Search users" value={text} onChange={onChange} />;
    case 'team':
      return <EntityPicker blueprint="_team" label={label} description={description} error={error} required={required} placeholder="Search teams" value={text} onChange={onChange} />;
    case 'users':
      return <EntityMultiPicker blueprint="_user" label={label} description={description} error={error} required={required} placeholder="Search users" value={list} onChange={onChange} />;
    case 'teams':
      return <EntityMultiPicker blueprint="_team" label={label} description={description} error={error} required={required} placeholder="Search teams" value={list} onChange={onChange} />;
    case 'yaml':
    case 'proto':
      return (
        <Textarea
          {...common}
          description={description ?? (kind === 'yaml' ? 'YAML' : 'Protocol Buffers')}
          classNames={{ input: 'mono' }}
          autosize
          minRows={3}
          maxRows={16}
          spellCheck={false}
          value={text}
          onChange={(e) => onChange(e.currentTarget.value)}
        />
      );
    case 'markdown':
      return <MarkdownInput label={label} description={description} value={text} onChange={onChange} error={error} required={required} />;
    case 'json':
      return (
        <Textarea
          {...common}
          description={description ?? (p.type === 'array' ? 'A JSON array' : 'A JSON object')}
          classNames={{ input: 'mono' }}
          autosize
          minRows={3}
          maxRows={16}
          spellCheck={false}
          placeholder={p.type === 'array' ? '[]' : '{}'}
          value={text}
          onChange={(e) => onChange(e.currentTarget.value)}
        />
      );
    case 'labeled-url': {
      const lu = (typeof value === 'object' && !Array.isArray(value) ? value : { url: '', displayText: '' }) as LabeledUrl;
      return (
        <Stack gap={4} role="group" aria-label={label}>
          <Input.Label required={required}>{label}</Input.Label>
          <SimpleGrid cols={2} spacing="xs">
            <TextInput aria-label={`${label} URL`} type="url" placeholder="https://" value={lu.url} onChange={(e) => onChange({ ...lu, url: e.currentTarget.value })} error={error} />
            <TextInput aria-label={`${label} text`} placeholder="Display text" value={lu.displayText} onChange={(e) => onChange({ ...lu, displayText: e.currentTarget.value })} />
          </SimpleGrid>
        </Stack>
      );
    }
    case 'tags':
    case 'number-tags':
      return (
        <TagsInput
          {...common}
          description={description ?? (p.items?.format ? `${p.items.format} values; press Enter after each` : 'Press Enter after each value')}
          value={list}
          onChange={onChange}
          clearable
        />
      );
    default:
      return (
        <TextInput
          {...common}
          placeholder={p.format === 'ipv4' ? '10.0.0.1' : p.format === 'ipv6' ? '2001:db8::1' : undefined}
          value={text}
          maxLength={p.maxLength}
          onChange={(e) => onChange(e.currentTarget.value)}
        />
      );
  }
}
