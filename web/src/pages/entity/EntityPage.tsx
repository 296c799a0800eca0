// Entity page: header, properties by type, relations both ways, neighbourhood
// graph, history with diffs, "as of" time travel and impact.
import { lazy, Suspense, useState } from 'react';
import {
  Avatar,
  Badge,
  Button,
  Grid,
  Group,
  Modal,
  Paper,
  Popover,
  Skeleton,
  Stack,
  Table,
  Tabs,
  Text,
  TextInput,
  Title,
  Tooltip,
} from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import { api, enc, isApiError } from '../../api/client';
import { useBlueprint, useEntity } from '../../api/hooks';
import type { Entity } from '../../api/types';
import { AsOfBanner } from '../../components/entity/AsOfBanner';
import { blueprintFields, fieldValue, type FieldDef } from '../../components/entity/fields';
import { PropertyValue, TeamChip } from '../../components/entity/values/PropertyValue';
import { RelativeTime } from '../../components/RelativeTime';
import { ErrorState, PageLoader } from '../../components/states';
import { useDocumentTitle } from '../../lib/useDocumentTitle';
import { fromLocalInput, toLocalInput } from '../../components/catalog/FilterBuilder';
import { RelationsPanel } from './RelationsPanel';
import { HistoryTab } from './HistoryTab';
import { ImpactTab } from './ImpactTab';
import { TeamOwnership } from './TeamOwnership';

const NeighbourhoodGraph = lazy(() => import('./NeighbourhoodGraph'));

const WIDE_FORMATS = new Set(['markdown', 'yaml', 'proto']);
const isWide = (f: FieldDef) => WIDE_FORMATS.has(f.format ?? '') || f.type === 'object' && f.format !== 'labeled-url';

const AGO: [string, number][] = [
  ['1 hour ago', 3600_000],
  ['1 day ago', 86400_000],
  ['1 week ago', 7 * 86400_000],
  ['30 days ago', 30 * 86400_000],
];

/** PresentNote: the graph and the impact follow today's relations, even while the page shows the past. */
function PresentNote() {
  return (
    <Text size="xs" c="dimmed" mb="xs">
      The graph and the impact show the relations as they are now.
    </Text>
  );
}

function AsOfPicker({ asOf, onPick }: { asOf?: string; onPick: (t: string) => void }) {
  const [opened, setOpened] = useState(false);
  const [value, setValue] = useState(toLocalInput(asOf ?? new Date().toISOString()));
  return (
    <Popover opened={opened} onChange={setOpened} position="bottom-end" shadow="md" trapFocus>
      <Popover.Target>
        <Button size="xs" variant="default" onClick={() => setOpened((o) => !o)}>
          As of…
        </Button>
      </Popover.Target>
      <Popover.Dropdown>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            const iso = fromLocalInput(value);
            if (iso) {
              onPick(iso);
              setOpened(false);
            }
          }}
        >
          <Stack gap="xs">
            <Group gap={4}>
              {AGO.map(([label, ms]) => (
                <Button
                  key={label}
                  size="compact-xs"
                  variant="light"
                  onClick={() => {
                    onPick(new Date(Date.now() - ms).toISOString().replace(/\.\d{3}Z$/, 'Z'));
                    setOpened(false);
                  }}
                >
                  {label}
                </Button>
              ))}
            </Group>
            <TextInput type="datetime-local" label="Show the entity as it was at" size="xs" value={value} onChange={(e) => setValue(e.currentTarget.value)} />
            <Button size="xs" type="submit" disabled={!fromLocalInput(value)}>
              Show
            </Button>
          </Stack>
        </form>
      </Popover.Dropdown>
    </Popover>
  );
}

