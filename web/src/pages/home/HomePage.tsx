// Home: entities per blueprint, what changed recently (live), quick links.
import { useMemo, useState } from 'react';
import { useQueries } from '@tanstack/react-query';
import {
  Anchor,
  Badge,
  Card,
  Grid,
  Group,
  Paper,
  SimpleGrid,
  Skeleton,
  Stack,
  Text,
  ThemeIcon,
  Title,
  UnstyledButton,
} from '@mantine/core';
import { Link } from 'react-router';
import { keys, searchEntities, useBlueprints, useEntityCounts } from '../../api/hooks';
import { useLiveEvents } from '../../api/events';
import type { AtriumEvent, Blueprint, Entity } from '../../api/types';
import { EmptyState, ErrorState } from '../../components/states';
import { useDocumentTitle } from '../../lib/useDocumentTitle';
import { RelativeTime } from '../../components/RelativeTime';
import { searchSpotlight } from '../../components/SearchPalette';
import { IconArrowRight, IconBlueprint, IconCatalog, IconModel, IconPlus, IconSearch } from '../../components/icons';

const RECENT_BLUEPRINTS = 12;
const RECENT_PER_BLUEPRINT = 5;
const RECENT_SHOWN = 12;

export interface RecentItem {
  key: string;
  blueprint: string;
  identifier: string;
  title: string;
  time: string;
  actor?: string;
  kind: 'created' | 'updated' | 'deleted';
  live?: boolean;
}

function entityTitle(doc: unknown, fallback: string): string {
  if (doc && typeof doc === 'object' && typeof (doc as Entity).title === 'string' && (doc as Entity).title) return (doc as Entity).title;
  return fallback;
}

/** eventToItem turns an entity event into a feed row (null for blueprint events). */
export function eventToItem(ev: AtriumEvent): RecentItem | null {
  if (!ev.type.startsWith('ENTITY_') || !ev.entity) return null;
  const kind = ev.type === 'ENTITY_CREATED' ? 'created' : ev.type === 'ENTITY_DELETED' ? 'deleted' : 'updated';
  return {
    key: `${ev.blueprint}/${ev.entity}`,
    blueprint: ev.blueprint,
    identifier: ev.entity,
    title: entityTitle(ev.after ?? ev.before, ev.entity),
    time: ev.time,
    actor: ev.actor,
    kind,
    live: true,
  };
}

function CountsGrid({ blueprints, counts, loading }: { blueprints: Blueprint[]; counts?: Record<string, number>; loading: boolean }) {
  if (loading) {
    return (
      <SimpleGrid cols={{ base: 2, sm: 3, lg: 4 }}>
        {[0, 1, 2, 3].map((i) => (
          <Skeleton key={i} h={84} radius="md" />
        ))}
      </SimpleGrid>
    );
  }
  if (blueprints.length === 0) {
    return (
      <EmptyState
        title="No blueprints yet"
        icon={<IconBlueprint />}
        action={
          <Anchor component={Link} to="/data-model">
            Design the data model
          </Anchor>
        }
      >
        Blueprints describe the kinds of things in your catalog: services, teams, environments.
      </EmptyState>
    );
  }
  return (
    <SimpleGrid cols={{ base: 2, sm: 3, lg: 4 }} component="ul" style={{ listStyle: 'none', padding: 0, margin: 0 }}>
      {blueprints.map((b) => (
        <li key={b.identifier}>
          <Card
            withBorder
            padding="md"
            component={Link}
            to={`/catalog/${encodeURIComponent(b.identifier)}`}
            aria-label={`${b.title || b.identifier} ${counts ? (counts[b.identifier] ?? 0).toLocaleString() : '–'} entities`}
            style={{ height: '100%' }}
          >
            <Text size="sm" c="dimmed" truncate>
              {b.title || b.identifier}
            </Text>{' '}
            <Text fz={28} fw={700} lh={1.2}>
              {counts ? (counts[b.identifier] ?? 0).toLocaleString() : '–'}
            </Text>
          </Card>
        </li>
      ))}
    </SimpleGrid>
  );
}

