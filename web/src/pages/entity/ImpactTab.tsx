// Impact: what depends on this entity, up to 3 hops (downstream), counted per blueprint.
import { useState } from 'react';
import { Button, Chip, Group, SegmentedControl, Stack, Table, Text } from '@mantine/core';
import { useImpact, type Direction } from '../../components/entity/impact';
import { EmptyState, ErrorState, PageLoader } from '../../components/states';
import { EntityLink } from '../../components/entity/values/PropertyValue';

export function ImpactTab({ blueprint, identifier }: { blueprint: string; identifier: string }) {
  const [direction, setDirection] = useState<Direction>('downstream');
  const [shown, setShown] = useState(200);
  const [only, setOnly] = useState<string | null>(null);
  const q = useImpact(blueprint, identifier, direction, 3);
  const entities = (q.data?.blueprints ?? []).flatMap((b) => b.entities ?? []).sort((a, b) => a.hops - b.hops || a.blueprint.localeCompare(b.blueprint) || a.identifier.localeCompare(b.identifier));
  return (
    <Stack gap="sm">
      <Group justify="space-between">
        <SegmentedControl
          size="xs"
          value={direction}
          onChange={(v) => setDirection(v as Direction)}
          data={[
            { value: 'downstream', label: 'Depends on this (downstream)' },
            { value: 'upstream', label: 'This depends on (upstream)' },
          ]}
          aria-label="Impact direction"
        />
        <Text size="xs" c="dimmed">
          Up to 3 hops
        </Text>
      </Group>
      {q.isPending ? (
        <PageLoader label="Computing impact" />
      ) : q.isError ? (
        <ErrorState error={q.error} onRetry={() => void q.refetch()} title="Cannot compute the impact" />
      ) : q.data.total === 0 ? (
        <EmptyState title={direction === 'downstream' ? 'Nothing depends on this entity' : 'This entity depends on nothing'}>Within 3 hops through relations.</EmptyState>
      ) : (
        <>
          <Group gap="xs" aria-label="Impacted entities per blueprint">
            <Text size="sm" fw={600}>
              {q.data.total.toLocaleString()} {q.data.total === 1 ? 'entity' : 'entities'}
              {q.data.truncated ? ' (truncated)' : ''}:
            </Text>
            {(q.data.blueprints ?? []).map((b) => (
              <Chip key={b.blueprint} size="xs" checked={only === b.blueprint} onChange={() => setOnly((o) => (o === b.blueprint ? null : b.blueprint))}>
                {b.blueprint}: {b.count}
              </Chip>
            ))}
          </Group>
          <Table.ScrollContainer minWidth={500}>
            <Table striped aria-label="Impacted entities">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Entity</Table.Th>
                  <Table.Th>Blueprint</Table.Th>
                  <Table.Th>Hops</Table.Th>
                  <Table.Th>Path</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {entities.filter((e) => !only || e.blueprint === only).slice(0, shown).map((e) => (
                  <Table.Tr key={`${e.blueprint}/${e.identifier}`}>
                    <Table.Td>
                      <EntityLink blueprint={e.blueprint} identifier={e.identifier} title={e.title} />
                    </Table.Td>
                    <Table.Td>{e.blueprint}</Table.Td>
                    <Table.Td>{e.hops}</Table.Td>
                    <Table.Td>
                      <Text size="xs" c="dimmed" className="mono">
                        {(e.path ?? [])
                          .map((s, i) => (i === 0 ? s.identifier : `${direction === 'downstream' ? '←' : '→'}${s.relation ?? ''}${direction === 'downstream' ? '─' : '→'} ${s.identifier}`))
                          .join(' ')}
                      </Text>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          {entities.filter((e) => !only || e.blueprint === only).length > shown && (
            <Button size="xs" variant="subtle" onClick={() => setShown((n) => n + 200)}>
              Show more
            </Button>
          )}
        </>
      )}
    </Stack>
  );
}
