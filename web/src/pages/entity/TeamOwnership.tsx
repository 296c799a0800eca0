// On a team's page: what the team owns, counted per blueprint (one aggregate),
// each count linking to that blueprint's catalog filtered to the team.
import { Anchor, Badge, Group, Stack, Text } from '@mantine/core';
import { Link } from 'react-router';
import { useAggregate } from '../../api/hooks';
import { ErrorState } from '../../components/states';

export function teamCatalogLink(blueprint: string, team: string): string {
  const filters = JSON.stringify([{ id: 'team', field: '$team', operator: 'containsAny', value: [team] }]);
  return `/catalog/${encodeURIComponent(blueprint)}?filters=${encodeURIComponent(filters)}`;
}

export function TeamOwnership({ team }: { team: string }) {
  const q = useAggregate({ func: 'countValues', property: '$blueprint', query: { combinator: 'and', rules: [{ property: '$team', operator: 'containsAny', value: [team] }] } });
  const values = (q.data?.values ?? []).filter((v) => typeof v.value === 'string' && !String(v.value).startsWith('_'));
  return (
    <Stack gap={6}>
      <Text fw={600} size="sm">
        Owned by this team
      </Text>
      {q.isPending ? (
        <Text size="sm" c="dimmed" role="status">
          Loading…
        </Text>
      ) : q.isError ? (
        <ErrorState error={q.error} onRetry={() => void q.refetch()} title="Cannot count the team's entities" />
      ) : values.length === 0 ? (
        <Text size="sm" c="dimmed">
          This team owns no entity.
        </Text>
      ) : (
        <Group gap="xs">
          {values.map((v) => (
            <Anchor key={String(v.value)} component={Link} to={teamCatalogLink(String(v.value), team)} size="sm">
              {String(v.value)}{' '}
              <Badge size="sm" variant="default" component="span">
                {v.count}
              </Badge>
            </Anchor>
          ))}
        </Group>
      )}
    </Stack>
  );
}
