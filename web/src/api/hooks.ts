// TanStack Query hooks for the common reads. Query keys are arrays starting
// with a resource name so useEventStream can invalidate them precisely:
//   ['blueprints'], ['blueprint', bp], ['entity', bp, id, asOf?],
//   ['entities', bp, ...], ['history', bp, id], ['aggregate', ...], ['search', q], ['me'].
import { useInfiniteQuery, useQuery, type UseQueryOptions } from '@tanstack/react-query';
import { api, enc, isApiError } from './client';
import type {
  AggregateRequest,
  AggregateResponse,
  Blueprint,
  Entity,
  HistoryVersion,
  Me,
  SearchPage,
  SearchRequest,
  TextHit,
} from './types';

export const keys = {
  blueprints: () => ['blueprints'] as const,
  blueprint: (bp: string) => ['blueprint', bp] as const,
  entity: (bp: string, id: string, asOf?: string) => (asOf ? (['entity', bp, id, asOf] as const) : (['entity', bp, id] as const)),
  entities: (bp: string, req?: unknown) => (req === undefined ? (['entities', bp] as const) : (['entities', bp, req] as const)),
  history: (bp: string, id: string) => ['history', bp, id] as const,
  aggregate: (req: unknown) => ['aggregate', req] as const,
  counts: () => ['aggregate', 'counts-per-blueprint'] as const,
  search: (q: string, blueprints?: string[]) => ['search', q, blueprints ?? []] as const,
  me: () => ['me'] as const,
  providers: () => ['auth-providers'] as const,
};

export async function fetchBlueprints(signal?: AbortSignal): Promise<Blueprint[]> {
  const r = await api.get<{ blueprints: Blueprint[] | null }>('/v1/blueprints', { signal });
  return r.blueprints ?? [];
}

export function useBlueprints() {
  return useQuery({ queryKey: keys.blueprints(), queryFn: ({ signal }) => fetchBlueprints(signal), staleTime: 30_000 });
}

export function useBlueprint(bp: string | undefined) {
  return useQuery({
    queryKey: keys.blueprint(bp ?? ''),
    enabled: !!bp,
    queryFn: async ({ signal }) =>
      (await api.get<{ blueprint: Blueprint }>(`/v1/blueprints/${enc(bp!)}`, { signal })).blueprint,
  });
}

export function useEntity(bp: string | undefined, id: string | undefined, opts: { asOf?: string } = {}) {
  return useQuery({
    queryKey: keys.entity(bp ?? '', id ?? '', opts.asOf),
    enabled: !!bp && !!id,
    queryFn: async ({ signal }) =>
      (
        await api.get<{ entity: Entity }>(`/v1/blueprints/${enc(bp!)}/entities/${enc(id!)}`, {
          signal,
          query: { as_of: opts.asOf },
        })
      ).entity,
  });
}

/** searchEntities runs one page of POST /v1/blueprints/{bp}/entities/search. */
export async function searchEntities(bp: string, req: SearchRequest, signal?: AbortSignal, asOf?: string) {
  const r = await api.post<SearchPage>(`/v1/blueprints/${enc(bp)}/entities/search`, req, {
    signal,
    query: { as_of: asOf },
  });
  return { ...r, entities: r.entities ?? [] };
}

/** useEntitySearchPage: one page of a blueprint's entities (pass `from` for later pages). */
export function useEntitySearchPage(bp: string | undefined, req: SearchRequest, opts: { asOf?: string; enabled?: boolean } = {}) {
  return useQuery({
    queryKey: [...keys.entities(bp ?? '', req), opts.asOf ?? null],
    enabled: !!bp && opts.enabled !== false,
    queryFn: ({ signal }) => searchEntities(bp!, req, signal, opts.asOf),
    placeholderData: (prev) => prev,
  });
}

/** useEntitySearch: cursor-paginated search as an infinite query (fetchNextPage follows `next`). */
export function useEntitySearch(bp: string | undefined, req: Omit<SearchRequest, 'from'>, opts: { asOf?: string } = {}) {
  return useInfiniteQuery({
    queryKey: [...keys.entities(bp ?? '', req), 'infinite', opts.asOf ?? null],
    enabled: !!bp,
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam, signal }) => searchEntities(bp!, { ...req, from: pageParam }, signal, opts.asOf),
    getNextPageParam: (last) => last.next || undefined,
  });
}

export async function aggregate(req: AggregateRequest | Record<string, unknown>, signal?: AbortSignal) {
  return api.post<AggregateResponse>('/v1/entities/aggregate', req, { signal });
}

export function useAggregate(req: AggregateRequest | Record<string, unknown>, opts: { enabled?: boolean } = {}) {
  return useQuery({
    queryKey: keys.aggregate(req),
    enabled: opts.enabled !== false,
    queryFn: ({ signal }) => aggregate(req, signal),
  });
}

