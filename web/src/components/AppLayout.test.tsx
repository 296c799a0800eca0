import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { createMemoryRouter, RouterProvider, useLocation } from 'react-router';
import { render } from '@testing-library/react';
import { AppLayout } from './AppLayout';
import { jsonResponse, Providers } from '../test/render';

function Where() {
  const l = useLocation();
  return <p>at {l.pathname + l.search}</p>;
}

describe('AppLayout', () => {
  const fetchMock = vi.fn<typeof fetch>();
  let meStatus = 200;
  beforeEach(() => {
    meStatus = 200;
    fetchMock.mockReset();
    fetchMock.mockImplementation(async (input) => {
      const url = new URL(String(input), 'http://localhost');
      if (url.pathname === '/v1/auth/me')
        return meStatus === 200
          ? jsonResponse({ ok: true, user: { email: 'ada@example.com', firstName: 'Ada', lastName: 'L' }, roles: ['Member'], teams: [] })
          : jsonResponse({ ok: false, error: 'unauthenticated', message: 'sign in' }, meStatus);
      if (url.pathname === '/v1/blueprints')
        return jsonResponse({ ok: true, blueprints: [{ identifier: 'service', title: 'Service' }, { identifier: 'team', title: 'Squad' }, { identifier: '_user', title: 'User' }] });
      if (url.pathname === '/v1/entities/aggregate') return jsonResponse({ ok: true, result: {}, values: [{ value: 'service', count: 12 }] });
      return jsonResponse({ ok: false, error: 'not_found', message: 'no' }, 404);
    });
    vi.stubGlobal('fetch', fetchMock);
  });
  afterEach(() => vi.unstubAllGlobals());

  function setup(path: string) {
    const router = createMemoryRouter(
      [
        { element: <AppLayout />, children: [{ path: '*', element: <Where /> }] },
        { path: '/sign-in', element: <Where /> },
      ],
      { initialEntries: [path] },
    );
    render(
      <Providers>
        <RouterProvider router={router} />
      </Providers>,
    );
    return router;
  }

  it('shows the shell: navigation, blueprints with counts, search, user', async () => {
    const user = userEvent.setup();
    setup('/catalog/service');
    expect(await screen.findByText('at /catalog/service')).toBeTruthy();
    const main = screen.getByRole('navigation', { name: 'Main' });
    expect(within(main).getByRole('link', { name: 'Home' }).getAttribute('href')).toBe('/');
    expect(within(main).getByRole('link', { name: 'Catalog' }).getAttribute('href')).toBe('/catalog');
    expect(within(main).getByRole('link', { name: 'Data model' }).getAttribute('href')).toBe('/data-model');
    const nav = screen.getByRole('navigation', { name: 'Blueprints' });
    const service = await within(nav).findByRole('link', { name: /Service/ });
    expect(service.getAttribute('href')).toBe('/catalog/service');
    expect(service.getAttribute('data-active')).toBe('true');
    expect(await within(service).findByText('12')).toBeTruthy();
    expect(within(nav).queryByRole('link', { name: /User/ })).toBeNull();
    expect(screen.getByRole('button', { name: 'Search entities' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Account: Ada L' })).toBeTruthy();
    expect(screen.getByRole('link', { name: 'Skip to content' }).getAttribute('href')).toBe('#main');

    await user.type(screen.getByRole('textbox', { name: 'Filter blueprints' }), 'squ');
    expect(within(nav).queryByRole('link', { name: /Service/ })).toBeNull();
    expect(within(nav).getByRole('link', { name: /Squad/ })).toBeTruthy();
  });

  it('sends a signed-out visitor to sign in, keeping where they were going', async () => {
    meStatus = 401;
    setup('/entities/service/pay?tab=history');
    expect(await screen.findByText('at /sign-in?returnTo=%2Fentities%2Fservice%2Fpay%3Ftab%3Dhistory')).toBeTruthy();
  });

  it('shows an error when the server cannot say who the user is', async () => {
    meStatus = 500;
    setup('/');
    expect((await screen.findByRole('alert')).textContent).toContain('sign in');
    expect(screen.getByRole('button', { name: 'Try again' })).toBeTruthy();
  });
});
