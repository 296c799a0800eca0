import { describe, expect, it, vi } from 'vitest';
import { screen, fireEvent } from '@testing-library/react';
import { useState } from 'react';
import { renderWithProviders } from '../../test/render';
import { blueprintFields } from '../entity/fields';
import type { Blueprint } from '../../api/types';
import { FilterBuilder } from './FilterBuilder';
import { buildQuery, isComplete, operatorsFor, coerceValue, type Filter } from './filters';

const bp = {
  identifier: 'service',
  title: 'Service',
  schema: {
    properties: {
      language: { type: 'string', enum: ['Go', 'Rust'], enumColors: { Go: 'blue' } },
      name: { type: 'string' },
      replicas: { type: 'number' },
      public: { type: 'boolean' },
      deployedAt: { type: 'string', format: 'date-time' },
      lock: { type: 'string', format: 'timer' },
      owner: { type: 'string', format: 'user' },
      tags: { type: 'array', items: { type: 'string' } },
      config: { type: 'object' },
    },
    required: [],
  },
  mirrorProperties: { clusterName: { path: 'cluster.$title' } },
  calculationProperties: { label: { calculation: '.title', type: 'string' } },
  aggregationProperties: { openIncidents: { target: 'incident', calculationSpec: { func: 'count', calculationBy: 'entities' } } },
  relations: { dependsOn: { target: 'service', many: true, required: false }, cluster: { target: 'cluster', many: false, required: false } },
} as unknown as Blueprint;

const fields = blueprintFields(bp);
const f = (key: string) => fields.find((x) => x.key === key)!;

describe('operatorsFor', () => {
  it('offers only the operators valid for each type', () => {
    expect(operatorsFor(f('replicas'))).toEqual(['=', '!=', '>', '>=', '<', '<=', 'in', 'notIn', 'isEmpty', 'isNotEmpty']);
    expect(operatorsFor(f('public'))).toEqual(['=', '!=', 'isEmpty', 'isNotEmpty']);
    expect(operatorsFor(f('language'))).toEqual(['=', '!=', 'in', 'notIn', 'isEmpty', 'isNotEmpty']);
    expect(operatorsFor(f('name'))).toContain('beginsWith');
    expect(operatorsFor(f('replicas'))).not.toContain('contains');
    expect(operatorsFor(f('deployedAt')).slice(0, 2)).toEqual(['between', 'notBetween']);
    expect(operatorsFor(f('deployedAt'))).not.toContain('contains');
    expect(operatorsFor(f('lock')).slice(0, 2)).toEqual(['isExpired', 'isNotExpired']);
    expect(operatorsFor(f('tags'))[0]).toBe('containsAny');
    expect(operatorsFor(f('config'))).toEqual(['isEmpty', 'isNotEmpty']);
    expect(operatorsFor(f('relations.dependsOn'))).toEqual(['=', '!=', 'in', 'notIn', 'isEmpty', 'isNotEmpty']);
    expect(operatorsFor(f('$createdAt'))).toEqual(['between', 'notBetween', '>', '>=', '<', '<=']);
    expect(operatorsFor(f('$team'))[0]).toBe('containsAny');
    expect(operatorsFor(f('openIncidents'))).toContain('>=');
    expect(operatorsFor(f('label'))).toContain('contains');
    expect(operatorsFor(f('clusterName'))).toContain('=');
  });

  it('keeps a fitting value when the operator changes', () => {
    expect(coerceValue('in', 'Go')).toEqual(['Go']);
    expect(coerceValue('=', ['Go', 'Rust'])).toBe('Go');
    expect(coerceValue('isEmpty', 'Go')).toBeUndefined();
    expect(coerceValue('between', 'x')).toEqual({ preset: 'lastWeek' });
  });
});

describe('buildQuery', () => {
  it('combines complete filters with "and" and skips incomplete ones', () => {
    const filters: Filter[] = [
      { id: '1', field: 'language', operator: '=', value: 'Go' },
      { id: '2', field: 'replicas', operator: '>=', value: 2 },
      { id: '3', field: 'name', operator: 'contains', value: '' },
      { id: '4', field: 'relations.cluster', operator: 'in', value: ['eu', 'us'] },
      { id: '5', field: '$updatedAt', operator: 'between', value: { preset: 'lastWeek' } },
      { id: '6', field: 'owner', operator: 'isNotEmpty' },
    ];
    expect(isComplete(filters[2])).toBe(false);
    expect(buildQuery(filters, fields)).toEqual({
      combinator: 'and',
      rules: [
        { property: 'language', operator: '=', value: 'Go' },
        { property: 'replicas', operator: '>=', value: 2 },
        { relation: 'cluster', operator: 'in', value: ['eu', 'us'] },
        { property: '$updatedAt', operator: 'between', value: { preset: 'lastWeek' } },
        { property: 'owner', operator: 'isNotEmpty' },
      ],
    });
    expect(buildQuery([], fields)).toBeUndefined();
    expect(buildQuery([{ id: 'x', field: '$updatedAt', operator: 'between', value: { from: '2026-01-01T00:00:00Z', to: '' } }], fields)).toBeUndefined();
  });
});

function Harness({ onQuery }: { onQuery: (q: unknown) => void }) {
  const [filters, setFilters] = useState<Filter[]>([]);
  onQuery(buildQuery(filters, fields));
  return <FilterBuilder fields={fields} filters={filters} onChange={setFilters} />;
}

describe('FilterBuilder', () => {
  it('builds a rule from property, operator and value', async () => {
    const onQuery = vi.fn();
    renderWithProviders(<Harness onQuery={onQuery} />);
    fireEvent.click(await screen.findByRole('button', { name: '+ Add filter' }));
    // The first stored property (an enum) is picked with its first operator.
    const value = await screen.findByRole('combobox', { name: 'language value' });
    expect(value).toBeTruthy();
    fireEvent.click(value);
    fireEvent.click(await screen.findByRole('option', { name: 'Rust' }));
    expect(onQuery).toHaveBeenLastCalledWith({ combinator: 'and', rules: [{ property: 'language', operator: '=', value: 'Rust' }] });
  });

  it('switches to a number input and comparison operators for a number property', async () => {
    const onQuery = vi.fn();
    renderWithProviders(<Harness onQuery={onQuery} />);
    fireEvent.click(await screen.findByRole('button', { name: '+ Add filter' }));
    fireEvent.click(screen.getByRole('combobox', { name: 'Filter 1 property' }));
    fireEvent.click(await screen.findByRole('option', { name: 'replicas' }));
    fireEvent.click(screen.getByRole('combobox', { name: 'Filter 1 operator' }));
    const opts = (await screen.findAllByRole('option')).map((o) => o.textContent);
    expect(opts).toEqual(['is', 'is not', '>', '≥', '<', '≤', 'is any of', 'is none of', 'is empty', 'is not empty']);
    fireEvent.click(screen.getByRole('option', { name: '≥' }));
    fireEvent.change(screen.getByRole('textbox', { name: 'replicas value' }), { target: { value: '3' } });
    expect(onQuery).toHaveBeenLastCalledWith({ combinator: 'and', rules: [{ property: 'replicas', operator: '>=', value: 3 }] });
    fireEvent.click(screen.getByRole('button', { name: 'Remove filter 1' }));
    expect(onQuery).toHaveBeenLastCalledWith(undefined);
  });
});