/** useEntityCounts: entities per blueprint in one request (countValues over $blueprint). */
export function useEntityCounts() {
  return useQuery({
    queryKey: keys.counts(),
    queryFn: async ({ signal }) => {
      const r = await aggregate({ func: 'countValues', property: '$blueprint' }, signal);
      const out: Record<string, number> = {};
      for (const v of r.values ?? []) out[String(v.value)] = v.count;
      if (!r.values && r.result && typeof r.result === 'object') {
        for (const [k, n] of Object.entries(r.result as Record<string, number>)) out[k] = Number(n);
      }
      return out;
    },
  });
}

export function useHistory(bp: string | undefined, id: string | undefined) {
  return useQuery({
    queryKey: keys.history(bp ?? '', id ?? ''),
    enabled: !!bp && !!id,
    queryFn: async ({ signal }) =>
      (await api.get<{ versions: HistoryVersion[] | null }>(`/v1/blueprints/${enc(bp!)}/entities/${enc(id!)}/history`, { signal }))
        .versions ?? [],
  });
}

export async function textSearch(q: string, opts: { limit?: number; blueprints?: string[]; signal?: AbortSignal } = {}) {
  const r = await api.get<{ results: TextHit[] | null }>('/v1/search', {
    signal: opts.signal,
    query: { q, limit: opts.limit ?? 20, blueprint: opts.blueprints?.length ? opts.blueprints.join(',') : undefined },
  });
  return r.results ?? [];
}

/** useTextSearch: ranked full text across blueprints (GET /v1/search); idle for a blank q. */
export function useTextSearch(q: string, opts: { limit?: number; blueprints?: string[] } = {}) {
  const trimmed = q.trim();
  return useQuery({
    queryKey: keys.search(q, opts.blueprints),
    enabled: trimmed.length > 0,
    queryFn: ({ signal }) => textSearch(q, { ...opts, signal }),
    placeholderData: (prev) => prev,
    staleTime: 10_000,
  });
}

/** normalizeMe reads GET /v1/auth/me: {user: {email, firstName, lastName, ...}, roles, teams}. */
export function normalizeMe(r: Record<string, unknown>): Me {
  const user = (r.user && typeof r.user === 'object' ? r.user : r) as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' ? v : '');
  const names = (v: unknown): string[] =>
    Array.isArray(v) ? v.map((x) => (typeof x === 'string' ? x : str((x as { name?: unknown })?.name))).filter(Boolean) : [];
  const email = str(user.email);
  const name = [str(user.firstName), str(user.lastName)].filter(Boolean).join(' ') || str(user.name);
  const roles = names(r.roles).length ? names(r.roles) : names(user.roles);
  const teams = names(r.teams).length ? names(r.teams) : names(user.teams);
  return { email, name: name || undefined, roles, teams, anonymous: email === 'anonymous' || email === '' };
}

/**
 * useMe: the signed-in user, or null when nobody is signed in (401). With
 * authentication off the server answers the anonymous Admin; a server without
 * the auth routes (404) counts as that too.
 */
export function useMe(options: Partial<UseQueryOptions<Me | null>> = {}) {
  return useQuery<Me | null>({
    queryKey: keys.me(),
    queryFn: async ({ signal }) => {
      try {
        const r = await api.get<Record<string, unknown>>('/v1/auth/me', { signal, noAuthRedirect: true });
        return normalizeMe(r);
      } catch (err) {
        if (isApiError(err) && err.status === 401) return null;
        if (isApiError(err) && err.status === 404) return { email: 'anonymous', roles: ['Admin'], teams: [], anonymous: true };
        throw err;
      }
    },
    staleTime: 60_000,
    retry: false,
    ...options,
  });
}

export function useAuthProviders() {
  return useQuery({
    queryKey: keys.providers(),
    queryFn: async ({ signal }) => {
      try {
        const r = await api.get<Record<string, unknown>>('/v1/auth/providers', { signal, noAuthRedirect: true });
        return normalizeProviders(r);
      } catch (err) {
        // A server without the auth routes has no sign-in at all.
        if (isApiError(err) && err.status === 404) return { local: false, oidc: false };
        throw err;
      }
    },
    staleTime: 5 * 60_000,
    retry: false,
  });
}

export interface Providers {
  /** Local passwords (POST /v1/auth/login). */
  local: boolean;
  /** OIDC single sign-on (GET /v1/auth/oidc/login). */
  oidc: boolean;
}

/** normalizeProviders reads GET /v1/auth/providers: {local, oidc}; both false when authentication is off. */
export function normalizeProviders(r: Record<string, unknown>): Providers {
  return { local: r.local === true, oidc: r.oidc === true };
}
