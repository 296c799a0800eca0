import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { act, screen, within } from '@testing-library/react';
import HomePage, { eventToItem } from './HomePage';
import { publishEvent } from '../../api/events';
import { jsonResponse, renderWithProviders } from '../../test/render';

const now = Date.now();
const iso = (msAgo: number) => new Date(now - msAgo).toISOString();

function entity(blueprint: string, identifier: string, title: string, updatedMsAgo: number) {
  return {
    blueprint,
    identifier,
    title,
    createdAt: iso(updatedMsAgo + 1000),
    updatedAt: iso(updatedMsAgo),
    createdBy: 'demo',
    updatedBy: 'ada@example.com',
    properties: {},
    relations: {},
    team: [],
  };
}

describe('HomePage', () => {
  const fetchMock = vi.fn<typeof fetch>();
  let searchBodies: Record<string, unknown>;
  beforeEach(() => {
    searchBodies = {};
    fetchMock.mockReset();
    fetchMock.mockImplementation(async (input, init) => {
      const url = new URL(String(input), 'http://localhost');
      if (url.pathname === '/v1/blueprints')
        return jsonResponse({
          ok: true,
          blueprints: [
            { identifier: 'service', title: 'Service' },
            { identifier: 'environment', title: 'Environment' },
            { identifier: 'empty', title: 'Empty' },
            { identifier: '_user', title: 'User' },
          ],
        });
      if (url.pathname === '/v1/entities/aggregate')
        return jsonResponse({
          ok: true,
          result: { service: 54, environment: 4, _user: 30 },
          values: [
            { value: 'service', count: 54 },
            { value: '_user', count: 30 },
            { value: 'environment', count: 4 },
          ],
        });
      const m = url.pathname.match(/^\/v1\/blueprints\/([^/]+)\/entities\/search$/);
      if (m) {
        searchBodies[m[1]] = JSON.parse(String(init?.body));
        if (m[1] === 'service') return jsonResponse({ ok: true, entities: [entity('service', 'payments', 'Payments', 60_000)] });
        if (m[1] === 'environment') return jsonResponse({ ok: true, entities: [entity('environment', 'prod', 'Production', 3_600_000)] });
        return jsonResponse({ ok: true, entities: [] });
      }
      return jsonResponse({ ok: false, error: 'not_found', message: 'no' }, 404);
    });
    vi.stubGlobal('fetch', fetchMock);
  });
  afterEach(() => vi.unstubAllGlobals());

  it('shows entities per blueprint and the latest changes, newest first', async () => {
    renderWithProviders(<HomePage />);
    expect(await screen.findByRole('link', { name: 'Service 54 entities' })).toBeTruthy();
    expect(screen.getByRole('link', { name: 'Environment 4 entities' })).toBeTruthy();
    expect(screen.getByRole('link', { name: 'Empty 0 entities' })).toBeTruthy();
    expect(screen.queryByRole('link', { name: /^User / })).toBeNull();
    expect(screen.getByText('58 entities in 3 blueprints')).toBeTruthy();

    const list = await screen.findByRole('list', { name: 'Recently changed entities' });
    const links = await within(list).findAllByRole('link');
    expect(links.map((a) => a.textContent)).toEqual(['Payments', 'Production']);
    expect(links[0].getAttribute('href')).toBe('/entities/service/payments');
    // Sorted by $updatedAt, newest first; blueprints without entities are not asked.
    expect(searchBodies.service).toEqual({ limit: 5, sort: [{ property: '$updatedAt', order: 'desc' }] });
    expect(searchBodies.empty).toBeUndefined();
  });

  it('puts live changes on top as they arrive', async () => {
    renderWithProviders(<HomePage />);
    const list = await screen.findByRole('list', { name: 'Recently changed entities' });
    await within(list).findByText('Payments');
    act(() => {
      publishEvent({
        seq: 7,
        type: 'ENTITY_UPDATED',
        blueprint: 'environment',
        entity: 'prod',
        before: null,
        after: { identifier: 'prod', title: 'Production (EU)' },
        actor: 'grace@example.com',
        origin: 'UI',
        time: new Date().toISOString(),
      });
    });
    const links = within(list).getAllByRole('link');
    expect(links.map((a) => a.textContent)).toEqual(['Production (EU)', 'Payments']);
    expect(within(list).getByText('live')).toBeTruthy();
    expect(within(list).getByText(/by grace@example.com/)).toBeTruthy();
  });

  it('shows an error with a retry when counts fail', async () => {
    fetchMock.mockImplementation(async (input) => {
      const url = new URL(String(input), 'http://localhost');
      if (url.pathname === '/v1/blueprints') return jsonResponse({ ok: true, blueprints: [{ identifier: 'service', title: 'Service' }] });
      return jsonResponse({ ok: false, error: 'internal_error', message: 'database is down' }, 500);
    });
    renderWithProviders(<HomePage />);
    const [alert] = await screen.findAllByRole('alert', {}, { timeout: 3000 });
    expect(alert.textContent).toContain('database is down');
    expect(within(alert).getByRole('button', { name: 'Try again' })).toBeTruthy();
  });

  it('maps events to feed rows', () => {
    const base = { seq: 1, blueprint: 'service', before: null, after: null, actor: 'a', origin: 'API', time: iso(0) };
    expect(eventToItem({ ...base, type: 'BLUEPRINT_UPDATED' })).toBeNull();
    expect(eventToItem({ ...base, type: 'ENTITY_DELETED', entity: 'x', before: { title: 'X' } })).toMatchObject({ kind: 'deleted', title: 'X' });
    expect(eventToItem({ ...base, type: 'ENTITY_CREATED', entity: 'y', after: { title: '' } })).toMatchObject({ kind: 'created', title: 'y' });
  });
});
