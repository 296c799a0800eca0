// A searchable picker of a blueprint's entities: the server filters by title or
// identifier ("contains", in a few spellings), so large catalogs stay fast. many → multi-select.
import { useMemo, useState } from 'react';
import { MultiSelect, Select, type ComboboxItem } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useQuery } from '@tanstack/react-query';
import { keys, searchEntities } from '../../api/hooks';
import type { SearchRequest } from '../../api/types';

export const PICKER_LIMIT = 25;

/** pickerRequest: the search body for what the user typed (blank: the first entities by title). */
export function pickerRequest(q: string): SearchRequest {
  const t = q.trim();
  const req: SearchRequest = { limit: PICKER_LIMIT, sort: [{ property: '$title', order: 'asc' }] };
  if (t) {
    // "contains" is case-sensitive on the server: ask for the usual spellings too.
    const variants = [...new Set([t, t.toLowerCase(), t.charAt(0).toUpperCase() + t.slice(1), t.toUpperCase()])];
    req.query = {
      combinator: 'or',
      rules: variants.flatMap((v) => [
        { property: '$title', operator: 'contains', value: v },
        { property: '$identifier', operator: 'contains', value: v },
      ]),
    };
  }
  return req;
}

/** selectedRequest: the search body fetching the titles of already selected entities. */
export function selectedRequest(ids: string[]): SearchRequest {
  return { limit: Math.max(1, ids.length), query: { combinator: 'and', rules: [{ property: '$identifier', operator: 'in', value: ids }] } };
}

interface Common {
  blueprint: string;
  label: string;
  description?: string;
  error?: string;
  required?: boolean;
  placeholder?: string;
  disabled?: boolean;
}

function useOptions(blueprint: string, search: string, selected: string[]) {
  const [q] = useDebouncedValue(search, 200);
  const req = useMemo(() => pickerRequest(q), [q]);
  const res = useQuery({
    queryKey: [...keys.entities(blueprint, { picker: req }), 'picker'],
    queryFn: ({ signal }) => searchEntities(blueprint, req, signal),
    placeholderData: (prev) => prev,
    staleTime: 15_000,
  });
  // Selected entities the current page of results lacks: their titles come from one more search.
  const found = new Set((res.data?.entities ?? []).map((e) => e.identifier));
  const missing = selected.filter((s) => s && !found.has(s)).sort();
  const labelsReq = useMemo(() => selectedRequest(missing), [missing.join('\u0000')]); // eslint-disable-line react-hooks/exhaustive-deps
  const labels = useQuery({
    queryKey: [...keys.entities(blueprint, { picker: labelsReq }), 'picker-labels'],
    enabled: missing.length > 0,
    queryFn: ({ signal }) => searchEntities(blueprint, labelsReq, signal),
    staleTime: 60_000,
  });
  const data = useMemo(() => {
    const label = (e: { identifier: string; title?: string }) => (e.title && e.title !== e.identifier ? `${e.title} (${e.identifier})` : e.identifier);
    const items: ComboboxItem[] = (res.data?.entities ?? []).map((e) => ({ value: e.identifier, label: label(e) }));
    // Selected values stay choosable even when the current search does not return them.
    for (const s of selected) {
      if (!s || items.some((i) => i.value === s)) continue;
      const known = labels.data?.entities.find((e) => e.identifier === s);
      items.unshift({ value: s, label: known ? label(known) : s });
    }
    return items;
  }, [res.data, labels.data, selected]);
  return { data, loading: res.isFetching, error: res.error };
}

const keepAll = ({ options }: { options: unknown[] }) => options as never;

export function EntityPicker({ value, onChange, clearable = true, ...c }: Common & { value: string; onChange: (v: string) => void; clearable?: boolean }) {
  const [search, setSearch] = useState('');
  const selected = useMemo(() => (value ? [value] : []), [value]);
  const { data, loading, error } = useOptions(c.blueprint, search, selected);
  return (
    <Select
      label={c.label}
      description={c.description}
      placeholder={c.placeholder ?? 'Search by title or identifier'}
      withAsterisk={c.required}
      disabled={c.disabled}
      searchable
      clearable={clearable}
      searchValue={search}
      onSearchChange={setSearch}
      filter={keepAll}
      data={data}
      value={value || null}
      onChange={(v) => onChange(v ?? '')}
      nothingFoundMessage={loading ? 'Searching…' : error ? 'Search failed' : 'No match'}
      error={c.error}
    />
  );
}

export function EntityMultiPicker({ value, onChange, ...c }: Common & { value: string[]; onChange: (v: string[]) => void }) {
  const [search, setSearch] = useState('');
  const { data, loading, error } = useOptions(c.blueprint, search, value);
  return (
    <MultiSelect
      label={c.label}
      description={c.description}
      placeholder={value.length ? undefined : (c.placeholder ?? 'Search by title or identifier')}
      withAsterisk={c.required}
      disabled={c.disabled}
      searchable
      clearable
      searchValue={search}
      onSearchChange={setSearch}
      filter={keepAll}
      data={data}
      value={value}
      onChange={onChange}
      nothingFoundMessage={loading ? 'Searching…' : error ? 'Search failed' : 'No match'}
      error={c.error}
    />
  );
}
