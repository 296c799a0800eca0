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
