// HistoryDiff: the changes of one version, as "field: old → new".
import { Badge, Group, Table, Text } from '@mantine/core';
import type { Blueprint, FieldChange } from '../../api/types';
import { blueprintFields, type ValueDef } from './fields';
import { PropertyValue, chipProps } from './values/PropertyValue';

/** describePath names a change's field and the schema of its value. */
export function describePath(path: string, bp?: Blueprint): { label: string; def: ValueDef } {
  if (path === 'title') return { label: 'Title', def: { type: 'string' } };
  if (path === 'icon') return { label: 'Icon', def: { type: 'string' } };
  if (path === 'team') return { label: 'Team', def: { type: 'array', items: { type: 'string', format: 'team' } } };
  const fields = blueprintFields(bp);
  if (path.startsWith('relations.')) {
    const name = path.slice('relations.'.length);
    const f = fields.find((x) => x.kind === 'relation' && x.name === name);
    return { label: f ? f.title : name, def: f ? { target: f.target } : { type: 'string' } };
  }
  const name = path.startsWith('properties.') ? path.slice('properties.'.length) : path;
  const f = fields.find((x) => x.kind !== 'relation' && x.kind !== 'meta' && x.name === name);
  return { label: f ? f.title : name, def: f ?? {} };
}

const OP_COLOR = { add: 'green', remove: 'red', replace: 'blue' } as const;
const OP_LABEL = { add: 'set', remove: 'cleared', replace: 'changed' } as const;

export function HistoryDiff({ changes, blueprint }: { changes: FieldChange[]; blueprint?: Blueprint }) {
  if (changes.length === 0)
    return (
      <Text size="sm" c="dimmed">
        No field changed.
      </Text>
    );
  return (
    <Table verticalSpacing={4} withRowBorders={false} aria-label="Changes">
      <Table.Tbody>
        {changes.map((c) => {
          const { label, def } = describePath(c.path, blueprint);
          return (
            <Table.Tr key={c.path} data-testid="change">
              <Table.Td w={200} style={{ verticalAlign: 'top' }}>
                <Group gap={6} wrap="nowrap">
                  <Badge size="xs" variant="light" color={OP_COLOR[c.op]} {...chipProps(OP_COLOR[c.op])}>
                    {OP_LABEL[c.op]}
                  </Badge>
                  <Text size="sm" fw={500} title={c.path}>
                    {label}
                  </Text>
                </Group>
              </Table.Td>
              <Table.Td>
                <Group gap={8} wrap="wrap" align="center">
                  {c.op !== 'add' && (
                    <span className="diff-old" aria-label="old value" style={{ textDecoration: c.op === 'remove' ? 'line-through' : undefined }}>
                      <PropertyValue value={c.from} def={def} compact />
                    </span>
                  )}
                  {c.op === 'replace' && (
                    <Text span c="dimmed" aria-hidden="true">
                      →
                    </Text>
                  )}
                  {c.op !== 'remove' && (
                    <span className="diff-new" aria-label="new value">
                      <PropertyValue value={c.to} def={def} compact />
                    </span>
                  )}
                </Group>
              </Table.Td>
            </Table.Tr>
          );
        })}
      </Table.Tbody>
    </Table>
  );
}
