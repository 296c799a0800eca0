// Catalog index: every blueprint with its entity count, one click to its table.
import { useMemo, useState } from 'react';
import { Badge, Card, Group, SimpleGrid, Skeleton, Stack, Text, TextInput, Title } from '@mantine/core';
import { Link } from 'react-router';
import { useBlueprints, useEntityCounts } from '../../api/hooks';
import { EmptyState, ErrorState } from '../../components/states';
import { useDocumentTitle } from '../../lib/useDocumentTitle';
import { IconBlueprint } from '../../components/icons';

export default function BlueprintsPage() {
  useDocumentTitle('Catalog');
  const blueprints = useBlueprints();
  const counts = useEntityCounts();
  const [filter, setFilter] = useState('');
  const [showSystem, setShowSystem] = useState(false);
  const list = useMemo(() => {
    const q = filter.trim().toLowerCase();
    return (blueprints.data ?? [])
      .filter((b) => showSystem || !b.identifier.startsWith('_'))
      .filter((b) => !q || b.identifier.toLowerCase().includes(q) || (b.title ?? '').toLowerCase().includes(q) || (b.description ?? '').toLowerCase().includes(q))
      .sort((a, b) => (a.title || a.identifier).localeCompare(b.title || b.identifier));
  }, [blueprints.data, filter, showSystem]);

  return (
    <Stack gap="lg" maw={1280}>
      <Group justify="space-between" align="end">
        <div>
          <Title order={1} fz="h2">
            Catalog
          </Title>
          <Text c="dimmed" size="sm">
            Pick a blueprint to browse its entities.
          </Text>
        </div>
        <Group>
          <TextInput placeholder="Filter blueprints" aria-label="Filter blueprints" value={filter} onChange={(e) => setFilter(e.currentTarget.value)} />
          <Badge
            component="button"
            type="button"
            variant={showSystem ? 'filled' : 'outline'}
            color="gray"
            onClick={() => setShowSystem((s) => !s)}
            aria-pressed={showSystem}
            style={{ cursor: 'pointer' }}
          >
            Users & teams
          </Badge>
        </Group>
      </Group>
      {blueprints.isError ? (
        <ErrorState error={blueprints.error} onRetry={() => blueprints.refetch()} />
      ) : blueprints.isPending ? (
        <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }}>
          {[0, 1, 2, 3, 4, 5].map((i) => (
            <Skeleton key={i} h={110} />
          ))}
        </SimpleGrid>
      ) : list.length === 0 ? (
        <EmptyState title={filter ? 'No blueprint matches' : 'No blueprints yet'} icon={<IconBlueprint />}>
          {filter ? 'Try another word.' : 'Create one in the data model.'}
        </EmptyState>
      ) : (
        <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }}>
          {list.map((b) => (
            <Card key={b.identifier} withBorder component={Link} to={`/catalog/${encodeURIComponent(b.identifier)}`} padding="md">
              <Group justify="space-between" wrap="nowrap">
                <Text fw={600} truncate>
                  {b.title || b.identifier}
                </Text>
                <Badge variant="light" color="gray" aria-label={`${counts.data?.[b.identifier] ?? 0} entities`}>
                  {counts.data ? (counts.data[b.identifier] ?? 0).toLocaleString() : '…'}
                </Badge>
              </Group>
              <Text size="xs" c="dimmed" className="mono">
                {b.identifier}
              </Text>
              {b.description && (
                <Text size="sm" c="dimmed" mt={6} lineClamp={2}>
                  {b.description}
                </Text>
              )}
            </Card>
          ))}
        </SimpleGrid>
      )}
    </Stack>
  );
}
