import { describe, expect, it, vi } from 'vitest';
import { QueryClient } from '@tanstack/react-query';
import { invalidateFor, isReplay } from './events';

describe('event stream helpers', () => {
  it('skips events committed before the stream opened', () => {
    const opened = Date.parse('2026-11-23T10:00:00Z');
    const ev = (time: string) => ({ seq: 1, type: 'ENTITY_UPDATED', blueprint: 'b', before: null, after: null, actor: 'a', origin: 'UI', time });
    expect(isReplay(ev('2026-11-23T09:59:59Z'), opened)).toBe(true);
    expect(isReplay(ev('2026-11-23T10:00:01Z'), opened)).toBe(false);
  });

  it('invalidates the entity, its history, its blueprint lists and aggregates, not other blueprints', async () => {
    const qc = new QueryClient();
    const seed = (key: unknown[]) => qc.setQueryData(key, 1);
    const keys = [
      ['entity', 'service', 'pay'],
      ['entity', 'service', 'pay', '2026-01-01T00:00:00Z'],
      ['entity', 'service', 'other'],
      ['history', 'service', 'pay'],
      ['entities', 'service', { limit: 5 }],
      ['entities', 'team', { limit: 5 }],
      ['aggregate', 'counts-per-blueprint'],
      ['blueprints'],
    ];
    keys.forEach(seed);
    const spy = vi.spyOn(qc, 'invalidateQueries');
    invalidateFor(qc, { seq: 2, type: 'ENTITY_UPDATED', blueprint: 'service', entity: 'pay', before: null, after: null, actor: 'a', origin: 'UI', time: '' });
    expect(spy).toHaveBeenCalled();
    const stale = (k: unknown[]) => qc.getQueryState(k)?.isInvalidated;
    expect(stale(['entity', 'service', 'pay'])).toBe(true);
    expect(stale(['entity', 'service', 'pay', '2026-01-01T00:00:00Z'])).toBe(true);
    expect(stale(['history', 'service', 'pay'])).toBe(true);
    expect(stale(['entities', 'service', { limit: 5 }])).toBe(true);
    expect(stale(['aggregate', 'counts-per-blueprint'])).toBe(true);
    expect(stale(['entity', 'service', 'other'])).toBe(false);
    expect(stale(['entities', 'team', { limit: 5 }])).toBe(false);
    expect(stale(['blueprints'])).toBe(false);

    invalidateFor(qc, { seq: 3, type: 'BLUEPRINT_UPDATED', blueprint: 'team', before: null, after: null, actor: 'a', origin: 'UI', time: '' });
    expect(stale(['blueprints'])).toBe(true);
    expect(stale(['entities', 'team', { limit: 5 }])).toBe(true);
  });
});

describe('useEventStream', () => {
  class FakeES {
    static CLOSED = 2;
    static instances: FakeES[] = [];
    url: string;
    readyState = 0;
    closed = false;
    listeners = new Map<string, ((m: MessageEvent) => void)[]>();
    onmessage: ((m: MessageEvent) => void) | null = null;
    onopen: (() => void) | null = null;
    onerror: (() => void) | null = null;
    constructor(url: string) {
      this.url = url;
      FakeES.instances.push(this);
    }
    addEventListener(type: string, fn: (m: MessageEvent) => void) {
      this.listeners.set(type, [...(this.listeners.get(type) ?? []), fn]);
    }
    close() {
      this.closed = true;
      this.readyState = 2;
    }
    emit(type: string, data: unknown) {
      const msg = new MessageEvent(type, { data: JSON.stringify(data) });
      for (const fn of this.listeners.get(type) ?? []) fn(msg);
    }
  }

  it('asks for events from now, falls back when refused, and publishes live events only', async () => {
    const { renderHook } = await import('@testing-library/react');
    const { QueryClientProvider } = await import('@tanstack/react-query');
    const { createElement } = await import('react');
    const { useEventStream, useLiveEvents } = await import('./events');
    FakeES.instances = [];
    vi.stubGlobal('EventSource', FakeES);
    const qc = new QueryClient();
    qc.setQueryData(['entity', 'service', 'pay'], 1);
    const seen: string[] = [];
    const wrapper = ({ children }: { children: React.ReactNode }) => createElement(QueryClientProvider, { client: qc }, children);
    const { unmount } = renderHook(
      () => {
        useEventStream({ blueprints: ['service'] });
        useLiveEvents((ev) => seen.push(`${ev.type} ${ev.entity}`));
      },
      { wrapper },
    );
    expect(FakeES.instances.map((e) => e.url)).toEqual(['/v1/events/stream?blueprint=service&after=now']);

    // The server refuses after=now (422): EventSource closes without opening.
    const first = FakeES.instances[0];
    first.readyState = 2;
    first.onerror?.();
    expect(FakeES.instances.map((e) => e.url)).toEqual([
      '/v1/events/stream?blueprint=service&after=now',
      '/v1/events/stream?blueprint=service',
    ]);
    const es = FakeES.instances[1];
    es.onopen?.();
    const base = { blueprint: 'service', before: null, after: { title: 'Pay' }, actor: 'a', origin: 'UI' };
    es.emit('ENTITY_UPDATED', { ...base, seq: 1, type: 'ENTITY_UPDATED', entity: 'old', time: '2020-01-01T00:00:00Z' });
    es.emit('ENTITY_UPDATED', { ...base, seq: 2, type: 'ENTITY_UPDATED', entity: 'pay', time: new Date().toISOString() });
    expect(seen).toEqual(['ENTITY_UPDATED pay']);
    expect(qc.getQueryState(['entity', 'service', 'pay'])?.isInvalidated).toBe(true);

    // A later drop is left to EventSource's own retry.
    es.readyState = 0;
    es.onerror?.();
    expect(FakeES.instances).toHaveLength(2);
    unmount();
    expect(es.closed).toBe(true);
    vi.unstubAllGlobals();
  });
});
