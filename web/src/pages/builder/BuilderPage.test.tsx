import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { jsonResponse, renderWithProviders } from '../../test/render';
import { stubDocumentFonts } from '../../components/forms/testStubs';
import BuilderPage, { mayEdit } from './BuilderPage';

stubDocumentFonts();

const bp = (identifier: string, title: string, relations = {}) => ({
  identifier,
  title,
  schema: { properties: { a: { type: 'string' } }, required: [] },
  relations,
  mirrorProperties: {},
  calculationProperties: {},
  aggregationProperties: {},
  updatedAt: '2026-11-20T00:00:00Z',
});
const blueprints = [
  bp('service', 'Service', { domain: { target: 'domain', many: false, required: false } }),
  bp('domain', 'Domain'),
  bp('_team', 'Team'),
];

describe('BuilderPage', () => {
  const fetchMock = vi.fn<typeof fetch>();
  let me: unknown;
  beforeEach(() => {
    me = undefined;
    fetchMock.mockReset();
    fetchMock.mockImplementation(async (input) => {
      const url = new URL(String(input), 'http://localhost');
      if (url.pathname === '/v1/auth/me' && me) return jsonResponse(me);
      if (url.pathname === '/v1/blueprints') return jsonResponse({ ok: true, blueprints });
      const one = blueprints.find((b) => url.pathname === `/v1/blueprints/${b.identifier}`);
      if (one) return jsonResponse({ ok: true, blueprint: one });
      return jsonResponse({ ok: false, error: 'not_found', message: 'no' }, 404);
    });
    vi.stubGlobal('fetch', fetchMock);
  });
  afterEach(() => vi.unstubAllGlobals());

  it('draws the blueprints (system ones hidden) and opens the editor of the one picked', async () => {
    const user = userEvent.setup();
    const { router, container } = renderWithProviders(<BuilderPage />, { path: '/data-model', route: '/data-model/:blueprint?' });
    await waitFor(() => expect(container.querySelectorAll('.react-flow__node').length).toBe(2));
    const ids = [...container.querySelectorAll('.react-flow__node')].map((n) => n.getAttribute('data-id')).sort();
    expect(ids).toEqual(['domain', 'service']);
    await user.click(screen.getByRole('combobox', { name: 'Open a blueprint' }));
    await user.click(await screen.findByRole('option', { name: 'Domain (domain)' }));
    await waitFor(() => expect(router.state.location.pathname).toBe('/data-model/domain'));
    const form = await screen.findByRole('form', { name: 'Edit blueprint domain' });
    expect((form.querySelector('input[value="domain"]') as HTMLInputElement).disabled).toBe(true);
  });

  it('opens a blueprint when its node is clicked', async () => {
    const { router, container } = renderWithProviders(<BuilderPage />, { path: '/data-model', route: '/data-model/:blueprint?' });
    await waitFor(() => expect(container.querySelector('.react-flow__node[data-id="service"]')).toBeTruthy());
    // A plain click: d3-drag's mousedown needs a real window view, which happy-dom's events lack.
    fireEvent.click(container.querySelector('.react-flow__node[data-id="service"]')!);
    await waitFor(() => expect(router.state.location.pathname).toBe('/data-model/service'));
    expect(await screen.findByRole('form', { name: 'Edit blueprint service' })).toBeTruthy();
  });

  it('shows the error state when blueprints cannot load', async () => {
    fetchMock.mockImplementation(async () => jsonResponse({ ok: false, error: 'internal_error', message: 'boom' }, 500));
    renderWithProviders(<BuilderPage />, { path: '/data-model', route: '/data-model/:blueprint?' });
    expect(await screen.findByText('boom')).toBeTruthy();
  });

  it('opens a blueprint with Enter on its focused node', async () => {
    const { router, container } = renderWithProviders(<BuilderPage />, { path: '/data-model', route: '/data-model/:blueprint?' });
    await waitFor(() => expect(container.querySelector('.react-flow__node[data-id="domain"]')).toBeTruthy());
    const node = container.querySelector<HTMLElement>('.react-flow__node[data-id="domain"]')!;
    expect(node.getAttribute('tabindex')).toBe('0');
    fireEvent.keyDown(node, { key: 'Enter' });
    await waitFor(() => expect(router.state.location.pathname).toBe('/data-model/domain'));
  });

  it('lets a Member view a blueprint but not change or create one', async () => {
    me = { ok: true, user: { email: 'm@example.com' }, roles: ['Member'], teams: [] };
    const { container } = renderWithProviders(<BuilderPage />, { path: '/data-model/domain', route: '/data-model/:blueprint?' });
    await screen.findByRole('form', { name: 'Edit blueprint domain' });
    expect(await screen.findByText(/Only Admins and this blueprint's moderators/)).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Save changes' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Delete blueprint' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'New blueprint' })).toBeNull();
    expect(container).toBeTruthy();
  });
});

describe('BuilderPage errors', () => {
  afterEach(() => vi.unstubAllGlobals());
  it('says so when the blueprint in the URL does not exist', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async (input: RequestInfo | URL) => {
        const url = new URL(String(input), 'http://localhost');
        if (url.pathname === '/v1/blueprints') return jsonResponse({ ok: true, blueprints });
        return jsonResponse({ ok: false, error: 'not_found', message: 'blueprint "nope" not found' }, 404);
      }),
    );
    renderWithProviders(<BuilderPage />, { path: '/data-model/nope', route: '/data-model/:blueprint?' });
    expect(await screen.findByText('blueprint "nope" not found')).toBeTruthy();
    expect(screen.getByText('Not found')).toBeTruthy();
  });
});

describe('mayEdit', () => {
  const me = (roles: string[]) => ({ email: 'x@y', roles, teams: [], anonymous: false });
  it('follows the roles of docs/access.md', () => {
    expect(mayEdit(me(['Admin']), 'svc')).toBe(true);
    expect(mayEdit(me(['Member']), 'svc')).toBe(false);
    expect(mayEdit(me(['Member', 'svc-moderator']), 'svc')).toBe(true);
    expect(mayEdit(me(['svc-moderator']), 'other')).toBe(false);
    expect(mayEdit(me(['svc-moderator']))).toBe(false);
    expect(mayEdit({ email: 'anonymous', roles: [], teams: [], anonymous: true })).toBe(true);
    expect(mayEdit(null)).toBe(false);
    expect(mayEdit(undefined)).toBe(true);
  });
});
