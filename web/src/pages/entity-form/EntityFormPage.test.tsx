import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { jsonResponse, renderWithProviders } from '../../test/render';
import { stubDocumentFonts } from '../../components/forms/testStubs';
import EntityFormPage from './EntityFormPage';

stubDocumentFonts();

const blueprint = {
  identifier: 'service',
  title: 'Service',
  schema: { properties: { replicas: { type: 'number', title: 'Replicas' } }, required: [] },
  relations: {},
  mirrorProperties: {},
  calculationProperties: {},
  aggregationProperties: {},
};
const entity = { identifier: 'pay', title: 'Pay', blueprint: 'service', team: [], properties: { replicas: 2 }, relations: {}, updatedAt: 'x' };

describe('EntityFormPage', () => {
  const fetchMock = vi.fn<typeof fetch>();
  const writes: { method: string; path: string; body: unknown }[] = [];
  beforeEach(() => {
    writes.length = 0;
    fetchMock.mockReset();
    fetchMock.mockImplementation(async (input, init) => {
      const url = new URL(String(input), 'http://localhost');
      const method = init?.method ?? 'GET';
      if (method !== 'GET') {
        const body = JSON.parse(String(init?.body));
        writes.push({ method, path: url.pathname, body });
        return jsonResponse({ ok: true, entity: { ...entity, ...body } });
      }
      if (url.pathname === '/v1/blueprints/service') return jsonResponse({ ok: true, blueprint });
      if (url.pathname === '/v1/blueprints/service/entities/pay') return jsonResponse({ ok: true, entity });
      return jsonResponse({ ok: false, error: 'not_found', message: 'no such blueprint' }, 404);
    });
    vi.stubGlobal('fetch', fetchMock);
  });
  afterEach(() => vi.unstubAllGlobals());

  const extraRoutes = [
    { path: '/entities/:bp/:id', element: <h1>entity page</h1> },
    { path: '/catalog/:bp', element: <h1>catalog page</h1> },
  ];

  it('edits an entity with a PATCH of what changed and goes to its page', async () => {
    const user = userEvent.setup();
    renderWithProviders(<EntityFormPage />, { path: '/entities/service/pay/edit', route: '/entities/:blueprint/:identifier/edit', extraRoutes });
    const replicas = await screen.findByRole('textbox', { name: 'Replicas' });
    expect((replicas as HTMLInputElement).value).toBe('2');
    await user.clear(replicas);
    await user.type(replicas, '5');
    await user.click(screen.getByRole('button', { name: 'Save changes' }));
    expect(await screen.findByRole('heading', { name: 'entity page' })).toBeTruthy();
    expect(writes).toEqual([
      { method: 'PATCH', path: '/v1/blueprints/service/entities/pay', body: { properties: { replicas: 5 } } },
    ]);
  });

  it('creates with POST from /catalog/:blueprint/new', async () => {
    const user = userEvent.setup();
    renderWithProviders(<EntityFormPage />, { path: '/catalog/service/new', route: '/catalog/:blueprint/new', extraRoutes });
    await user.type(await screen.findByRole('textbox', { name: 'Title' }), 'New One');
    await user.click(screen.getByRole('button', { name: 'Create Service' }));
    expect(await screen.findByRole('heading', { name: 'entity page' })).toBeTruthy();
    expect(writes[0]).toEqual({ method: 'POST', path: '/v1/blueprints/service/entities', body: { identifier: 'new-one', title: 'New One', properties: {}, relations: {} } });
  });

  it('shows an error for an unknown blueprint', async () => {
    renderWithProviders(<EntityFormPage />, { path: '/catalog/nope/new', route: '/catalog/:blueprint/new', extraRoutes });
    expect(await screen.findByText('no such blueprint')).toBeTruthy();
  });

  it('asks before leaving with unsaved changes, and leaves at once without', async () => {
    const user = userEvent.setup();
    renderWithProviders(<EntityFormPage />, { path: '/catalog/service/new', route: '/catalog/:blueprint/new', extraRoutes });
    await user.type(await screen.findByRole('textbox', { name: 'Title' }), 'Draft');
    await user.click(screen.getByRole('button', { name: 'Cancel' }));
    const dialog = await screen.findByRole('dialog', { name: 'Discard unsaved changes?' });
    await user.click(within(dialog).getByRole('button', { name: 'Keep editing' }));
    expect(screen.getByRole('textbox', { name: 'Title' })).toBeTruthy();
    await user.click(screen.getByRole('button', { name: 'Cancel' }));
    await user.click(within(await screen.findByRole('dialog', { name: 'Discard unsaved changes?' })).getByRole('button', { name: 'Discard changes' }));
    expect(await screen.findByRole('heading', { name: 'catalog page' })).toBeTruthy();
    expect(writes).toEqual([]);
  });

  it('leaves an untouched form without asking', async () => {
    const user = userEvent.setup();
    renderWithProviders(<EntityFormPage />, { path: '/catalog/service/new', route: '/catalog/:blueprint/new', extraRoutes });
    await user.click(await screen.findByRole('button', { name: 'Cancel' }));
    expect(await screen.findByRole('heading', { name: 'catalog page' })).toBeTruthy();
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('starts a new entity owned by the user\'s only team', async () => {
    const user = userEvent.setup();
    const owned = { ...blueprint, ownership: { type: 'Direct' } };
    fetchMock.mockImplementation(async (input, init) => {
      const url = new URL(String(input), 'http://localhost');
      const method = init?.method ?? 'GET';
      if (url.pathname === '/v1/auth/me') return jsonResponse({ ok: true, user: { email: 'm@example.com' }, roles: ['Member'], teams: ['payments'] });
      if (url.pathname.endsWith('/entities/search')) return jsonResponse({ ok: true, entities: [{ identifier: 'payments', title: 'Payments' }] });
      if (method === 'POST') {
        writes.push({ method, path: url.pathname, body: JSON.parse(String(init?.body)) });
        return jsonResponse({ ok: true, entity: { identifier: 'x', title: 'X' } });
      }
      if (url.pathname === '/v1/blueprints/service') return jsonResponse({ ok: true, blueprint: owned });
      return jsonResponse({ ok: false, error: 'not_found', message: 'no' }, 404);
    });
    renderWithProviders(<EntityFormPage />, { path: '/catalog/service/new', route: '/catalog/:blueprint/new', extraRoutes });
    await user.type(await screen.findByRole('textbox', { name: 'Title' }), 'X');
    await user.click(screen.getByRole('button', { name: 'Create Service' }));
    expect(await screen.findByRole('heading', { name: 'entity page' })).toBeTruthy();
    expect((writes[0]!.body as { team: string[] }).team).toEqual(['payments']);
  });
});
