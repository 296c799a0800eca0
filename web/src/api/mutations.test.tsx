import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { act, renderHook, waitFor } from '@testing-library/react';
import { QueryClientProvider } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { useCreateEntity, useUpdateEntity } from './mutations';
import { ApiError } from './client';
import { jsonResponse, testQueryClient } from '../test/render';

describe('entity mutations', () => {
  const fetchMock = vi.fn<typeof fetch>();
  beforeEach(() => {
    fetchMock.mockReset();
    vi.stubGlobal('fetch', fetchMock);
    document.cookie = 'atrium_csrf=atrcf_m; path=/';
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    document.cookie = 'atrium_csrf=; expires=Thu, 01 Jan 1970 00:00:00 GMT; path=/';
  });

  it('creates an entity, caches it and marks the lists stale', async () => {
    const qc = testQueryClient();
    qc.setQueryData(['entities', 'service', { limit: 5 }], 'old');
    qc.setQueryData(['entities', 'team', { limit: 5 }], 'old');
    const created = { blueprint: 'service', identifier: 'pay', title: 'Pay', properties: {}, relations: {} };
    fetchMock.mockResolvedValue(jsonResponse({ ok: true, entity: created }, 201));
    const wrapper = ({ children }: { children: ReactNode }) => <QueryClientProvider client={qc}>{children}</QueryClientProvider>;
    const { result } = renderHook(() => useCreateEntity('service'), { wrapper });
    await act(() => result.current.mutateAsync({ entity: { identifier: 'pay', title: 'Pay' }, params: { upsert: true } }));
    const [url, init] = fetchMock.mock.calls[0];
    expect(String(url)).toBe('/v1/blueprints/service/entities?upsert=true');
    expect(init?.method).toBe('POST');
    expect(new Headers(init?.headers).get('X-CSRF-Token')).toBe('atrcf_m');
    expect(qc.getQueryData(['entity', 'service', 'pay'])).toEqual(created);
    expect(qc.getQueryState(['entities', 'service', { limit: 5 }])?.isInvalidated).toBe(true);
    expect(qc.getQueryState(['entities', 'team', { limit: 5 }])?.isInvalidated).toBe(false);
  });

  it('hands field errors back for the form', async () => {
    const qc = testQueryClient();
    fetchMock.mockResolvedValue(
      jsonResponse({ ok: false, error: 'invalid_request', message: 'bad', details: { fields: [{ field: 'properties.tier', reason: 'not one of the enum' }] } }, 422),
    );
    const wrapper = ({ children }: { children: ReactNode }) => <QueryClientProvider client={qc}>{children}</QueryClientProvider>;
    const { result } = renderHook(() => useUpdateEntity('service', 'pay'), { wrapper });
    act(() => result.current.mutate({ entity: { properties: { tier: 'x' } } }));
    await waitFor(() => expect(result.current.isError).toBe(true));
    expect(result.current.error).toBeInstanceOf(ApiError);
    expect((result.current.error as ApiError).fields).toEqual({ 'properties.tier': 'not one of the enum' });
    expect(fetchMock.mock.calls[0][1]?.method).toBe('PATCH');
  });
});
