import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import SignInPage, { safeReturnTo } from './SignInPage';
import { jsonResponse, renderWithProviders } from '../../test/render';

type Handler = (url: URL, init: RequestInit) => Response | Promise<Response>;

describe('SignInPage', () => {
  const fetchMock = vi.fn<typeof fetch>();
  let providers: unknown;
  let login: Handler;
  beforeEach(() => {
    providers = { ok: true, local: true, oidc: false };
    login = () => jsonResponse({ ok: true });
    fetchMock.mockReset();
    fetchMock.mockImplementation(async (input, init) => {
      const url = new URL(String(input), 'http://localhost');
      if (url.pathname === '/v1/auth/providers') return jsonResponse(providers);
      if (url.pathname === '/v1/auth/me') return jsonResponse({ ok: false, error: 'unauthenticated', message: 'sign in' }, 401);
      if (url.pathname === '/v1/auth/login') return login(url, init ?? {});
      return jsonResponse({ ok: false, error: 'not_found', message: 'no' }, 404);
    });
    vi.stubGlobal('fetch', fetchMock);
  });
  afterEach(() => vi.unstubAllGlobals());

  function setup(path = '/sign-in?returnTo=%2Fentities%2Fservice%2Fpay') {
    return renderWithProviders(<SignInPage />, {
      path,
      route: '/sign-in',
      extraRoutes: [
        { path: '/entities/:bp/:id', element: <h1>entity page</h1> },
        { path: '/', element: <h1>home page</h1> },
      ],
    });
  }

  it('signs in with email and password and returns to the page asked for', async () => {
    const user = userEvent.setup();
    const bodies: unknown[] = [];
    login = (_url, init) => {
      bodies.push(JSON.parse(String(init.body)));
      expect(new Headers(init.headers).get('X-Atrium-Origin')).toBe('UI');
      return jsonResponse({ ok: true });
    };
    setup();
    const submit = await screen.findByRole('button', { name: 'Sign in' });
    expect((submit as HTMLButtonElement).disabled).toBe(true);
    await user.type(screen.getByLabelText(/Email/), ' ada@example.com ');
    await user.type(screen.getByLabelText(/Password/), 'hunter2');
    await user.keyboard('{Enter}');
    expect(await screen.findByRole('heading', { name: 'entity page' })).toBeTruthy();
    expect(bodies).toEqual([{ email: 'ada@example.com', password: 'hunter2' }]);
  });

  it('says when the password is wrong and stays on the page', async () => {
    const user = userEvent.setup();
    login = () => jsonResponse({ ok: false, error: 'unauthenticated', message: 'bad credentials' }, 401);
    setup();
    await user.type(await screen.findByLabelText(/Email/), 'ada@example.com');
    await user.type(screen.getByLabelText(/Password/), 'nope');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    expect((await screen.findByRole('alert')).textContent).toContain('email or password is not right');
    expect(screen.queryByRole('heading', { name: 'entity page' })).toBeNull();
  });

  it('shows field errors from the server on the field', async () => {
    const user = userEvent.setup();
    login = () =>
      jsonResponse(
        { ok: false, error: 'invalid_request', message: 'email: not an email', details: { fields: [{ field: 'email', reason: 'not an email' }] } },
        422,
      );
    setup();
    await user.type(await screen.findByLabelText(/Email/), 'ada');
    await user.type(screen.getByLabelText(/Password/), 'x');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByText('not an email')).toBeTruthy();
    expect(screen.getByLabelText(/Email/).getAttribute('aria-invalid')).toBe('true');
  });

  it('offers SSO when the server has an OIDC provider, keeping returnTo', async () => {
    providers = { ok: true, local: true, oidc: true };
    setup();
    const sso = await screen.findByRole('link', { name: 'Sign in with SSO' });
    expect(sso.getAttribute('href')).toBe('/v1/auth/oidc/login?returnTo=%2Fentities%2Fservice%2Fpay');
    expect(screen.getByLabelText(/Email/)).toBeTruthy();
  });

  it('has no SSO button without OIDC', async () => {
    setup();
    await screen.findByLabelText(/Email/);
    // Let the providers answer arrive before checking.
    await new Promise((r) => setTimeout(r, 20));
    expect(screen.queryByRole('link', { name: 'Sign in with SSO' })).toBeNull();
  });

  it('offers SSO alone when the server has no local passwords', async () => {
    providers = { ok: true, local: false, oidc: true };
    setup();
    expect(await screen.findByRole('link', { name: 'Sign in with SSO' })).toBeTruthy();
    expect(screen.queryByLabelText(/Email/)).toBeNull();
  });

  it('says no sign-in is needed when authentication is off', async () => {
    const user = userEvent.setup();
    providers = { ok: true, local: false, oidc: false };
    setup();
    expect(await screen.findByText(/Authentication is off/)).toBeTruthy();
    expect(screen.queryByLabelText(/Email/)).toBeNull();
    await user.click(screen.getByRole('button', { name: 'Continue' }));
    expect(await screen.findByRole('heading', { name: 'entity page' })).toBeTruthy();
  });

  it('only returns to same-site paths', () => {
    expect(safeReturnTo('/catalog/service?x=1')).toBe('/catalog/service?x=1');
    expect(safeReturnTo('https://evil.example')).toBe('/');
    expect(safeReturnTo('//evil.example/x')).toBe('/');
    expect(safeReturnTo('/\\evil.example')).toBe('/');
    expect(safeReturnTo('/sign-in?returnTo=/')).toBe('/');
    expect(safeReturnTo(null)).toBe('/');
  });
});