function RecentList({ items, titles }: { items: RecentItem[]; titles: Map<string, string> }) {
  return (
    <Stack gap={0} component="ul" style={{ listStyle: 'none', padding: 0, margin: 0 }} aria-label="Recently changed entities">
      {items.map((it) => (
        <Group
          key={`${it.key}@${it.time}`}
          component="li"
          justify="space-between"
          wrap="nowrap"
          py={8}
          style={{ borderBottom: '1px solid var(--mantine-color-default-border)' }}
        >
          <div style={{ minWidth: 0 }}>
            {it.kind === 'deleted' ? (
              <Text size="sm" fw={500} td="line-through" c="dimmed" truncate>
                {it.title}
              </Text>
            ) : (
              <Anchor
                component={Link}
                to={`/entities/${encodeURIComponent(it.blueprint)}/${encodeURIComponent(it.identifier)}`}
                size="sm"
                fw={500}
                truncate
                display="block"
              >
                {it.title}
              </Anchor>
            )}
            <Text size="xs" c="dimmed" truncate>
              {it.kind} {it.actor ? `by ${it.actor} ` : ''}· <RelativeTime value={it.time} />
            </Text>
          </div>
          <Group gap={6} wrap="nowrap">
            {it.live && (
              <Badge size="xs" color="green" variant="dot">
                live
              </Badge>
            )}
            <Badge size="sm" variant="light">
              {titles.get(it.blueprint) ?? it.blueprint}
            </Badge>
          </Group>
        </Group>
      ))}
    </Stack>
  );
}

function QuickLink({ to, onClick, icon, label, hint }: { to?: string; onClick?: () => void; icon: React.ReactNode; label: string; hint: string }) {
  const inner = (
    <Group wrap="nowrap" gap="sm">
      <ThemeIcon variant="light" size="lg">
        {icon}
      </ThemeIcon>
      <div style={{ flex: 1, minWidth: 0 }}>
        <Text size="sm" fw={600}>
          {label}
        </Text>
        <Text size="xs" c="dimmed">
          {hint}
        </Text>
      </div>
      <IconArrowRight size={16} />
    </Group>
  );
  return to ? (
    <Paper withBorder p="sm" component={Link} to={to} style={{ color: 'inherit', textDecoration: 'none' }}>
      {inner}
    </Paper>
  ) : (
    <UnstyledButton onClick={onClick} w="100%">
      <Paper withBorder p="sm">
        {inner}
      </Paper>
    </UnstyledButton>
  );
}

