import { describe, expect, it } from 'vitest';
import type { Blueprint } from '../../api/types';
import {
  clientProblems,
  draftFromBlueprint,
  draftToBlueprint,
  emptyAggregation,
  emptyBlueprint,
  emptyProperty,
  propertyToJson,
  renameRequest,
  renames,
  type PropertyDraft,
} from './model';

const prop = (p: Partial<PropertyDraft>): PropertyDraft => ({ ...emptyProperty(), ...p });

describe('propertyToJson', () => {
  it('writes a string enum with its colors, constraints and default', () => {
    expect(
      propertyToJson(
        prop({
          id: 'status',
          title: 'Status',
          enumValues: [
            { value: 'Healthy', color: 'green' },
            { value: 'Down', color: 'red' },
            { value: 'Unknown', color: '' },
            { value: '', color: 'blue' },
          ],
          minLength: '2',
          maxLength: '20',
          pattern: '^[A-Z]',
          default: 'Healthy',
        }),
      ),
    ).toEqual({
      type: 'string',
      title: 'Status',
      enum: ['Healthy', 'Down', 'Unknown'],
      enumColors: { Healthy: 'green', Down: 'red' },
      minLength: 2,
      maxLength: 20,
      pattern: '^[A-Z]',
      default: 'Healthy',
    });
  });

  it('writes every string format as is', () => {
    for (const f of ['date-time', 'url', 'email', 'user', 'team', 'timer', 'yaml', 'markdown', 'ipv4', 'ipv6', 'proto']) {
      expect(propertyToJson(prop({ format: f }))).toEqual({ type: 'string', format: f });
    }
  });

  it('writes a number with bounds, numeric enum (no colors) and a numeric default', () => {
    expect(
      propertyToJson(
        prop({ type: 'number', minimum: '0', maximum: '10.5', enumValues: [{ value: '1', color: 'red' }, { value: '2', color: '' }], default: '1' }),
      ),
    ).toEqual({ type: 'number', minimum: 0, maximum: 10.5, enum: [1, 2], default: 1 });
  });

  it('drops string-only keys when the type is not string', () => {
    expect(propertyToJson(prop({ type: 'boolean', pattern: 'x', minLength: '3', default: 'true' }))).toEqual({ type: 'boolean', default: true });
  });

  it('writes an array of url strings with item constraints', () => {
    expect(
      propertyToJson(prop({ type: 'array', itemsType: 'string', format: 'url', minItems: '1', maxItems: '5', uniqueItems: true, default: '["https://a"]' })),
    ).toEqual({ type: 'array', items: { type: 'string', format: 'url' }, minItems: 1, maxItems: 5, uniqueItems: true, default: ['https://a'] });
  });

  it('puts an array enum and its colors on the items', () => {
    expect(propertyToJson(prop({ type: 'array', enumValues: [{ value: 'a', color: 'pink' }] }))).toEqual({
      type: 'array',
      items: { type: 'string', enum: ['a'], enumColors: { a: 'pink' } },
    });
  });

  it('writes a labeled-url object', () => {
    expect(propertyToJson(prop({ type: 'object', format: 'labeled-url' }))).toEqual({ type: 'object', format: 'labeled-url' });
  });

  it('keeps keys the form does not edit', () => {
    const bp = {
      identifier: 'svc',
      title: 'Service',
      schema: { properties: { spec: { type: 'string', format: 'url', spec: 'open-api', title: 'Spec' } }, required: [] },
      relations: {},
      mirrorProperties: {},
      calculationProperties: {},
      aggregationProperties: {},
      includeInGlobalSearch: true,
      createdAt: '2026-01-01T00:00:00Z',
    } as unknown as Blueprint;
    const body = draftToBlueprint(draftFromBlueprint(bp));
    expect(body.includeInGlobalSearch).toBe(true);
    expect(body.createdAt).toBeUndefined();
    expect((body.schema as { properties: Record<string, unknown> }).properties.spec).toEqual({ type: 'string', format: 'url', spec: 'open-api', title: 'Spec' });
  });
});

