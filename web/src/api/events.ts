// useEventStream: the live stream of committed changes (GET /v1/events/stream,
// server-sent events). It invalidates the queries a change makes stale and
// hands each event to an optional listener (the Home page's live feed).
import { useEffect, useRef } from 'react';
import { useQueryClient, type QueryClient } from '@tanstack/react-query';
import type { AtriumEvent } from './types';

export const EVENT_TYPES = [
  'ENTITY_CREATED',
  'ENTITY_UPDATED',
  'ENTITY_DELETED',
  'BLUEPRINT_CREATED',
  'BLUEPRINT_UPDATED',
  'BLUEPRINT_DELETED',
] as const;

/** invalidateFor marks stale every cached query an event touches. */
export function invalidateFor(qc: QueryClient, ev: AtriumEvent) {
  const bp = ev.blueprint;
  if (ev.type.startsWith('BLUEPRINT_')) {
    qc.invalidateQueries({ queryKey: ['blueprints'] });
    qc.invalidateQueries({ queryKey: ['blueprint', bp] });
    qc.invalidateQueries({ queryKey: ['entities', bp] });
    qc.invalidateQueries({ queryKey: ['aggregate'] });
    return;
  }
  if (ev.entity) {
    qc.invalidateQueries({ queryKey: ['entity', bp, ev.entity] });
    qc.invalidateQueries({ queryKey: ['history', bp, ev.entity] });
  }
  qc.invalidateQueries({ queryKey: ['entities', bp] });
  qc.invalidateQueries({ queryKey: ['aggregate'] });
  qc.invalidateQueries({ queryKey: ['search'] });
}

type Listener = (ev: AtriumEvent) => void;
const listeners = new Set<Listener>();

/** publishEvent hands an event to every subscriber (useEventStream calls it; tests may too). */
export function publishEvent(ev: AtriumEvent) {
  for (const l of listeners) l(ev);
}

/**
 * useLiveEvents subscribes to the events of the app-wide stream (opened once by
 * the app shell) without opening another connection.
 */
export function useLiveEvents(listener: Listener) {
  const ref = useRef(listener);
  ref.current = listener;
  useEffect(() => {
    const l: Listener = (ev) => ref.current(ev);
    listeners.add(l);
    return () => {
      listeners.delete(l);
    };
  }, []);
}

/** isReplay: an event committed before the stream was opened. */
export function isReplay(ev: AtriumEvent, openedAt: number): boolean {
  const t = Date.parse(ev.time);
  return Number.isFinite(t) && t < openedAt;
}

export interface EventStreamOptions {
  /** Only events of these blueprints (all when empty). */
  blueprints?: string[];
  /** Called with every event, after invalidation. */
  onEvent?: (ev: AtriumEvent) => void;
  /** Turn the stream off (e.g. when signed out). */
  enabled?: boolean;
}

/** streamUrl builds the stream's URL; `fromNow` asks the server to skip past events (after=now). */
export function streamUrl(blueprints: string, fromNow: boolean): string {
  const params = new URLSearchParams();
  if (blueprints) params.set('blueprint', blueprints);
  if (fromNow) params.set('after', 'now');
  const qs = params.toString();
  return qs ? `/v1/events/stream?${qs}` : '/v1/events/stream';
}

export function useEventStream(opts: EventStreamOptions = {}) {
  const qc = useQueryClient();
  const onEvent = useRef(opts.onEvent);
  onEvent.current = opts.onEvent;
  const filter = (opts.blueprints ?? []).slice().sort().join(',');
  const enabled = opts.enabled !== false;

  useEffect(() => {
    if (!enabled || typeof EventSource === 'undefined') return;
    let es: EventSource | null = null;
    let closed = false;
    // Events committed before the stream opened are skipped: a server that
    // does not understand after=now replays from its oldest event.
    const openedAt = Date.now() - 5_000;
    const handle = (msg: MessageEvent) => {
      let ev: AtriumEvent;
      try {
        ev = JSON.parse(msg.data) as AtriumEvent;
      } catch {
        return;
      }
      if (isReplay(ev, openedAt)) return;
      invalidateFor(qc, ev);
      onEvent.current?.(ev);
      publishEvent(ev);
    };
    const connect = (fromNow: boolean) => {
      let opened = false;
      const src = new EventSource(streamUrl(filter, fromNow), { withCredentials: true });
      es = src;
      for (const t of EVENT_TYPES) src.addEventListener(t, handle as EventListener);
      src.onmessage = handle;
      src.onopen = () => {
        opened = true;
      };
      src.onerror = () => {
        // Refused before it ever opened (a 422 for after=now): retry without it.
        // Later errors are network drops, which EventSource retries itself.
        if (!opened && fromNow && src.readyState === EventSource.CLOSED && !closed) {
          src.close();
          connect(false);
        }
      };
    };
    connect(true);
    return () => {
      closed = true;
      es?.close();
    };
  }, [qc, filter, enabled]);
}