export default function HomePage() {
  useDocumentTitle('Home');
  const blueprints = useBlueprints();
  const counts = useEntityCounts();
  const [live, setLive] = useState<RecentItem[]>([]);

  const visible = useMemo(
    () =>
      (blueprints.data ?? [])
        .filter((b) => !b.identifier.startsWith('_'))
        .sort((a, b) => (counts.data?.[b.identifier] ?? 0) - (counts.data?.[a.identifier] ?? 0) || a.identifier.localeCompare(b.identifier)),
    [blueprints.data, counts.data],
  );
  const titles = useMemo(() => new Map((blueprints.data ?? []).map((b) => [b.identifier, b.title || b.identifier])), [blueprints.data]);

  // The latest changes of the largest blueprints, newest first, merged.
  const recentSources = visible.filter((b) => !counts.data || (counts.data[b.identifier] ?? 0) > 0).slice(0, RECENT_BLUEPRINTS);
  const recentQueries = useQueries({
    queries: recentSources.map((b) => {
      const req = { limit: RECENT_PER_BLUEPRINT, sort: [{ property: '$updatedAt', order: 'desc' as const }] };
      return {
        queryKey: [...keys.entities(b.identifier, req), 'home-recent'],
        queryFn: ({ signal }: { signal: AbortSignal }) => searchEntities(b.identifier, req, signal),
        enabled: blueprints.isSuccess && !counts.isPending,
      };
    }),
  });
  const recentLoading = blueprints.isPending || counts.isPending || recentQueries.some((q) => q.isPending && q.fetchStatus !== 'idle');
  const recentError = recentQueries.find((q) => q.isError)?.error;

  useLiveEvents((ev) => {
    const item = eventToItem(ev);
    if (!item) return;
    setLive((prev) => [item, ...prev.filter((p) => p.key !== item.key)].slice(0, RECENT_SHOWN));
  });

  const recent = useMemo(() => {
    const fromQueries: RecentItem[] = recentQueries.flatMap((q) =>
      (q.data?.entities ?? []).map((e) => ({
        key: `${e.blueprint}/${e.identifier}`,
        blueprint: e.blueprint,
        identifier: e.identifier,
        title: e.title || e.identifier,
        time: e.updatedAt,
        actor: e.updatedBy,
        kind: e.createdAt === e.updatedAt ? ('created' as const) : ('updated' as const),
      })),
    );
    const seen = new Set<string>();
    const out: RecentItem[] = [];
    for (const it of [...live, ...fromQueries.sort((a, b) => Date.parse(b.time) - Date.parse(a.time))]) {
      if (seen.has(it.key)) continue;
      seen.add(it.key);
      out.push(it);
    }
    return out.slice(0, RECENT_SHOWN);
  }, [recentQueries, live]);

  const total = counts.data ? visible.reduce((n, b) => n + (counts.data?.[b.identifier] ?? 0), 0) : undefined;
  const biggest = visible[0];

  return (
    <Stack gap="xl" maw={1280}>
      <Group justify="space-between" align="end">
        <div>
          <Title order={1} fz="h2">
            Home
          </Title>
          <Text c="dimmed" size="sm">
            {total !== undefined
              ? `${total.toLocaleString()} ${total === 1 ? 'entity' : 'entities'} in ${visible.length} blueprint${visible.length === 1 ? '' : 's'}`
              : 'Your software catalog at a glance'}
          </Text>
        </div>
      </Group>

      <section aria-labelledby="home-counts">
        <Title order={2} fz="h4" mb="sm" id="home-counts">
          Entities per blueprint
        </Title>
        {blueprints.isError ? (
          <ErrorState error={blueprints.error} onRetry={() => blueprints.refetch()} />
        ) : counts.isError ? (
          <ErrorState error={counts.error} onRetry={() => counts.refetch()} />
        ) : (
          <CountsGrid blueprints={visible} counts={counts.data} loading={blueprints.isPending || counts.isPending} />
        )}
      </section>

      <Grid gap="xl">
        <Grid.Col span={{ base: 12, lg: 8 }} component="section" aria-labelledby="home-recent">
          <Group justify="space-between" mb="sm">
            <Title order={2} fz="h4" id="home-recent">
              Recently changed
            </Title>
            <Badge variant="dot" color="green" size="sm" title="Changes appear here as they happen">
              Live
            </Badge>
          </Group>
          {recentError ? (
            <ErrorState error={recentError} onRetry={() => recentQueries.forEach((q) => q.refetch())} />
          ) : recentLoading && recent.length === 0 ? (
            <Stack gap={8}>
              {[0, 1, 2, 3, 4].map((i) => (
                <Skeleton key={i} h={40} />
              ))}
            </Stack>
          ) : recent.length === 0 ? (
            <EmptyState title="No changes yet" icon={<IconCatalog />}>
              Entities you and your integrations create or update show up here as they happen.
            </EmptyState>
          ) : (
            <RecentList items={recent} titles={titles} />
          )}
        </Grid.Col>

        <Grid.Col span={{ base: 12, lg: 4 }} component="section" aria-labelledby="home-links">
          <Title order={2} fz="h4" mb="sm" id="home-links">
            Quick links
          </Title>
          <Stack gap="sm">
            <QuickLink onClick={() => searchSpotlight.open()} icon={<IconSearch />} label="Search everything" hint="Ctrl/⌘ K from any page" />
            <QuickLink to="/catalog" icon={<IconCatalog />} label="Browse the catalog" hint="Every blueprint and its entities" />
            {biggest && (
              <QuickLink
                to={`/catalog/${encodeURIComponent(biggest.identifier)}/new`}
                icon={<IconPlus />}
                label={`New ${biggest.title || biggest.identifier}`}
                hint="Create an entity from its form"
              />
            )}
            <QuickLink to="/data-model" icon={<IconModel />} label="Data model" hint="Blueprints, properties and relations" />
            <Anchor href="/v1/openapi.json" size="sm" target="_blank" rel="noreferrer">
              API reference (OpenAPI)
            </Anchor>
          </Stack>
        </Grid.Col>
      </Grid>
    </Stack>
  );
}
