// Catalog of one blueprint: server-side paginated table with filters, sort,
// columns, group-by, saved views, export and live refresh.
import { useEffect, useMemo, useRef, useState } from 'react';
import {
  Accordion,
  Alert,
  Badge,
  Button,
  Checkbox,
  Group,
  Menu,
  Modal,
  Paper,
  Popover,
  Progress,
  ScrollArea,
  Select,
  Stack,
  Text,
  TextInput,
  Title,
  ActionIcon,
  VisuallyHidden,
} from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useDebouncedValue } from '@mantine/hooks';
import { Link, useLocation, useParams, useSearchParams } from 'react-router';
import { api, enc, errorMessage } from '../../api/client';
import { aggregate, useBlueprint } from '../../api/hooks';
import { useLiveEvents } from '../../api/events';
import type { Rule, RuleTree } from '../../api/types';
import { EmptyState, ErrorState } from '../../components/states';
import { IconPlus, IconSearch } from '../../components/icons';
import { useDocumentTitle } from '../../lib/useDocumentTitle';
import { blueprintFields, isGroupable, type FieldDef } from '../../components/entity/fields';
import { PropertyValue } from '../../components/entity/values/PropertyValue';
import { FilterBuilder } from '../../components/catalog/FilterBuilder';
import { textRule } from '../../components/catalog/EntityPicker';
import { andRule, buildQuery, isComplete, type Filter } from '../../components/catalog/filters';
import { EntityTable, catalogKeys, toSearchSort } from '../../components/catalog/EntityTable';
import { loadViews, saveViews, upsertView, type CatalogView, type SortState } from '../../components/catalog/views';
import { downloadBlob, exportEntities, type ExportFormat } from '../../components/catalog/exporter';

function plural(s: string): string {
  const l = s.toLowerCase();
  if (/(s|x|ch|sh)$/.test(l)) return `${l}es`;
  if (/[^aeiou]y$/.test(l)) return `${l.slice(0, -1)}ies`;
  return `${l}s`;
}

function columnRank(f: FieldDef): number {
  if (f.enum?.length) return 0;
  if (f.format === 'user' || f.format === 'team' || f.format === 'timer') return 1;
  if (f.type === 'number' || f.type === 'boolean' || f.kind === 'aggregation') return 2;
  if (f.format === 'date-time' || f.format === 'labeled-url') return 3;
  if (f.type === 'string' && !f.format) return 4;
  if (f.type === 'string' || f.kind === 'mirror' || f.kind === 'calculation') return 5;
  if (f.type === 'array') return 6;
  return 9;
}

/** defaultColumns: title, identifier, the five most telling properties (in schema order), two relations, team, updated. */
export function defaultColumns(fields: FieldDef[]): string[] {
  const candidates = fields.filter(
    (f) => f.kind !== 'meta' && f.kind !== 'relation' && !['markdown', 'yaml', 'proto'].includes(f.format ?? '') && (f.type !== 'object' || f.format === 'labeled-url'),
  );
  const picked = new Set(
    candidates
      .map((f, i) => ({ f, i }))
      .sort((a, b) => columnRank(a.f) - columnRank(b.f) || a.i - b.i)
      .slice(0, 5)
      .map((x) => x.f.key),
  );
  const props = candidates.filter((f) => picked.has(f.key));
  const rels = fields.filter((f) => f.kind === 'relation').slice(0, 2);
  return ['$title', '$identifier', ...props.map((f) => f.key), ...rels.map((f) => f.key), '$team', '$updatedAt'];
}

async function countEntities(bp: string, query: RuleTree | undefined, signal?: AbortSignal): Promise<number> {
  const r = await api.post<{ count: number }>(`/v1/blueprints/${enc(bp)}/entities-count`, query ? { query } : {}, { signal });
  return r.count;
}

