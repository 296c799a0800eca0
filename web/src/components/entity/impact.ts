import { useQuery } from '@tanstack/react-query';
import { api, enc } from '../../api/client';
import type { Impact } from '../../api/types';

export type Direction = 'upstream' | 'downstream';

export async function fetchImpact(bp: string, id: string, direction: Direction, maxHops: number, signal?: AbortSignal): Promise<Impact> {
  const r = await api.get<{ impact: Impact }>(`/v1/blueprints/${enc(bp)}/entities/${enc(id)}/impact`, {
    signal,
    query: { direction, max_hops: maxHops },
  });
  return r.impact;
}

/** impactKey starts with ['entity', bp, id] so a change to the entity refreshes it. */
export const impactKey = (bp: string, id: string, direction: Direction, maxHops: number) => ['entity', bp, id, 'impact', direction, maxHops] as const;

export function useImpact(bp: string, id: string, direction: Direction, maxHops: number, enabled = true) {
  return useQuery({
    queryKey: impactKey(bp, id, direction, maxHops),
    enabled: enabled && !!bp && !!id,
    queryFn: ({ signal }) => fetchImpact(bp, id, direction, maxHops, signal),
  });
}
