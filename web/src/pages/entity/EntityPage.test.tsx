import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, screen } from '@testing-library/react';
import EntityPage from './EntityPage';
import { jsonResponse, renderWithProviders } from '../../test/render';

const blueprint = {
  identifier: 'service',
  title: 'Service',
  schema: { properties: { replicas: { type: 'number', title: 'Replicas' }, docs: { type: 'string', format: 'markdown' } }, required: [] },
  mirrorProperties: {},
  calculationProperties: {},
  aggregationProperties: {},
  relations: { dependsOn: { target: 'service', many: true, required: false } },
};

const entity = (replicas: number) => ({
  blueprint: 'service',
  identifier: 'pay',
  title: 'Payments',
  team: ['pay-team'],
  properties: { replicas, docs: '**hello** <b>x</b>' },
  relations: { dependsOn: ['ledger'] },
  createdAt: '2026-11-01T10:00:00Z',
  updatedAt: '2026-11-03T10:00:00Z',
  createdBy: 'a@x.io',
  updatedBy: 'a@x.io',
});

describe('EntityPage', () => {
  const fetchMock = vi.fn<typeof fetch>();
  const seen: string[] = [];
  beforeEach(() => {
    seen.length = 0;
    fetchMock.mockReset();
    fetchMock.mockImplementation(async (input) => {
      const url = new URL(String(input), 'http://localhost');
      seen.push(url.pathname + url.search);
      if (url.pathname === '/v1/blueprints/service') return jsonResponse({ ok: true, blueprint });
      if (url.pathname === '/v1/blueprints/service/entities/pay') {
        const asOf = url.searchParams.get('as_of');
        if (asOf === '2020-01-01T00:00:00Z') return jsonResponse({ ok: false, error: 'not_found', message: 'no entity then' }, 404);
        return jsonResponse({ ok: true, entity: entity(asOf ? 1 : 3) });
      }
      if (url.pathname === '/v1/blueprints/service/entities/pay/impact') {
        const down = url.searchParams.get('direction') === 'downstream';
        return jsonResponse({
          ok: true,
          impact: {
            blueprint: 'service',
            identifier: 'pay',
            direction: url.searchParams.get('direction'),
            maxHops: 1,
            total: 1,
            truncated: false,
            teams: [],
            blueprints: [
              {
                blueprint: 'service',
                count: 1,
                entities: [
                  down
                    ? { blueprint: 'service', identifier: 'checkout', title: 'Checkout', team: [], hops: 1, path: [{ blueprint: 'service', identifier: 'pay' }, { blueprint: 'service', identifier: 'checkout', relation: 'dependsOn' }] }
                    : { blueprint: 'service', identifier: 'ledger', title: 'Ledger', team: [], hops: 1, path: [{ blueprint: 'service', identifier: 'pay' }, { blueprint: 'service', identifier: 'ledger', relation: 'dependsOn' }] },
                ],
              },
            ],
          },
        });
      }
      return jsonResponse({ ok: false, error: 'not_found', message: 'no' }, 404);
    });
    vi.stubGlobal('fetch', fetchMock);
  });
  afterEach(() => vi.unstubAllGlobals());

  const setup = (path: string) => renderWithProviders(<EntityPage />, { path, route: '/entities/:blueprint/:identifier' });

  it('shows the header, properties by type and relations both ways', async () => {
    setup('/entities/service/pay');
    expect(await screen.findByRole('heading', { name: 'Payments' })).toBeTruthy();
    expect(screen.getByRole('link', { name: 'pay-team' }).getAttribute('href')).toBe('/entities/_team/pay-team');
    expect(screen.getByRole('link', { name: 'Edit' }).getAttribute('href')).toBe('/entities/service/pay/edit');
    expect(await screen.findByText('3')).toBeTruthy();
    // Markdown: bold rendered, raw HTML shown as text.
    expect(document.querySelector('strong')?.textContent).toBe('hello');
    expect(document.querySelector('b')).toBeNull();
    // Outgoing (title from the impact route) and incoming.
    expect((await screen.findByRole('link', { name: 'Ledger' })).getAttribute('href')).toBe('/entities/service/ledger');
    expect((await screen.findByRole('link', { name: 'Checkout' })).getAttribute('href')).toBe('/entities/service/checkout');
  });

  it('shows the entity as of an instant with a banner and goes back to now', async () => {
    setup('/entities/service/pay?asOf=2026-11-02T10:00:00Z');
    expect(await screen.findByText('Showing the entity as of', { exact: false })).toBeTruthy();
    expect(await screen.findByText('1')).toBeTruthy();
    expect(seen).toContain('/v1/blueprints/service/entities/pay?as_of=2026-11-02T10%3A00%3A00Z');
    // No editing of the past.
    expect(screen.queryByRole('link', { name: 'Edit' })).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Back to now' }));
    expect(await screen.findByText('3')).toBeTruthy();
    expect(screen.queryByText('Showing the entity as of', { exact: false })).toBeNull();
  });

  it('says when the entity did not exist at that time', async () => {
    setup('/entities/service/pay?asOf=2020-01-01T00:00:00Z');
    expect(await screen.findByText('The entity did not exist as of', { exact: false })).toBeTruthy();
  });

  it('shows the server message when the entity cannot be loaded', async () => {
    setup('/entities/service/nope');
    expect(await screen.findByText('No entity "nope" in service')).toBeTruthy();
  });
});