/** withText adds the quick search (title or identifier contains) to the filters' query. */
export function withText(q: RuleTree | undefined, text: string): RuleTree | undefined {
  if (!text) return q;
  return { combinator: 'and', rules: [...(q?.rules ?? []), textRule(text)] };
}

export function parseFilters(s: string): Filter[] {
  if (!s) return [];
  try {
    const v = JSON.parse(s) as unknown;
    return Array.isArray(v) ? (v.filter((f) => f && typeof f === 'object' && typeof f.field === 'string' && typeof f.operator === 'string') as Filter[]) : [];
  } catch {
    return [];
  }
}

export function parseSort(s: string | null): SortState | null {
  if (!s) return null;
  const i = s.lastIndexOf(':');
  if (i <= 0) return null;
  const order = s.slice(i + 1);
  return { field: s.slice(0, i), order: order === 'desc' ? 'desc' : 'asc' };
}

export function groupRule(f: FieldDef, value: unknown): Rule {
  return f.kind === 'relation' ? { relation: f.name, operator: '=', value } : { property: f.name, operator: '=', value };
}

export default function CatalogPage() {
  const { blueprint: bpId = '' } = useParams();
  const qc = useQueryClient();
  const bpQ = useBlueprint(bpId);
  const bp = bpQ.data;
  const fields = useMemo(() => blueprintFields(bp), [bp]);
  const byKey = useMemo(() => new Map(fields.map((f) => [f.key, f])), [fields]);
  useDocumentTitle(bp?.title ?? bpId);

  // Filters, sort, grouping and columns live in the URL: links and the back button keep them.
  const [params, setParams] = useSearchParams();
  const patchParams = (patch: Record<string, string | undefined>) =>
    setParams(
      (p) => {
        const n = new URLSearchParams(p);
        for (const [k, v] of Object.entries(patch)) {
          if (v === undefined || v === '') n.delete(k);
          else n.set(k, v);
        }
        return n;
      },
      { replace: true, state: { catalogOwn: true } },
    );
  // Filters change on every keystroke, faster than the router updates the URL, so
  // they live in state and are mirrored to the URL; a URL this page did not write
  // (back button, a pasted link) replaces them.
  const [text, setText] = useState(() => params.get('q') ?? '');
  const filtersParam = params.get('filters') ?? '';
  const [filters, setFiltersState] = useState<Filter[]>(() => parseFilters(filtersParam));
  const location = useLocation();
  const own = (location.state as { catalogOwn?: boolean } | null)?.catalogOwn === true;
  useEffect(() => {
    if (own) return;
    setFiltersState(parseFilters(filtersParam));
  }, [filtersParam, location.key, own]);
  const sort = parseSort(params.get('sort'));
  const groupBy = params.get('group') || null;
  const columnsParam = params.get('columns');
  const columnKeys = columnsParam ? columnsParam.split(',').filter(Boolean) : null;
  const enc_ = {
    filters: (f: Filter[]) => (f.length ? JSON.stringify(f) : undefined),
    sort: (x: SortState | null) => (x ? `${x.field}:${x.order}` : undefined),
    columns: (c: string[] | null) => (c ? c.join(',') : undefined),
  };
  const writeFilters = (f: Filter[]) => {
    setFiltersState(f);
    return enc_.filters(f);
  };
  const setFilters = (f: Filter[]) => patchParams({ filters: writeFilters(f) });
  const setSort = (x: SortState | null) => patchParams({ sort: enc_.sort(x) });
  const setGroupBy = (g: string | null) => patchParams({ group: g ?? undefined });
  const setColumnKeys = (c: string[] | null) => patchParams({ columns: enc_.columns(c) });
  const [pageSize, setPageSize] = useState(50);
  const [pending, setPending] = useState(0);
  const [views, setViews] = useState<CatalogView[]>(() => loadViews(bpId));
  const [viewsFor, setViewsFor] = useState(bpId);
  const [viewName, setViewName] = useState('');
  const [exporting, setExporting] = useState<{ format: ExportFormat; done: number; error?: string } | null>(null);
  const abortRef = useRef<AbortController | null>(null);

  // A new blueprint in the same page component starts afresh.
  if (viewsFor !== bpId) {
    setViewsFor(bpId);
    setViews(loadViews(bpId));
    setPending(0);
    setText(params.get('q') ?? '');
  }

  const columns = (columnKeys ?? defaultColumns(fields)).map((k) => byKey.get(k)).filter((f): f is FieldDef => !!f);
  // Typing in a filter sends one search when the typing pauses, not one per key.
  const [settledFilters] = useDebouncedValue(filters, 250);
  // The quick search box: title or identifier contains the text (kept in ?q=).
  const [settledText] = useDebouncedValue(text.trim(), 250);
  useEffect(() => {
    if ((params.get('q') ?? '') !== settledText) patchParams({ q: settledText || undefined });
  }, [settledText]); // eslint-disable-line react-hooks/exhaustive-deps
  const query = useMemo(() => withText(buildQuery(settledFilters, fields), settledText), [settledFilters, fields, settledText]);
  const queryKey = JSON.stringify(query ?? null);
  const incomplete = filters.filter((f) => !isComplete(f)).length;

  // Without filters or sort the first page needs nothing from the blueprint, so it
  // loads in parallel with it; filters and sort from the URL wait for it.
  const ready = bpQ.isSuccess || (filters.length === 0 && !sort && !groupBy);
  const countQ = useQuery({
    queryKey: catalogKeys.count(bpId, queryKey),
    queryFn: ({ signal }) => countEntities(bpId, query, signal),
    enabled: !!bpId && ready,
  });

  const groupField = groupBy ? byKey.get(groupBy) : undefined;
  const groupsQ = useQuery({
    queryKey: catalogKeys.groups(bpId, [groupBy, queryKey]),
    enabled: !!groupField,
    queryFn: async ({ signal }) => {
      const scoped: RuleTree = { combinator: 'and', rules: [{ property: '$blueprint', operator: '=', value: bpId }, ...(query?.rules ?? [])] };
      const req: Record<string, unknown> = { func: 'countValues', query: scoped };
      if (groupField!.kind === 'relation') req.relation = groupField!.name;
      else req.property = groupField!.name;
      const r = await aggregate(req, signal);
      return r.values ?? [];
    },
  });

  // Live: a change on the current page refreshes it (EntityTable); other
  // inserts and deletions are counted and offered as a refresh.
  useLiveEvents((ev) => {
    if (ev.blueprint !== bpId) return;
    if (ev.type === 'ENTITY_CREATED' || ev.type === 'ENTITY_DELETED') setPending((n) => n + 1);
    if (ev.type.startsWith('BLUEPRINT_')) void bpQ.refetch();
  });
  const refreshAll = () => {
    setPending(0);
    void qc.invalidateQueries({ queryKey: catalogKeys.all(bpId) });
  };

  const applyView = (v: CatalogView) => {
    patchParams({
      filters: writeFilters(v.filters ?? []),
      columns: enc_.columns(v.columns?.length ? v.columns : null),
      sort: enc_.sort(v.sort ?? null),
      group: v.groupBy ?? undefined,
    });
  };
  const saveCurrent = () => {
    const name = viewName.trim();
    if (!name) return;
    const next = upsertView(views, { name, filters, columns: columns.map((c) => c.key), sort, groupBy });
    setViews(next);
    saveViews(bpId, next);
    setViewName('');
  };
  const deleteView = (name: string) => {
    const next = views.filter((v) => v.name !== name);
    setViews(next);
    saveViews(bpId, next);
  };

  const runExport = async (format: ExportFormat) => {
    abortRef.current?.abort();
    const ac = new AbortController();
    abortRef.current = ac;
    setExporting({ format, done: 0 });
    try {
      const blob = await exportEntities({
        blueprint: bpId,
        query,
        sort: toSearchSort(sort, fields),
        format,
        columns,
        signal: ac.signal,
        onProgress: (done) => setExporting((e) => (e ? { ...e, done } : e)),
      });
      if (ac.signal.aborted) return;
      downloadBlob(blob, `${bpId}.${format}`);
      setExporting(null);
    } catch (err) {
      if (ac.signal.aborted) return;
      setExporting((e) => ({ format, done: e?.done ?? 0, error: errorMessage(err) }));
    }
  };
  const cancelExport = () => {
    abortRef.current?.abort();
    setExporting(null);
  };

  if (bpQ.isError) return <ErrorState error={bpQ.error} onRetry={() => void bpQ.refetch()} title={`Cannot load blueprint "${bpId}"`} />;

  const title = bp?.title || bpId;
  const total = countQ.data;
  const noun = plural(title);
  const empty =
    filters.length > 0 || text.trim() ? (
      <EmptyState
        title={`No ${noun} match these filters`}
        action={
          <Button
            size="xs"
            variant="light"
            onClick={() => {
              setText('');
              setFilters([]);
            }}
          >
            Clear filters
          </Button>
        }
      >
        Change or remove a filter to see more.
      </EmptyState>
    ) : (
      <EmptyState
        title={`No ${noun} yet`}
        action={
          <Button size="xs" component={Link} to={`/catalog/${encodeURIComponent(bpId)}/new`} leftSection={<IconPlus size={14} />}>
            Create the first one
          </Button>
        }
      />
    );

  const tableProps = {
    blueprint: bpId,
    columns,
    sort,
    sortFields: fields,
    onSort: setSort,
    pageSize,
    onPageSize: setPageSize,
    empty,
    enabled: ready,
  };

  return (
    <Stack gap="sm">
      <Group justify="space-between" align="flex-end" wrap="wrap">
        <div>
          <Text size="xs" c="dimmed">
            <Link to="/catalog" style={{ color: 'inherit' }}>
              Catalog
            </Link>{' '}
            / {bpId}
          </Text>
          <Group gap="xs" align="baseline">
            <Title order={1} fz="h2">
              {title}
            </Title>
            <Badge variant="light" size="lg" aria-label="Matching entities" data-testid="catalog-total">
              {total === undefined ? (countQ.isError ? '?' : '…') : total.toLocaleString()}
            </Badge>
          </Group>
          {bp?.description && (
            <Text size="sm" c="dimmed">
              {bp.description}
            </Text>
          )}
        </div>
        <Group gap="xs">
          <Popover position="bottom-end" shadow="md" width={280} trapFocus>
            <Popover.Target>
              <Button size="xs" variant="default">
                Views{views.length ? ` (${views.length})` : ''}
              </Button>
            </Popover.Target>
            <Popover.Dropdown>
              <Stack gap={6}>
                {views.length === 0 && (
                  <Text size="xs" c="dimmed">
                    No saved views yet. Save the current filters, columns, sort and grouping:
                  </Text>
                )}
                {views.map((v) => (
                  <Group key={v.name} gap={4} wrap="nowrap" justify="space-between">
                    <Button size="xs" variant="subtle" onClick={() => applyView(v)} style={{ flex: 1 }} justify="flex-start">
                      {v.name}
                    </Button>
                    <ActionIcon variant="subtle" color="red" aria-label={`Delete view ${v.name}`} onClick={() => deleteView(v.name)}>
                      ✕
                    </ActionIcon>
                  </Group>
                ))}
                <form
                  onSubmit={(e) => {
                    e.preventDefault();
                    saveCurrent();
                  }}
                >
                  <Group gap={4} wrap="nowrap">
                    <TextInput size="xs" placeholder="View name" aria-label="View name" value={viewName} onChange={(e) => setViewName(e.currentTarget.value)} style={{ flex: 1 }} />
                    <Button size="xs" type="submit" disabled={!viewName.trim()}>
                      Save
                    </Button>
                  </Group>
                </form>
              </Stack>
            </Popover.Dropdown>
          </Popover>
          <Popover position="bottom-end" shadow="md" width={260}>
            <Popover.Target>
              <Button size="xs" variant="default">
                Columns ({columns.length})
              </Button>
            </Popover.Target>
            <Popover.Dropdown>
              <ScrollArea.Autosize mah={360}>
                <Stack gap={6} role="group" aria-label="Visible columns">
                  {fields.map((f) => (
                    <Checkbox
                      key={f.key}
                      size="xs"
                      label={f.title}
                      checked={columns.some((c) => c.key === f.key)}
                      onChange={(e) => {
                        const cur = columns.map((c) => c.key);
                        const on = e.currentTarget.checked;
                        setColumnKeys(on ? fields.filter((x) => x.key === f.key || cur.includes(x.key)).map((x) => x.key) : cur.filter((k) => k !== f.key));
                      }}
                    />
                  ))}
                </Stack>
              </ScrollArea.Autosize>
              <Button size="xs" variant="subtle" mt="xs" onClick={() => setColumnKeys(null)}>
                Reset columns
              </Button>
            </Popover.Dropdown>
          </Popover>
          <Select
            size="xs"
            w={170}
            aria-label="Group by"
            placeholder="Group by…"
            clearable
            data={fields.filter(isGroupable).map((f) => ({ value: f.key, label: `Group by ${f.title}` }))}
            searchable
            value={groupBy}
            onChange={setGroupBy}
          />
          <Menu position="bottom-end">
            <Menu.Target>
              <Button size="xs" variant="default" disabled={!!exporting && !exporting.error}>
                Export
              </Button>
            </Menu.Target>
            <Menu.Dropdown>
              <Menu.Item onClick={() => void runExport('csv')}>CSV (visible columns)</Menu.Item>
              <Menu.Item onClick={() => void runExport('json')}>JSON (whole entities)</Menu.Item>
            </Menu.Dropdown>
          </Menu>
          <Button size="xs" component={Link} to={`/catalog/${encodeURIComponent(bpId)}/new`} leftSection={<IconPlus size={14} />}>
            New
          </Button>
        </Group>
      </Group>

      <Paper withBorder p="sm">
        <TextInput
          size="xs"
          mb="xs"
          maw={360}
          placeholder={`Search ${plural(bp?.title || bpId)} by title or identifier`}
          aria-label="Search by title or identifier"
          value={text}
          onChange={(e) => setText(e.currentTarget.value)}
          leftSection={<IconSearch size={14} />}
        />
        <FilterBuilder fields={fields} filters={filters} onChange={setFilters} />
        {incomplete > 0 && (
          <Text size="xs" c="dimmed" mt={4}>
            {incomplete === 1 ? 'One filter has' : `${incomplete} filters have`} no value yet and {incomplete === 1 ? 'is' : 'are'} not applied.
          </Text>
        )}
      </Paper>

      {pending > 0 && (
        <Alert variant="light" color="blue" p="xs" role="status">
          <Group justify="space-between">
            <Text size="sm">
              {pending} new {pending === 1 ? 'change' : 'changes'} since this page loaded.
            </Text>
            <Button size="xs" variant="light" onClick={refreshAll}>
              Refresh
            </Button>
          </Group>
        </Alert>
      )}

      {groupField ? (
        groupsQ.isError ? (
          <ErrorState error={groupsQ.error} onRetry={() => void groupsQ.refetch()} title="Cannot group" />
        ) : groupsQ.isPending ? (
          <Text size="sm" c="dimmed" role="status">
            Counting groups…
          </Text>
        ) : (
          <GroupSections
            groups={groupsQ.data ?? []}
            field={groupField}
            total={total}
            query={query}
            render={(q, n, label) => <EntityTable {...tableProps} query={q} total={n} caption={`${title} where ${groupField.title} is ${label}`} />}
          />
        )
      ) : (
        <EntityTable key={bpId} {...tableProps} query={query} total={total} caption={`${title} entities`} />
      )}

      <Modal opened={!!exporting} onClose={cancelExport} title={`Exporting ${exporting?.format.toUpperCase() ?? ''}`} centered>
        {exporting && (
          <Stack gap="sm">
            {exporting.error ? (
              <ErrorState error={new Error(exporting.error)} title="Export failed" />
            ) : (
              <>
                <Text size="sm" aria-live="polite">
                  {exporting.done.toLocaleString()} of {total?.toLocaleString() ?? '?'} entities
                </Text>
                <Progress value={total ? (100 * exporting.done) / Math.max(1, total) : 0} animated aria-label="Export progress" />
              </>
            )}
            <Group justify="flex-end">
              <Button size="xs" variant="default" onClick={cancelExport}>
                {exporting.error ? 'Close' : 'Cancel'}
              </Button>
            </Group>
          </Stack>
        )}
      </Modal>
    </Stack>
  );
}

