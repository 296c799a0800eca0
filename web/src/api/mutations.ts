// Write hooks. Each sends the CSRF token (client.ts), marks the affected reads
// stale, and leaves error display to the caller: ApiError.fields maps
// "properties.replicas" → reason, for showing server errors on the field.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, enc, type QueryValue } from './client';
import type { Blueprint, Entity } from './types';

/** An entity as written (Port's shape); identifier may be omitted on create (server-generated). */
export interface EntityInput {
  identifier?: string;
  title?: string;
  icon?: string;
  team?: string[] | string;
  properties?: Record<string, unknown>;
  relations?: Record<string, unknown>;
}

export interface WriteParams {
  upsert?: boolean;
  merge?: boolean;
  validation_only?: boolean;
  create_missing_related_entities?: boolean;
  [key: string]: QueryValue;
}

export function useCreateEntity(blueprint: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (vars: { entity: EntityInput; params?: WriteParams }) =>
      (await api.post<{ entity: Entity }>(`/v1/blueprints/${enc(blueprint)}/entities`, vars.entity, { query: vars.params })).entity,
    onSuccess: (entity) => {
      qc.setQueryData(['entity', blueprint, entity.identifier], entity);
      qc.invalidateQueries({ queryKey: ['entities', blueprint] });
      qc.invalidateQueries({ queryKey: ['aggregate'] });
    },
  });
}

/** useUpdateEntity: PATCH (only the fields sent; properties and relations merge key by key) or PUT (replace). */
export function useUpdateEntity(blueprint: string, identifier: string, method: 'PATCH' | 'PUT' = 'PATCH') {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (vars: { entity: EntityInput; params?: WriteParams }) => {
      const path = `/v1/blueprints/${enc(blueprint)}/entities/${enc(identifier)}`;
      const r =
        method === 'PUT'
          ? await api.put<{ entity: Entity }>(path, vars.entity, { query: vars.params })
          : await api.patch<{ entity: Entity }>(path, vars.entity, { query: vars.params });
      return r.entity;
    },
    onSuccess: (entity) => {
      if (entity.identifier !== identifier) qc.removeQueries({ queryKey: ['entity', blueprint, identifier] });
      qc.setQueryData(['entity', blueprint, entity.identifier], entity);
      qc.invalidateQueries({ queryKey: ['entity', blueprint, identifier] });
      qc.invalidateQueries({ queryKey: ['history', blueprint, identifier] });
      qc.invalidateQueries({ queryKey: ['entities', blueprint] });
      qc.invalidateQueries({ queryKey: ['aggregate'] });
    },
  });
}

export function useDeleteEntity(blueprint: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (vars: { identifier: string; deleteDependents?: boolean }) =>
      api.delete<{ ok: boolean }>(`/v1/blueprints/${enc(blueprint)}/entities/${enc(vars.identifier)}`, {
        query: { delete_dependents: vars.deleteDependents || undefined },
      }),
    onSuccess: (_r, vars) => {
      qc.removeQueries({ queryKey: ['entity', blueprint, vars.identifier] });
      qc.invalidateQueries({ queryKey: ['history', blueprint, vars.identifier] });
      qc.invalidateQueries({ queryKey: ['entities'] });
      qc.invalidateQueries({ queryKey: ['aggregate'] });
    },
  });
}

function invalidateBlueprints(qc: ReturnType<typeof useQueryClient>, identifier?: string) {
  qc.invalidateQueries({ queryKey: ['blueprints'] });
  if (identifier) {
    qc.invalidateQueries({ queryKey: ['blueprint', identifier] });
    qc.invalidateQueries({ queryKey: ['entities', identifier] });
  }
  qc.invalidateQueries({ queryKey: ['aggregate'] });
}

export function useCreateBlueprint() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (bp: Partial<Blueprint> & { identifier: string }) =>
      (await api.post<{ blueprint: Blueprint }>('/v1/blueprints', bp)).blueprint,
    onSuccess: (bp) => {
      qc.setQueryData(['blueprint', bp.identifier], bp);
      invalidateBlueprints(qc);
    },
  });
}

/** useUpdateBlueprint: PATCH is a JSON merge patch; PUT replaces the blueprint. */
export function useUpdateBlueprint(identifier: string, method: 'PATCH' | 'PUT' = 'PATCH') {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (bp: Partial<Blueprint>) => {
      const path = `/v1/blueprints/${enc(identifier)}`;
      const r = method === 'PUT' ? await api.put<{ blueprint: Blueprint }>(path, bp) : await api.patch<{ blueprint: Blueprint }>(path, bp);
      return r.blueprint;
    },
    onSuccess: (bp) => {
      qc.setQueryData(['blueprint', bp.identifier], bp);
      invalidateBlueprints(qc, identifier);
    },
  });
}

export function useDeleteBlueprint() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (vars: { identifier: string; deleteEntities?: boolean }) =>
      api.delete<{ ok: boolean }>(`/v1/blueprints/${enc(vars.identifier)}`, {
        query: { delete_entities: vars.deleteEntities || undefined },
      }),
    onSuccess: (_r, vars) => {
      qc.removeQueries({ queryKey: ['blueprint', vars.identifier] });
      invalidateBlueprints(qc, vars.identifier);
    },
  });
}
