// EntityTable: one server-side page of a blueprint's entities at a time
// (POST .../entities/search with limit and the `next` cursor), sortable by
// the search route's sort, columns chosen by the caller.
import { useMemo, useState } from 'react';
import { ActionIcon, Anchor, Group, Select, Skeleton, Table, Text, UnstyledButton } from '@mantine/core';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { searchEntities } from '../../api/hooks';
import { useLiveEvents } from '../../api/events';
import type { RuleTree, SearchSort } from '../../api/types';
import { ErrorState } from '../states';
import { fieldValue, isSortable, type FieldDef } from '../entity/fields';
import { PropertyValue } from '../entity/values/PropertyValue';
import type { SortState } from './views';

export const catalogKeys = {
  all: (bp: string) => ['catalog', bp] as const,
  page: (bp: string, req: unknown) => ['catalog', bp, 'page', req] as const,
  count: (bp: string, q: unknown) => ['catalog', bp, 'count', q ?? null] as const,
  groups: (bp: string, g: unknown) => ['catalog', bp, 'groups', g] as const,
};

export function toSearchSort(s: SortState | null, fields: FieldDef[]): SearchSort[] | undefined {
  if (!s) return undefined;
  const f = fields.find((x) => x.key === s.field);
  if (!f || !isSortable(f)) return undefined;
  return [{ property: f.name, order: s.order }];
}

interface Props {
  blueprint: string;
  columns: FieldDef[];
  query?: RuleTree;
  sort: SortState | null;
  sortFields: FieldDef[];
  onSort: (s: SortState | null) => void;
  pageSize: number;
  onPageSize?: (n: number) => void;
  /** Total matching entities, when known (shown as "1–50 of N"). */
  total?: number;
  empty: React.ReactNode;
  caption: string;
  /** False while the filters cannot be built yet (the blueprint is loading). */
  enabled?: boolean;
}