function GroupSections({
  groups,
  field,
  total,
  query,
  render,
}: {
  groups: { value: unknown; count: number }[];
  field: FieldDef;
  total?: number;
  query?: RuleTree;
  render: (q: RuleTree, count: number | undefined, label: string) => React.ReactNode;
}) {
  const [open, setOpen] = useState<string[]>([]);
  const grouped = groups.reduce((n, g) => n + g.count, 0);
  const multi = field.type === 'array' || field.name === '$team' || field.many;
  const none = total !== undefined && !multi ? total - grouped : undefined;
  const items = [
    ...groups.slice(0, MAX_GROUPS).map((g) => ({ key: groupKey(g.value), value: g.value, count: g.count as number | undefined, rule: groupRule(field, g.value) })),
    ...(none === 0 ? [] : [{ key: 'none', value: undefined, count: none, rule: field.kind === 'relation' ? { relation: field.name, operator: 'isEmpty' } : { property: field.name, operator: 'isEmpty' } }]),
  ];
  if (groups.length === 0 && none === undefined && total === 0) return <EmptyState title="Nothing to group" />;
  const itemDef = field.type === 'array' && field.items ? field.items : field;
  // Group headers are buttons: their values must not render links.
  const valueDef = field.kind === 'relation' || ['user', 'team', 'url', 'email', 'idn-email'].includes(itemDef.format ?? '') ? { type: 'string' } : itemDef;
  return (
    <Stack gap="xs">
      {groups.length > MAX_GROUPS && (
        <Text size="xs" c="dimmed">
          The {MAX_GROUPS} largest of {groups.length.toLocaleString()} groups; filter to see the others.
        </Text>
      )}
      <Accordion multiple value={open} onChange={setOpen} variant="separated" chevronPosition="left">
        {items.map((g) => (
          <Accordion.Item key={g.key} value={g.key}>
            <Accordion.Control>
              <Group gap="xs">
                <VisuallyHidden>{field.title}:</VisuallyHidden>
                {g.value === undefined ? (
                  <Text size="sm" c="dimmed">
                    No value
                  </Text>
                ) : (
                  <PropertyValue value={g.value} def={valueDef} compact />
                )}
                {g.count !== undefined && (
                  <Badge size="sm" variant="default">
                    {g.count.toLocaleString()}
                  </Badge>
                )}
              </Group>
            </Accordion.Control>
            <Accordion.Panel>{open.includes(g.key) && render(andRule(query, g.rule), g.count, g.value === undefined ? 'empty' : String(g.value))}</Accordion.Panel>
          </Accordion.Item>
        ))}
      </Accordion>
    </Stack>
  );
}

const MAX_GROUPS = 100;

/** groupKey: a DOM-safe key for a group value (Mantine builds element ids from it). */
export function groupKey(v: unknown): string {
  return `v-${encodeURIComponent(JSON.stringify(v)).replace(/[^A-Za-z0-9-]/g, (c) => `_${c.charCodeAt(0).toString(16)}`)}`;
}