function PropertiesPanel({ entity, fields }: { entity: Entity; fields: FieldDef[] }) {
  const props = fields.filter((f) => f.kind !== 'meta' && f.kind !== 'relation');
  const narrow = props.filter((f) => !isWide(f));
  const wide = props.filter((f) => isWide(f) && fieldValue(entity, f) !== undefined && fieldValue(entity, f) !== null && fieldValue(entity, f) !== '');
  return (
    <Stack gap="sm">
      {props.length === 0 ? (
        <Text size="sm" c="dimmed">
          This blueprint has no properties.
        </Text>
      ) : (
        <Table verticalSpacing={6} aria-label="Properties">
          <Table.Tbody>
            {narrow.map((f) => (
              <Table.Tr key={f.key}>
                <Table.Td w="38%" style={{ verticalAlign: 'top' }}>
                  <Group gap={4} wrap="nowrap">
                    <Tooltip label={f.description ?? f.name} disabled={!f.description && f.title === f.name} openDelay={300}>
                      <Text size="sm" c="dimmed">
                        {f.title}
                      </Text>
                    </Tooltip>
                    {f.kind !== 'property' && (
                      <Badge size="xs" variant="outline" color="gray" tt="none">
                        {f.kind}
                      </Badge>
                    )}
                  </Group>
                </Table.Td>
                <Table.Td>
                  <PropertyValue value={fieldValue(entity, f)} def={f} />
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {wide.map((f) => (
        <Paper key={f.key} withBorder p="sm">
          <Text size="sm" fw={600} mb={4}>
            {f.title}
          </Text>
          <PropertyValue value={fieldValue(entity, f)} def={f} />
        </Paper>
      ))}
    </Stack>
  );
}

export default function EntityPage() {
  const { blueprint = '', identifier = '' } = useParams();
  const [params, setParams] = useSearchParams();
  const asOf = params.get('asOf') ?? undefined;
  const tab = params.get('tab') ?? 'overview';
  const navigate = useNavigate();
  const qc = useQueryClient();
  const bpQ = useBlueprint(blueprint);
  const q = useEntity(blueprint, identifier, { asOf });
  const [confirmDelete, setConfirmDelete] = useState(false);
  const entity = q.data;
  useDocumentTitle(entity?.title || identifier);

  const setParam = (k: string, v: string | undefined) =>
    setParams(
      (p) => {
        const n = new URLSearchParams(p);
        if (v === undefined) n.delete(k);
        else n.set(k, v);
        return n;
      },
      { replace: k === 'tab' },
    );

  const del = useMutation({
    mutationFn: () => api.delete(`/v1/blueprints/${enc(blueprint)}/entities/${enc(identifier)}`),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: ['catalog', blueprint] });
      void qc.invalidateQueries({ queryKey: ['entities', blueprint] });
      navigate(`/catalog/${encodeURIComponent(blueprint)}`);
    },
  });

  const fields = blueprintFields(bpQ.data);
  const banner = asOf ? <AsOfBanner asOf={asOf} onBackToNow={() => setParam('asOf', undefined)} missing={isApiError(q.error) && q.error.status === 404} /> : null;

  if (q.isPending)
    return (
      <Stack>
        {banner}
        <Skeleton height={32} width="40%" />
        <Skeleton height={16} width="25%" />
        <PageLoader label="Loading entity" />
      </Stack>
    );
  if (q.isError)
    return (
      <Stack>
        {banner}
        {!(asOf && isApiError(q.error) && q.error.status === 404) && (
          <ErrorState error={q.error} onRetry={() => void q.refetch()} title={isApiError(q.error) && q.error.status === 404 ? `No entity "${identifier}" in ${blueprint}` : undefined} />
        )}
      </Stack>
    );

  const e = entity!;
  const bp = bpQ.data;
  return (
    <Stack gap="md">
      {banner}
      <Group justify="space-between" align="flex-start" wrap="wrap">
        <Group gap="sm" align="flex-start" wrap="nowrap">
          <Avatar radius="md" size="lg" color="indigo" aria-hidden="true">
            {(e.icon || e.title || e.identifier).slice(0, 2).toUpperCase()}
          </Avatar>
          <div>
            <Title order={1} fz="h2">
              {e.title || e.identifier}
            </Title>
            <Group gap="xs" mt={2} wrap="wrap">
              <Badge component={Link} to={`/catalog/${encodeURIComponent(blueprint)}`} variant="light" tt="none" style={{ cursor: 'pointer' }}>
                {bp?.title ?? blueprint}
              </Badge>
              <Text size="sm" c="dimmed" className="mono" aria-label="Identifier">
                {e.identifier}
              </Text>
              {(e.team ?? []).map((t) => (
                <TeamChip key={t} team={t} />
              ))}
            </Group>
            <Text size="xs" c="dimmed" mt={4}>
              Created <RelativeTime value={e.createdAt} /> by {e.createdBy || 'unknown'} · updated <RelativeTime value={e.updatedAt} /> by {e.updatedBy || 'unknown'}
            </Text>
          </div>
        </Group>
        <Group gap="xs">
          <AsOfPicker asOf={asOf} onPick={(t) => setParam('asOf', t)} />
          {!asOf && (
            <>
              <Button size="xs" component={Link} to={`/entities/${encodeURIComponent(blueprint)}/${encodeURIComponent(identifier)}/edit`}>
                Edit
              </Button>
              <Button size="xs" color="red" variant="light" onClick={() => setConfirmDelete(true)}>
                Delete
              </Button>
            </>
          )}
        </Group>
      </Group>

      <Tabs value={tab} onChange={(v) => setParam('tab', v && v !== 'overview' ? v : undefined)} keepMounted={false}>
        <Tabs.List aria-label="Entity sections">
          <Tabs.Tab value="overview">Overview</Tabs.Tab>
          <Tabs.Tab value="graph">Graph</Tabs.Tab>
          <Tabs.Tab value="history">History</Tabs.Tab>
          <Tabs.Tab value="impact">Impact</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="overview" pt="md">
          <Grid gap="md">
            <Grid.Col span={{ base: 12, md: 7 }}>
              <Paper withBorder p="sm">
                {bpQ.isError ? <ErrorState error={bpQ.error} title="Cannot load the blueprint" /> : <PropertiesPanel entity={e} fields={fields} />}
              </Paper>
            </Grid.Col>
            <Grid.Col span={{ base: 12, md: 5 }}>
              <Paper withBorder p="sm">
                <RelationsPanel entity={e} bp={bp} asOf={asOf} />
              </Paper>
              {blueprint === '_team' && !asOf && (
                <Paper withBorder p="sm" mt="md">
                  <TeamOwnership team={e.identifier} />
                </Paper>
              )}
            </Grid.Col>
          </Grid>
        </Tabs.Panel>
        <Tabs.Panel value="graph" pt="md">
          {asOf && <PresentNote />}
          <Suspense fallback={<PageLoader label="Loading graph" />}>
            <NeighbourhoodGraph key={`${blueprint}/${identifier}`} blueprint={blueprint} identifier={identifier} title={e.title} />
          </Suspense>
        </Tabs.Panel>
        <Tabs.Panel value="history" pt="md">
          <HistoryTab blueprint={blueprint} identifier={identifier} bp={bp} onAsOf={(t) => setParams((p) => { const n = new URLSearchParams(p); n.set('asOf', t); n.delete('tab'); return n; })} />
        </Tabs.Panel>
        <Tabs.Panel value="impact" pt="md">
          {asOf && <PresentNote />}
          <ImpactTab blueprint={blueprint} identifier={identifier} />
        </Tabs.Panel>
      </Tabs>

      <Modal opened={confirmDelete} onClose={() => setConfirmDelete(false)} title={`Delete “${e.title || e.identifier}”?`} centered>
        <Stack gap="sm">
          <Text size="sm">The entity is removed from the catalog. Its history is kept and can still be viewed with “as of”.</Text>
          {del.isError && <ErrorState error={del.error} title="Cannot delete" />}
          <Group justify="flex-end">
            <Button variant="default" size="xs" onClick={() => setConfirmDelete(false)}>
              Cancel
            </Button>
            <Button color="red" size="xs" loading={del.isPending} onClick={() => del.mutate()}>
              Delete
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Stack>
  );
}
