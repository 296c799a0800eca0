import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { render, screen } from '@testing-library/react';
import { createMemoryRouter, RouterProvider } from 'react-router';
import { routes } from './router';
import { jsonResponse, Providers } from './test/render';

describe('routes', () => {
  const fetchMock = vi.fn<typeof fetch>();
  beforeEach(() => {
    fetchMock.mockReset();
    fetchMock.mockImplementation(async (input) => {
      const url = new URL(String(input), 'http://localhost');
      if (url.pathname === '/v1/auth/me') return jsonResponse({ ok: true, user: { email: 'ada@example.com' }, roles: ['Admin'], teams: [] });
      if (url.pathname === '/v1/auth/providers') return jsonResponse({ ok: true, local: true, oidc: false });
      if (url.pathname === '/v1/blueprints') return jsonResponse({ ok: true, blueprints: [] });
      if (url.pathname === '/v1/entities/aggregate') return jsonResponse({ ok: true, result: {}, values: [] });
      return jsonResponse({ ok: false, error: 'not_found', message: 'no' }, 404);
    });
    vi.stubGlobal('fetch', fetchMock);
  });
  afterEach(() => vi.unstubAllGlobals());

  function at(path: string) {
    const router = createMemoryRouter(routes, { initialEntries: [path] });
    render(
      <Providers>
        <RouterProvider router={router} />
      </Providers>,
    );
    return router;
  }

  it('shows the not-found page inside the shell for an unknown path', async () => {
    at('/no/such/page');
    expect(await screen.findByRole('heading', { name: 'Page not found' })).toBeTruthy();
    expect(screen.getByRole('navigation', { name: 'Main' })).toBeTruthy();
  });

  it('shows sign-in without the shell', async () => {
    at('/sign-in');
    expect(await screen.findByRole('heading', { name: 'Sign in to Atrium' })).toBeTruthy();
    expect(screen.queryByRole('navigation', { name: 'Main' })).toBeNull();
  });

  it('loads Home at /', async () => {
    at('/');
    expect(await screen.findByRole('heading', { name: 'Home', level: 1 })).toBeTruthy();
    expect(await screen.findByText('No blueprints yet')).toBeTruthy();
  });
});
