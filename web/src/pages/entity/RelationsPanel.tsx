// Relations in both directions: outgoing from the entity's own relations,
// incoming from the impact route one hop downstream (who points here).
import { useState } from 'react';
import { Anchor, Button, Group, Stack, Table, Text } from '@mantine/core';
import { Link } from 'react-router';
import type { Blueprint, Entity } from '../../api/types';
import { useImpact } from '../../components/entity/impact';
import { EntityLink } from '../../components/entity/values/PropertyValue';
import { ErrorState } from '../../components/states';

const CAP = 8;

/** Capped shows the first few items and a button for the rest. */
function Capped<T>({ items, render }: { items: T[]; render: (t: T) => React.ReactNode }) {
  const [all, setAll] = useState(false);
  const shown = all ? items : items.slice(0, CAP);
  return (
    <Stack gap={2} align="flex-start">
      {shown.map(render)}
      {items.length > CAP && (
        <Button size="compact-xs" variant="subtle" onClick={() => setAll((a) => !a)}>
          {all ? 'Show fewer' : `Show all ${items.length}`}
        </Button>
      )}
    </Stack>
  );
}

export function RelationsPanel({ entity, bp, asOf }: { entity: Entity; bp?: Blueprint; asOf?: string }) {
  const up = useImpact(entity.blueprint, entity.identifier, 'upstream', 1, !asOf);
  const down = useImpact(entity.blueprint, entity.identifier, 'downstream', 1, !asOf);
  const titles = new Map<string, string>();
  for (const b of [...(up.data?.blueprints ?? []), ...(down.data?.blueprints ?? [])])
    for (const e of b.entities ?? []) titles.set(`${e.blueprint}/${e.identifier}`, e.title);

  const outgoing = Object.entries(bp?.relations ?? {}).map(([name, r]) => {
    const v = entity.relations?.[name];
    const ids = (Array.isArray(v) ? v : v ? [v] : []).map(String);
    return { name, title: r.title || name, target: r.target, ids };
  });

  // Incoming, grouped by (blueprint, relation).
  const incoming = new Map<string, { blueprint: string; relation: string; items: { id: string; title: string }[] }>();
  for (const b of down.data?.blueprints ?? [])
    for (const e of b.entities ?? []) {
      const rel = e.path?.[e.path.length - 1]?.relation ?? '';
      const k = `${e.blueprint}|${rel}`;
      if (!incoming.has(k)) incoming.set(k, { blueprint: e.blueprint, relation: rel, items: [] });
      incoming.get(k)!.items.push({ id: e.identifier, title: e.title });
    }

  return (
    <Stack gap="xs">
      <Text fw={600} size="sm">
        Relations
      </Text>
      {outgoing.length === 0 ? (
        <Text size="sm" c="dimmed">
          This blueprint declares no relations.
        </Text>
      ) : (
        <Table verticalSpacing={4} aria-label="Outgoing relations">
          <Table.Tbody>
            {outgoing.map((r) => (
              <Table.Tr key={r.name}>
                <Table.Td w="40%" style={{ verticalAlign: 'top' }}>
                  <Text size="sm" fw={500}>
                    {r.title}
                  </Text>
                  <Text size="xs" c="dimmed">
                    → <Anchor component={Link} to={`/catalog/${encodeURIComponent(r.target)}`} size="xs">{r.target}</Anchor>
                  </Text>
                </Table.Td>
                <Table.Td>
                  {r.ids.length === 0 ? (
                    <Text size="sm" c="dimmed">
                      —
                    </Text>
                  ) : (
                    <Group gap={8}>
                      {r.ids.map((id) => (
                        <EntityLink key={id} blueprint={r.target} identifier={id} title={titles.get(`${r.target}/${id}`)} />
                      ))}
                    </Group>
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <Text fw={600} size="sm" mt="xs">
        Referenced by
      </Text>
      {asOf ? (
        <Text size="sm" c="dimmed">
          Incoming relations are shown for the present only.
        </Text>
      ) : down.isError ? (
        <ErrorState error={down.error} onRetry={() => void down.refetch()} title="Cannot load incoming relations" />
      ) : down.isPending ? (
        <Text size="sm" c="dimmed" role="status">
          Loading…
        </Text>
      ) : incoming.size === 0 ? (
        <Text size="sm" c="dimmed">
          No entity relates to this one.
        </Text>
      ) : (
        <Table verticalSpacing={4} aria-label="Incoming relations">
          <Table.Tbody>
            {[...incoming.values()].map((g) => (
              <Table.Tr key={`${g.blueprint}|${g.relation}`}>
                <Table.Td w="40%" style={{ verticalAlign: 'top' }}>
                  <Text size="sm" fw={500} style={{ overflowWrap: 'anywhere' }}>
                    {g.blueprint}
                  </Text>
                  <Text size="xs" c="dimmed" style={{ overflowWrap: 'anywhere' }}>
                    via {g.relation}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Capped items={g.items} render={(e) => <EntityLink key={e.id} blueprint={g.blueprint} identifier={e.id} title={e.title} />} />
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  );
}
