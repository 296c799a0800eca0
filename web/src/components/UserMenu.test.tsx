import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { UserMenu } from './UserMenu';
import { jsonResponse, renderWithProviders } from '../test/render';

describe('UserMenu', () => {
  const fetchMock = vi.fn<typeof fetch>();
  beforeEach(() => {
    fetchMock.mockReset();
    fetchMock.mockImplementation(async () => jsonResponse({ ok: true }));
    vi.stubGlobal('fetch', fetchMock);
    document.cookie = 'atrium_csrf=atrcf_x; path=/';
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    document.cookie = 'atrium_csrf=; expires=Thu, 01 Jan 1970 00:00:00 GMT; path=/';
  });

  it('shows who is signed in and signs out with the CSRF token', async () => {
    const user = userEvent.setup();
    renderWithProviders(
      <UserMenu me={{ email: 'ada@example.com', name: 'Ada Lovelace', roles: ['Member'], teams: ['pay'], anonymous: false }} />,
      { extraRoutes: [{ path: '/sign-in', element: <h1>sign-in page</h1> }] },
    );
    await user.click(screen.getByRole('button', { name: 'Account: Ada Lovelace' }));
    expect(await screen.findByText('ada@example.com')).toBeTruthy();
    expect(screen.getByText('Member · pay')).toBeTruthy();
    await user.click(screen.getByRole('menuitem', { name: 'Sign out' }));
    expect(await screen.findByRole('heading', { name: 'sign-in page' })).toBeTruthy();
    const [url, init] = fetchMock.mock.calls[0];
    expect(String(url)).toBe('/v1/auth/logout');
    expect(init?.method).toBe('POST');
    expect(new Headers(init?.headers).get('X-CSRF-Token')).toBe('atrcf_x');
  });

  it('offers no sign out when authentication is off', async () => {
    const user = userEvent.setup();
    renderWithProviders(<UserMenu me={{ email: 'anonymous', roles: ['Admin'], teams: [], anonymous: true }} />);
    await user.click(screen.getByRole('button', { name: 'Account: Anonymous' }));
    expect(await screen.findByText(/Authentication is off/)).toBeTruthy();
    expect(screen.queryByRole('menuitem', { name: 'Sign out' })).toBeNull();
  });
});
