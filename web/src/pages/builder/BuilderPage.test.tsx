import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { jsonResponse, renderWithProviders } from '../../test/render';
import { stubDocumentFonts } from '../../components/forms/testStubs';
import BuilderPage from './BuilderPage';

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
  beforeEach(() => {
    fetchMock.mockReset();
    fetchMock.mockImplementation(async (input) => {
      const url = new URL(String(input), 'http://localhost');
      if (url.pathname === '/v1/blueprints') return jsonResponse({ ok: true, blueprints });
      const one = blueprints.find((b) => url.pathname === `/v1/blueprints/${b.identifier}`);
      if (one) return jsonResponse({ ok: true, blueprint: one });
      return jsonResponse({ ok: false, error: 'not_found', message: 'no' }, 404);
    });
    vi.stubGlobal('fetch', fetchMock);
  });
  afterEach(() => vi.unstubAllGlobals());

  it('lists the blueprints (system ones hidden) and opens the editor of the one clicked', async () => {
    const user = userEvent.setup();
    const { router } = renderWithProviders(<BuilderPage />, { path: '/data-model', route: '/data-model/:blueprint?' });
    const nav = await screen.findByRole('navigation', { name: 'Blueprints' });
    expect(nav.textContent).toContain('Service');
    expect(nav.textContent).toContain('Domain');
    expect(nav.textContent).not.toContain('Team');
    await user.click(screen.getByRole('button', { name: /Domain/ }));
    await waitFor(() => expect(router.state.location.pathname).toBe('/data-model/domain'));
    const form = await screen.findByRole('form', { name: 'Edit blueprint domain' });
    expect((form.querySelector('input[value="domain"]') as HTMLInputElement).disabled).toBe(true);
  });

  it('shows the error state when blueprints cannot load', async () => {
    fetchMock.mockImplementation(async () => jsonResponse({ ok: false, error: 'internal_error', message: 'boom' }, 500));
    renderWithProviders(<BuilderPage />, { path: '/data-model', route: '/data-model/:blueprint?' });
    expect(await screen.findByText('boom')).toBeTruthy();
  });
});