export function EntityTable({ blueprint, columns, query, sort, sortFields, onSort, pageSize, onPageSize, total, empty, caption, enabled = true }: Props) {
  const sortReq = toSearchSort(sort, sortFields);
  const base = useMemo(() => ({ query, sort: sortReq, limit: pageSize }), [JSON.stringify(query), JSON.stringify(sortReq), pageSize]); // eslint-disable-line react-hooks/exhaustive-deps
  // cursors[i] is the `from` of page i (undefined for the first); a new
  // query, sort or page size starts again at the first page.
  const resetKey = JSON.stringify([blueprint, base]);
  const [pg, setPg] = useState<{ key: string; cursors: (string | undefined)[]; index: number }>({ key: resetKey, cursors: [undefined], index: 0 });
  const cur = pg.key === resetKey ? pg : { key: resetKey, cursors: [undefined], index: 0 };
  const pageIndex = cur.index;
  const setPageIndex = (f: (i: number) => number) => setPg({ ...cur, index: f(cur.index) });
  const req = { ...base, from: cur.cursors[pageIndex] };
  const q = useQuery({
    queryKey: catalogKeys.page(blueprint, req),
    queryFn: ({ signal }) => searchEntities(blueprint, req, signal),
    placeholderData: keepPreviousData,
    enabled,
  });

  // A change to an entity on this page refreshes the page.
  useLiveEvents((ev) => {
    if (ev.blueprint !== blueprint || !ev.entity || !q.data) return;
    if (q.data.entities.some((e) => e.identifier === ev.entity)) void q.refetch();
  });

  const next = q.data?.next;
  const goNext = () => {
    if (!next) return;
    setPg({ key: cur.key, cursors: [...cur.cursors.slice(0, pageIndex + 1), next], index: pageIndex + 1 });
  };

  const header = (
    <Table.Thead>
      <Table.Tr>
        {columns.map((c) => {
          const sortable = isSortable(c);
          const active = sort?.field === c.key ? sort.order : null;
          return (
            <Table.Th
              key={c.key}
              aria-sort={active === 'asc' ? 'ascending' : active === 'desc' ? 'descending' : undefined}
              style={{ whiteSpace: 'nowrap' }}
            >
              {sortable ? (
                <UnstyledButton
                  onClick={() => onSort(active === 'asc' ? { field: c.key, order: 'desc' } : active === 'desc' ? null : { field: c.key, order: 'asc' })}
                  aria-label={`Sort by ${c.title}${active === 'asc' ? ', sorted ascending' : active === 'desc' ? ', sorted descending' : ''}`}
                  fw={600}
                  fz="sm"
                >
                  {c.title} <span aria-hidden="true">{active === 'asc' ? '▲' : active === 'desc' ? '▼' : '↕'}</span>
                </UnstyledButton>
              ) : (
                <Text fw={600} fz="sm" span>
                  {c.title}
                </Text>
              )}
            </Table.Th>
          );
        })}
      </Table.Tr>
    </Table.Thead>
  );

  let body: React.ReactNode;
  if (q.isError) {
    return <ErrorState error={q.error} onRetry={() => void q.refetch()} title="Cannot load entities" />;
  } else if (!q.data) {
    body = Array.from({ length: Math.min(pageSize, 8) }, (_, i) => (
      <Table.Tr key={i}>
        {columns.map((c) => (
          <Table.Td key={c.key}>
            <Skeleton height={14} radius="sm" />
          </Table.Td>
        ))}
      </Table.Tr>
    ));
  } else if (q.data.entities.length === 0 && pageIndex === 0) {
    return <>{empty}</>;
  } else {
    body = q.data.entities.map((e) => (
      <Table.Tr key={e.identifier}>
        {columns.map((c) => (
          <Table.Td key={c.key} style={{ maxWidth: 360, overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }}>
            {c.key === '$title' || c.key === '$identifier' ? (
              <Anchor component={Link} to={`/entities/${encodeURIComponent(blueprint)}/${encodeURIComponent(e.identifier)}`} size="sm" fw={c.key === '$title' ? 500 : undefined} className={c.key === '$identifier' ? 'mono' : undefined}>
                {c.key === '$title' ? e.title || e.identifier : e.identifier}
              </Anchor>
            ) : (
              <PropertyValue value={fieldValue(e, c)} def={c} compact />
            )}
          </Table.Td>
        ))}
      </Table.Tr>
    ));
  }

  const count = q.data?.entities.length ?? 0;
  const start = pageIndex * pageSize + 1;
  return (
    <div>
      <Table.ScrollContainer minWidth={600}>
        <Table striped highlightOnHover verticalSpacing={6} aria-busy={q.isFetching} aria-label={caption} style={{ minWidth: '100%', width: 'max-content' }}>
          {header}
          <Table.Tbody style={{ opacity: q.isPlaceholderData ? 0.6 : 1 }}>{body}</Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      <Group justify="space-between" mt="xs" gap="xs">
        <Text size="xs" c="dimmed" aria-live="polite">
          {q.data ? (count ? `${start.toLocaleString()}–${(start + count - 1).toLocaleString()}` : 'None') : 'Loading'}
          {total !== undefined ? ` of ${total.toLocaleString()}` : ''}
        </Text>
        <Group gap="xs">
          {onPageSize && (
            <Select
              aria-label="Rows per page"
              size="xs"
              w={90}
              data={['25', '50', '100', '200']}
              value={String(pageSize)}
              onChange={(v) => v && onPageSize(Number(v))}
              allowDeselect={false}
            />
          )}
          <ActionIcon variant="default" aria-label="First page" disabled={pageIndex === 0} onClick={() => setPageIndex(() => 0)}>
            «
          </ActionIcon>
          <ActionIcon variant="default" aria-label="Previous page" disabled={pageIndex === 0} onClick={() => setPageIndex((i) => Math.max(0, i - 1))}>
            ‹
          </ActionIcon>
          <Text size="xs" c="dimmed">
            Page {pageIndex + 1}
            {total !== undefined ? ` of ${Math.max(1, Math.ceil(total / pageSize)).toLocaleString()}` : ''}
          </Text>
          <ActionIcon variant="default" aria-label="Next page" disabled={!next || q.isPlaceholderData} onClick={goNext}>
            ›
          </ActionIcon>
        </Group>
      </Group>
    </div>
  );
}
