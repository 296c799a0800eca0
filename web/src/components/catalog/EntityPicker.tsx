// EntityPicker: choose one or several entities of a blueprint (users, teams,
// relation targets), searching by title or identifier on the server.
import { useState } from 'react';
import { MultiSelect, Select } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useQuery } from '@tanstack/react-query';
import { searchEntities } from '../../api/hooks';
import type { RuleTree } from '../../api/types';

/** caseVariants: "contains" is case-sensitive, so the text is also tried as lower, Capitalized and UPPER case. */
export function caseVariants(t: string): string[] {
  const lower = t.toLowerCase();
  return [...new Set([t, lower, lower.charAt(0).toUpperCase() + lower.slice(1), t.toUpperCase()])];
}

/** textRule: title or identifier contains the text (in any of its case variants). */
export function textRule(text: string): RuleTree {
  const rules = caseVariants(text.trim()).flatMap((v) => [
    { property: '$title', operator: 'contains', value: v },
    { property: '$identifier', operator: 'contains', value: v },
  ]);
  return { combinator: 'or', rules };
}

export function pickerQuery(text: string): RuleTree | undefined {
  const t = text.trim();
  return t ? textRule(t) : undefined;
}

interface Props {
  blueprint: string;
  label: string;
  multiple?: boolean;
  value: unknown;
  onChange: (v: unknown) => void;
}

export function EntityPicker({ blueprint, label, multiple, value, onChange }: Props) {
  const [search, setSearch] = useState('');
  const [debounced] = useDebouncedValue(search, 200);
  const q = useQuery({
    queryKey: ['picker', blueprint, debounced],
    queryFn: ({ signal }) => searchEntities(blueprint, { limit: 50, query: pickerQuery(debounced), include: ['$identifier', '$title'] }, signal),
    staleTime: 30_000,
    placeholderData: (prev) => prev,
  });
  const selected = (Array.isArray(value) ? value : value ? [value] : []).map(String);
  const data = new Map<string, string>();
  for (const id of selected) data.set(id, id);
  for (const e of q.data?.entities ?? []) data.set(e.identifier, e.title ? `${e.title} (${e.identifier})` : e.identifier);
  const options = [...data.entries()].map(([v, l]) => ({ value: v, label: l }));
  const common = {
    'aria-label': label,
    placeholder: q.isError ? 'Cannot load entities' : 'Search…',
    searchable: true,
    data: options,
    size: 'xs' as const,
    nothingFoundMessage: q.isFetching ? 'Loading…' : 'No match',
    filter: ({ options: o }: { options: unknown[] }) => o as never,
    miw: 180,
  };
  if (multiple) {
    return (
      <MultiSelect
        {...common}
        value={selected}
        onChange={(v) => onChange(v)}
        searchValue={search}
        onSearchChange={setSearch}
      />
    );
  }
  return (
    <Select
      {...common}
      value={selected[0] ?? null}
      onChange={(v) => onChange(v ?? undefined)}
      searchValue={search}
      onSearchChange={setSearch}
      clearable
    />
  );
}
