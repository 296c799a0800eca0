import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError, api, buildUrl, readCookie, setUnauthorizedHandler } from './client';

function jsonResponse(body: unknown, status = 200) {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

function clearCookies() {
  for (const c of document.cookie.split(';')) {
    const name = c.split('=')[0]?.trim();
    if (name) document.cookie = `${name}=; expires=Thu, 01 Jan 1970 00:00:00 GMT; path=/`;
  }
}

describe('api client', () => {
  const fetchMock = vi.fn<typeof fetch>();
  beforeEach(() => {
    fetchMock.mockReset();
    vi.stubGlobal('fetch', fetchMock);
    clearCookies();
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    setUnauthorizedHandler(null);
    clearCookies();
  });

  function lastCall() {
    const [url, init] = fetchMock.mock.calls.at(-1)!;
    return { url: String(url), init: init!, headers: new Headers(init!.headers) };
  }

  it('sends X-Atrium-Origin and credentials on reads, without a CSRF token', async () => {
    document.cookie = 'atrium_csrf=tok-1; path=/';
    fetchMock.mockResolvedValue(jsonResponse({ ok: true, blueprints: [] }));
    await api.get('/v1/blueprints');
    const { url, init, headers } = lastCall();
    expect(url).toBe('/v1/blueprints');
    expect(init.method).toBe('GET');
    expect(init.credentials).toBe('same-origin');
    expect(headers.get('X-Atrium-Origin')).toBe('UI');
    expect(headers.get('X-CSRF-Token')).toBeNull();
  });

  it('echoes the atrium_csrf cookie in X-CSRF-Token on every write', async () => {
    document.cookie = 'other=1; path=/';
    document.cookie = 'atrium_csrf=atrcf_abc%3D; path=/';
    for (const method of ['post', 'put', 'patch'] as const) {
      fetchMock.mockResolvedValueOnce(jsonResponse({ ok: true }));
      await api[method]('/v1/blueprints/service/entities', { identifier: 'x' });
      const { init, headers } = lastCall();
      expect(init.method).toBe(method.toUpperCase());
      expect(headers.get('X-CSRF-Token')).toBe('atrcf_abc=');
      expect(headers.get('Content-Type')).toBe('application/json');
      expect(JSON.parse(String(init.body))).toEqual({ identifier: 'x' });
    }
    fetchMock.mockResolvedValueOnce(jsonResponse({ ok: true }));
    await api.delete('/v1/blueprints/service/entities/x');
    expect(lastCall().headers.get('X-CSRF-Token')).toBe('atrcf_abc=');
  });

  it('turns the error envelope into an ApiError with per-field errors', async () => {
    fetchMock.mockResolvedValue(
      jsonResponse(
        {
          ok: false,
          error: 'invalid_request',
          message: 'properties.replicas: must be >= 1',
          details: {
            fields: [
              { field: 'properties.replicas', reason: 'must be >= 1' },
              { field: 'identifier', reason: 'must match ^[A-Za-z0-9@_.:\\/=-]+$' },
              { field: 'properties.replicas', reason: 'second reason' },
            ],
            requestId: 'req-42',
          },
        },
        422,
      ),
    );
    const err = await api.post('/v1/blueprints/service/entities', {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    const e = err as ApiError;
    expect(e.status).toBe(422);
    expect(e.code).toBe('invalid_request');
    expect(e.message).toBe('properties.replicas: must be >= 1');
    expect(e.fieldErrors).toHaveLength(3);
    expect(e.fields).toEqual({ 'properties.replicas': 'must be >= 1', identifier: 'must match ^[A-Za-z0-9@_.:\\/=-]+$' });
    expect(e.requestId).toBe('req-42');
  });

  it('makes an ApiError from a non-JSON failure and from a network error', async () => {
    fetchMock.mockResolvedValueOnce(new Response('bad gateway', { status: 502, statusText: 'Bad Gateway' }));
    const e1 = (await api.get('/v1/x').catch((e: unknown) => e)) as ApiError;
    expect(e1).toBeInstanceOf(ApiError);
    expect(e1.status).toBe(502);
    expect(e1.fieldErrors).toEqual([]);

    fetchMock.mockRejectedValueOnce(new TypeError('Failed to fetch'));
    const e2 = (await api.get('/v1/x').catch((e: unknown) => e)) as ApiError;
    expect(e2).toBeInstanceOf(ApiError);
    expect(e2.code).toBe('network_error');
  });

  it('sends the user to sign in on 401, unless told not to', async () => {
    const handler = vi.fn();
    setUnauthorizedHandler(handler);
    window.history.pushState({}, '', '/catalog/service?x=1');
    fetchMock.mockImplementation(async () => jsonResponse({ ok: false, error: 'unauthenticated', message: 'sign in' }, 401));
    await expect(api.get('/v1/blueprints')).rejects.toMatchObject({ status: 401, code: 'unauthenticated' });
    expect(handler).toHaveBeenCalledWith('/catalog/service?x=1');

    handler.mockClear();
    await expect(api.get('/v1/auth/me', { noAuthRedirect: true })).rejects.toBeInstanceOf(ApiError);
    expect(handler).not.toHaveBeenCalled();
    window.history.pushState({}, '', '/');
  });

  it('builds query strings, skipping empty values and repeating arrays', () => {
    expect(buildUrl('/v1/search', { q: 'pay me', limit: 20, blueprint: undefined, x: '' })).toBe('/v1/search?q=pay+me&limit=20');
    expect(buildUrl('/v1/events/stream', { blueprint: ['a', 'b'] })).toBe('/v1/events/stream?blueprint=a&blueprint=b');
  });

  it('reads cookies by exact name', () => {
    document.cookie = 'xatrium_csrf=no; path=/';
    expect(readCookie('atrium_csrf')).toBeUndefined();
    document.cookie = 'atrium_csrf=yes; path=/';
    expect(readCookie('atrium_csrf')).toBe('yes');
  });
});