describe('draftToBlueprint', () => {
  it('round-trips a full blueprint', () => {
    const bp = {
      identifier: 'runningService',
      title: 'Running Service',
      icon: 'Cloud',
      description: 'One service in one environment',
      ownership: { type: 'Inherited', path: 'service' },
      schema: {
        properties: {
          status: { type: 'string', enum: ['Healthy', 'Down'], enumColors: { Healthy: 'green', Down: 'red' } },
          replicas: { type: 'number', minimum: 0 },
        },
        required: ['status'],
      },
      relations: { service: { title: 'Service', target: 'service', required: true, many: false } },
      mirrorProperties: { tier: { title: 'Tier', path: 'service.tier' } },
      calculationProperties: { double: { calculation: '.properties.replicas * 2', type: 'number' } },
      aggregationProperties: {
        pods: { target: 'pod', calculationSpec: { calculationBy: 'entities', func: 'count' } },
        cpu: { target: 'pod', calculationSpec: { calculationBy: 'property', func: 'median', property: 'cpu' }, query: { combinator: 'and', rules: [] } },
      },
    } as unknown as Blueprint;
    expect(draftToBlueprint(draftFromBlueprint(bp))).toEqual(bp);
  });

  it('lists required properties and sets aggregation specs per function', () => {
    const d = emptyBlueprint();
    d.identifier = 'svc';
    d.title = 'Svc';
    d.properties = [prop({ id: 'a', required: true }), prop({ id: 'b' })];
    d.aggregations = [
      { ...emptyAggregation(), id: 'n', target: 'pod', func: 'count' },
      { ...emptyAggregation(), id: 's', target: 'pod', func: 'sum', property: 'cpu' },
      { ...emptyAggregation(), id: 'avg', target: 'pod', func: 'average', property: 'cpu' },
    ];
    d.ownership = { type: 'Direct', path: 'ignored', title: '' };
    const body = draftToBlueprint(d);
    expect((body.schema as { required: string[] }).required).toEqual(['a']);
    expect(body.ownership).toEqual({ type: 'Direct' });
    const aggs = body.aggregationProperties as Record<string, { calculationSpec: unknown }>;
    expect(aggs.n!.calculationSpec).toEqual({ calculationBy: 'entities', func: 'count' });
    expect(aggs.s!.calculationSpec).toEqual({ calculationBy: 'property', func: 'sum', property: 'cpu' });
    expect(aggs.avg!.calculationSpec).toEqual({ calculationBy: 'property', func: 'average', property: 'cpu', averageOf: 'total' });
  });
});

describe('renames and client checks', () => {
  it('finds renamed properties, mirrors and relations of an existing blueprint', () => {
    const d = draftFromBlueprint({
      identifier: 'svc',
      title: 'Svc',
      schema: { properties: { old: { type: 'string' }, same: { type: 'string' } }, required: [] },
      relations: { dom: { target: 'domain', many: false, required: false } },
      mirrorProperties: {},
      calculationProperties: {},
      aggregationProperties: {},
    } as unknown as Blueprint);
    d.properties[0]!.id = 'fresh';
    d.relations[0]!.id = 'domain';
    const r = renames(d);
    expect(r.map((x) => [x.kind, x.from, x.to])).toEqual([
      ['property', 'old', 'fresh'],
      ['relation', 'dom', 'domain'],
    ]);
    expect(renameRequest('svc', r[0]!)).toEqual({ path: '/v1/blueprints/svc/properties/old/rename', body: { newPropertyName: 'fresh' } });
    expect(renameRequest('svc', r[1]!)).toEqual({ path: '/v1/blueprints/svc/relations/dom/rename', body: { newRelationIdentifier: 'domain' } });
  });

  it('flags bad identifiers, duplicates, defaults and many+required before sending', () => {
    const d = emptyBlueprint();
    d.identifier = '..';
    const p1 = prop({ id: 'x' });
    const p2 = prop({ id: 'x', type: 'number', default: 'abc' });
    d.properties = [p1, p2];
    d.relations = [{ key: 'r1', id: 'bad id', title: '', description: '', target: '', many: true, required: true, extra: {} }];
    const out = clientProblems(d);
    expect(out.identifier).toBeTruthy();
    expect(out.title).toBe('is required');
    expect(out[`prop.${p1.key}.id`]).toBeUndefined();
    expect(out[`prop.${p2.key}.id`]).toMatch(/already used/);
    expect(out[`prop.${p2.key}.default`]).toBe('must be a number');
    expect(out['rel.r1.id']).toBeTruthy();
    expect(out['rel.r1.target']).toBe('is required');
    expect(out['rel.r1.required']).toMatch(/many and required/);
  });
});
