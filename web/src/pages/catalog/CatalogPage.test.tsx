import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { act, fireEvent, screen } from '@testing-library/react';
import CatalogPage from './CatalogPage';
import { jsonResponse, renderWithProviders } from '../../test/render';
import { publishEvent } from '../../api/events';

const blueprint = {
  identifier: 'service',
  title: 'Service',
  schema: { properties: { language: { type: 'string', enum: ['Go', 'Rust'], enumColors: { Go: 'blue' } }, replicas: { type: 'number' } }, required: [] },
  mirrorProperties: {},
  calculationProperties: {},
  aggregationProperties: {},
  relations: {},
};

const ent = (id: string, language: string) => ({
  blueprint: 'service',
  identifier: id,
  title: id.toUpperCase(),
  team: [],
  properties: { language, replicas: 2 },
  relations: {},
  createdAt: '2026-11-01T10:00:00Z',
  updatedAt: '2026-11-03T10:00:00Z',
  createdBy: 'a',
  updatedBy: 'a',
});

describe('CatalogPage', () => {
  const fetchMock = vi.fn<typeof fetch>();
  const calls: { path: string; body: unknown }[] = [];
  let search: (body: Record<string, unknown>) => Response;
  beforeEach(() => {
    calls.length = 0;
    localStorage.clear();
    search = (body) =>
      body.from ? jsonResponse({ ok: true, entities: [ent('c', 'Go')] }) : jsonResponse({ ok: true, entities: [ent('a', 'Go'), ent('b', 'Rust')], next: 'CUR1' });
    fetchMock.mockReset();
    fetchMock.mockImplementation(async (input, init) => {
      const url = new URL(String(input), 'http://localhost');
      const body = init?.body ? JSON.parse(String(init.body)) : undefined;
      calls.push({ path: url.pathname, body });
      if (url.pathname === '/v1/blueprints/service') return jsonResponse({ ok: true, blueprint });
      if (url.pathname === '/v1/blueprints/service/entities/search') return search(body);
      if (url.pathname === '/v1/blueprints/service/entities-count') return jsonResponse({ ok: true, count: 3 });
      if (url.pathname === '/v1/entities/aggregate') return jsonResponse({ ok: true, result: {}, values: [{ value: 'Go', count: 2 }, { value: 'Rust', count: 1 }] });
      return jsonResponse({ ok: false, error: 'not_found', message: 'no' }, 404);
    });
    vi.stubGlobal('fetch', fetchMock);
  });
  afterEach(() => vi.unstubAllGlobals());

  const setup = () => renderWithProviders(<CatalogPage />, { path: '/catalog/service', route: '/catalog/:blueprint' });

  it('loads the first page with one search and one count request', async () => {
    setup();
    expect(await screen.findByRole('link', { name: 'A' })).toBeTruthy();
    expect(screen.getByRole('link', { name: 'B' }).getAttribute('href')).toBe('/entities/service/b');
    expect((await screen.findByTestId('catalog-total')).textContent).toBe('3');
    const searches = calls.filter((c) => c.path.endsWith('/entities/search'));
    const counts = calls.filter((c) => c.path.endsWith('/entities-count'));
    expect(searches).toHaveLength(1);
    expect(counts).toHaveLength(1);
    expect(searches[0].body).toEqual({ limit: 50 });
    expect(calls.filter((c) => c.path.includes('/entities') && !c.path.endsWith('/entities/search') && !c.path.endsWith('/entities-count'))).toHaveLength(0);
  });

  it('pages with the next cursor', async () => {
    setup();
    await screen.findByRole('link', { name: 'A' });
    fireEvent.click(screen.getByRole('button', { name: 'Next page' }));
    expect(await screen.findByRole('link', { name: 'C' })).toBeTruthy();
    expect(calls.filter((c) => c.path.endsWith('/entities/search')).at(-1)?.body).toEqual({ limit: 50, from: 'CUR1' });
  });

  it('sorts by a column on the server', async () => {
    setup();
    await screen.findByRole('link', { name: 'A' });
    fireEvent.click(screen.getByRole('button', { name: 'Sort by replicas' }));
    await vi.waitFor(() =>
      expect(calls.filter((c) => c.path.endsWith('/entities/search')).at(-1)?.body).toEqual({ limit: 50, sort: [{ property: 'replicas', order: 'asc' }] }),
    );
  });

  it('shows an empty state with a clear-filters button when filters match nothing', async () => {
    search = (body) => (body.query ? jsonResponse({ ok: true, entities: [] }) : jsonResponse({ ok: true, entities: [ent('a', 'Go')] }));
    setup();
    await screen.findByRole('link', { name: 'A' });
    fireEvent.click(screen.getByRole('button', { name: '+ Add filter' }));
    fireEvent.click(await screen.findByRole('combobox', { name: 'language value' }));
    fireEvent.click(await screen.findByRole('option', { name: 'Rust' }));
    expect(await screen.findByText('No services match these filters')).toBeTruthy();
    const withQuery = calls.filter((c) => c.path.endsWith('/entities/search') && (c.body as { query?: unknown }).query);
    expect((withQuery.at(-1)?.body as { query: unknown }).query).toEqual({ combinator: 'and', rules: [{ property: 'language', operator: '=', value: 'Rust' }] });
    fireEvent.click(screen.getAllByRole('button', { name: 'Clear filters' }).at(-1)!);
    expect(await screen.findByRole('link', { name: 'A' })).toBeTruthy();
  });

  it('restores filters, sort and grouping from the URL', async () => {
    const filters = encodeURIComponent(JSON.stringify([{ id: 'a', field: 'language', operator: '=', value: 'Go' }]));
    renderWithProviders(<CatalogPage />, { path: `/catalog/service?filters=${filters}&sort=replicas:desc`, route: '/catalog/:blueprint' });
    await screen.findByRole('link', { name: 'A' });
    const s = calls.filter((c) => c.path.endsWith('/entities/search'));
    expect(s).toHaveLength(1);
    expect(s[0].body).toEqual({
      limit: 50,
      query: { combinator: 'and', rules: [{ property: 'language', operator: '=', value: 'Go' }] },
      sort: [{ property: 'replicas', order: 'desc' }],
    });
    expect(calls.find((c) => c.path.endsWith('/entities-count'))?.body).toEqual({ query: { combinator: 'and', rules: [{ property: 'language', operator: '=', value: 'Go' }] } });
    expect((screen.getByRole('combobox', { name: 'Filter 1 property' }) as HTMLInputElement).value).toBe('language');
  });

  it('searches by title or identifier from the search box', async () => {
    setup();
    await screen.findByRole('link', { name: 'A' });
    fireEvent.change(screen.getByRole('textbox', { name: 'Search by title or identifier' }), { target: { value: 'pay' } });
    await vi.waitFor(() =>
      expect(calls.filter((c) => c.path.endsWith('/entities/search')).at(-1)?.body).toEqual({
        limit: 50,
        query: {
          combinator: 'and',
          rules: [
            {
              combinator: 'or',
              rules: [
                { property: '$title', operator: 'contains', value: 'pay' },
                { property: '$identifier', operator: 'contains', value: 'pay' },
                { property: '$title', operator: 'contains', value: 'Pay' },
                { property: '$identifier', operator: 'contains', value: 'Pay' },
                { property: '$title', operator: 'contains', value: 'PAY' },
                { property: '$identifier', operator: 'contains', value: 'PAY' },
              ],
            },
          ],
        },
      }),
    );
  });

  it('groups by a property with counts, each group paging its own search', async () => {
    renderWithProviders(<CatalogPage />, { path: '/catalog/service?group=language', route: '/catalog/:blueprint' });
    const go = await screen.findByRole('button', { name: /language: Go 2/ });
    expect(screen.getByRole('button', { name: /language: Rust 1/ })).toBeTruthy();
    expect(calls.find((c) => c.path === '/v1/entities/aggregate')?.body).toEqual({
      func: 'countValues',
      property: 'language',
      query: { combinator: 'and', rules: [{ property: '$blueprint', operator: '=', value: 'service' }] },
    });
    // No rows load until a group is opened; the sum of the groups is the total, so no "No value" group.
    expect(calls.filter((c) => c.path.endsWith('/entities/search'))).toHaveLength(0);
    expect(screen.queryByRole('button', { name: /no value|No value/ })).toBeNull();
    fireEvent.click(go);
    expect(await screen.findByRole('table', { name: 'Service where language is Go' })).toBeTruthy();
    expect(calls.filter((c) => c.path.endsWith('/entities/search')).at(-1)?.body).toEqual({
      limit: 50,
      query: { combinator: 'and', rules: [{ property: 'language', operator: '=', value: 'Go' }] },
    });
  });

  it('shows the server message on error', async () => {
    search = () => jsonResponse({ ok: false, error: 'invalid_request', message: 'query.rules[0].value: bad value' }, 422);
    setup();
    expect(await screen.findByText('query.rules[0].value: bad value')).toBeTruthy();
  });

  it('offers a refresh when entities are created elsewhere', async () => {
    setup();
    await screen.findByRole('link', { name: 'A' });
    act(() => publishEvent({ type: 'ENTITY_CREATED', blueprint: 'service', entity: 'z', actor: 'a', origin: 'API', seq: 1, time: new Date().toISOString(), before: null, after: null }));
    expect(await screen.findByText('1 new change since this page loaded.')).toBeTruthy();
    const before = calls.length;
    fireEvent.click(screen.getByRole('button', { name: 'Refresh' }));
    await vi.waitFor(() => expect(calls.length).toBeGreaterThan(before));
    expect(screen.queryByText('1 new change since this page loaded.')).toBeNull();
  });
});
