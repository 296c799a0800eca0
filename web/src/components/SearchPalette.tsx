// Global search (Cmd/Ctrl+K): Mantine Spotlight over GET /v1/search, full text
// across every blueprint. Arrow keys move, Enter opens the entity page.
import { useEffect, useMemo, useState } from 'react';
import { Badge, Group, Loader, Text } from '@mantine/core';
import { useDebouncedValue, useHotkeys } from '@mantine/hooks';
import { createSpotlight, Spotlight } from '@mantine/spotlight';
import { useNavigate } from 'react-router';
import { useBlueprints, useTextSearch } from '../api/hooks';
import { errorMessage } from '../api/client';
import { Snippet } from './Snippet';
import { IconBlueprint, IconSearch } from './icons';

export const [searchStore, searchSpotlight] = createSpotlight();

/** selectFirstAction marks the first action selected, as Spotlight does on a query change. */
function selectFirstAction() {
  const state = searchStore.getState();
  if (!state.opened || !state.listId) return;
  const list = document.getElementById(state.listId);
  if (!list) return;
  list.querySelector('[data-selected]')?.removeAttribute('data-selected');
  const first = list.querySelector('[data-action]');
  if (!first) return;
  first.setAttribute('data-selected', 'true');
  searchStore.updateState((s) => ({ ...s, selected: 0 }));
}

export function SearchPalette({ debounceMs = 200 }: { debounceMs?: number }) {
  const [query, setQuery] = useState('');
  const [debounced] = useDebouncedValue(query, debounceMs);
  const navigate = useNavigate();
  const search = useTextSearch(debounced, { limit: 20 });
  const blueprints = useBlueprints();
  const titles = useMemo(() => {
    const m = new Map<string, string>();
    for (const b of blueprints.data ?? []) m.set(b.identifier, b.title || b.identifier);
    return m;
  }, [blueprints.data]);

  const trimmed = query.trim();
  const hits = trimmed ? (search.data ?? []) : [];
  const waiting = trimmed !== '' && (debounced !== query || search.isFetching);
  const blueprintMatches = (blueprints.data ?? [])
    .filter((b) => !b.identifier.startsWith('_'))
    .filter((b) => {
      const q = trimmed.toLowerCase();
      return !q || b.identifier.toLowerCase().includes(q) || (b.title ?? '').toLowerCase().includes(q);
    })
    .slice(0, trimmed ? 3 : 8);

  // Results arrive after the query changed (debounce + request), so select the
  // top one again when they do: Enter then opens the best match.
  const resultKey = hits.map((h) => `${h.blueprint}/${h.identifier}`).join('|') + '#' + blueprintMatches.map((b) => b.identifier).join('|');
  useEffect(selectFirstAction, [resultKey]);
  // Ctrl/⌘ K works from anywhere, text fields included (a filter, a form): the
  // palette's own shortcuts skip inputs, which suits "/" only.
  useHotkeys([['mod + K', () => searchSpotlight.open()]], []);

  return (
    <Spotlight.Root
      store={searchStore}
      query={query}
      onQueryChange={setQuery}
      shortcut="/"
      clearQueryOnClose
      scrollable
      maxHeight={480}
      size="lg"
      // No open animation: the input takes focus at once, so typing right after Ctrl+K keeps every letter.
      transitionProps={{ duration: 0 }}
    >
      <Spotlight.Search
        placeholder="Search entities across all blueprints…"
        aria-label="Search entities"
        leftSection={waiting ? <Loader size="xs" aria-label="Searching" /> : <IconSearch />}
      />
      <Spotlight.ActionsList aria-label="Search results">
        {hits.length > 0 && (
          <Spotlight.ActionsGroup label="Entities">
            {hits.map((h) => (
              <Spotlight.Action
                key={`${h.blueprint}/${h.identifier}`}
                onClick={() => navigate(`/entities/${encodeURIComponent(h.blueprint)}/${encodeURIComponent(h.identifier)}`)}
              >
                <Group wrap="nowrap" w="100%" justify="space-between" gap="sm">
                  <div style={{ minWidth: 0 }}>
                    <Text size="sm" fw={500} truncate>
                      {h.title || h.identifier}
                      {/* A space keeps the accessible name "Title identifier", not "Titleidentifier". */}
                      {h.title && h.title !== h.identifier && ' '}
                      {h.title && h.title !== h.identifier && (
                        <Text span size="xs" c="dimmed" ml={6} className="mono">
                          {h.identifier}
                        </Text>
                      )}
                    </Text>
                    {h.snippet && (
                      <Text size="xs" c="dimmed" lineClamp={1}>
                        <Snippet text={h.snippet} />
                      </Text>
                    )}
                  </div>
                  <Badge variant="light" size="sm" style={{ flexShrink: 0 }}>
                    {titles.get(h.blueprint) ?? h.blueprint}
                  </Badge>
                </Group>
              </Spotlight.Action>
            ))}
          </Spotlight.ActionsGroup>
        )}
        {blueprintMatches.length > 0 && (
          <Spotlight.ActionsGroup label="Go to catalog">
            {blueprintMatches.map((b) => (
              <Spotlight.Action
                key={`bp:${b.identifier}`}
                onClick={() => navigate(`/catalog/${encodeURIComponent(b.identifier)}`)}
                leftSection={<IconBlueprint />}
                label={b.title || b.identifier}
                description={`Open the ${b.title || b.identifier} catalog`}
              />
            ))}
          </Spotlight.ActionsGroup>
        )}
        {trimmed !== '' && !waiting && search.isError && (
          <Spotlight.Empty>
            <Text c="red" size="sm" role="alert">
              Search failed: {errorMessage(search.error)}
            </Text>
          </Spotlight.Empty>
        )}
        {trimmed !== '' && !waiting && !search.isError && hits.length === 0 && blueprintMatches.length === 0 && (
          <Spotlight.Empty>No entity matches “{trimmed}”.</Spotlight.Empty>
        )}
        {trimmed === '' && blueprintMatches.length === 0 && (
          <Spotlight.Empty>Type to search identifiers, titles and text of every entity.</Spotlight.Empty>
        )}
      </Spotlight.ActionsList>
      <Spotlight.Footer>
        <Text size="xs" c="dimmed">
          ↑ ↓ to move · Enter to open · Esc to close
        </Text>
      </Spotlight.Footer>
    </Spotlight.Root>
  );
}
