import { afterEach, describe, expect, it, vi } from 'vitest';
import { screen } from '@testing-library/react';
import { jsonResponse, renderWithProviders } from '../../test/render';
import { TeamOwnership } from './TeamOwnership';
import { parseFilters } from '../catalog/CatalogPage';

describe('TeamOwnership', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('counts what the team owns per blueprint and links to the filtered catalog', async () => {
    let body: unknown;
    vi.stubGlobal(
      'fetch',
      vi.fn<typeof fetch>(async (_input, init) => {
        body = JSON.parse(String(init?.body));
        return jsonResponse({ ok: true, result: {}, values: [{ value: 'service', count: 8 }, { value: '_user', count: 4 }] });
      }),
    );
    renderWithProviders(<TeamOwnership team="payments" />);
    const link = await screen.findByRole('link', { name: /service/ });
    expect(link.textContent).toContain('8');
    expect(screen.queryByRole('link', { name: /_user/ })).toBeNull();
    expect(body).toEqual({ func: 'countValues', property: '$blueprint', query: { combinator: 'and', rules: [{ property: '$team', operator: 'containsAny', value: ['payments'] }] } });
    const url = new URL(link.getAttribute('href')!, 'http://x');
    expect(url.pathname).toBe('/catalog/service');
    expect(parseFilters(url.searchParams.get('filters')!)).toEqual([{ id: 'team', field: '$team', operator: 'containsAny', value: ['payments'] }]);
  });
});
