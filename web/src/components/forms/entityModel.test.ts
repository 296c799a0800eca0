import { describe, expect, it } from 'vitest';
import type { Blueprint, Entity } from '../../api/types';
import { buildEntityBody, buildEntityPatch, controlForEntityField, draftFor, kindOf, mapEntityErrors, slugify } from './entityModel';

const bp = {
  identifier: 'service',
  title: 'Service',
  ownership: { type: 'Direct' },
  schema: {
    properties: {
      replicas: { type: 'number', default: 2 },
      tier: { type: 'string', enum: ['gold', 'silver'] },
      level: { type: 'number', enum: [1, 2] },
      live: { type: 'boolean' },
      url: { type: 'string', format: 'url' },
      since: { type: 'string', format: 'date-time' },
      owner: { type: 'string', format: 'user' },
      readme: { type: 'string', format: 'markdown' },
      conf: { type: 'string', format: 'yaml' },
      api: { type: 'string', format: 'proto' },
      ip: { type: 'string', format: 'ipv4' },
      docs: { type: 'object', format: 'labeled-url' },
      meta: { type: 'object' },
      tags: { type: 'array', items: { type: 'string' } },
      ports: { type: 'array', items: { type: 'number' } },
      envs: { type: 'array', items: { type: 'string', enum: ['dev', 'prod'] } },
      oncall: { type: 'array', items: { type: 'string', format: 'team' } },
    },
    required: ['tier'],
  },
  relations: {
    domain: { target: 'domain', many: false, required: true },
    dependsOn: { target: 'service', many: true, required: false },
  },
  mirrorProperties: {},
  calculationProperties: {},
  aggregationProperties: {},
} as unknown as Blueprint;

describe('kindOf', () => {
  it('picks a control per type, format and enum', () => {
    const p = bp.schema.properties;
    const kinds = Object.fromEntries(Object.entries(p).map(([k, v]) => [k, kindOf(v!)]));
    expect(kinds).toEqual({
      replicas: 'number',
      tier: 'enum',
      level: 'enum',
      live: 'boolean',
      url: 'url',
      since: 'datetime',
      owner: 'user',
      readme: 'markdown',
      conf: 'yaml',
      api: 'proto',
      ip: 'text',
      docs: 'labeled-url',
      meta: 'json',
      tags: 'tags',
      ports: 'number-tags',
      envs: 'multi-enum',
      oncall: 'teams',
    });
  });
});

describe('buildEntityBody', () => {
  it('builds identifier, title, team, typed properties and relations; leaves empty fields out', () => {
    const d = draftFor(bp);
    expect(d.properties.replicas).toBe('2'); // the default
    d.identifier = 'pay';
    d.title = ' Payments ';
    d.team = ['payments'];
    Object.assign(d.properties, {
      tier: 'gold',
      level: '2',
      live: 'false',
      url: ' https://pay.example ',
      since: '2026-11-20T12:30',
      owner: 'ada@example.com',
      readme: '# Hi',
      docs: { url: 'https://docs', displayText: 'Docs' },
      meta: '{"a": 1}',
      tags: ['x', 'y'],
      ports: ['80', '443'],
      envs: ['prod'],
      oncall: [],
    });
    d.relations = { domain: 'payments', dependsOn: ['ledger', 'auth'] };
    const { body, problems } = buildEntityBody(bp, d);
    expect(problems).toEqual({});
    expect(body).toEqual({
      identifier: 'pay',
      title: 'Payments',
      team: ['payments'],
      properties: {
        replicas: 2,
        tier: 'gold',
        level: 2,
        live: false,
        url: 'https://pay.example',
        since: new Date('2026-11-20T12:30').toISOString().replace('.000Z', 'Z'),
        owner: 'ada@example.com',
        readme: '# Hi',
        docs: { url: 'https://docs', displayText: 'Docs' },
        meta: { a: 1 },
        tags: ['x', 'y'],
        ports: [80, 443],
        envs: ['prod'],
      },
      relations: { domain: 'payments', dependsOn: ['ledger', 'auth'] },
    });
  });

  it('reads an entity back into the same values', () => {
    const e = {
      identifier: 'pay',
      title: 'Pay',
      team: ['t'],
      properties: { replicas: 3, live: true, meta: { b: [1] }, ports: [8080], docs: { url: 'https://d' } },
      relations: { domain: 'd1', dependsOn: ['x'] },
    } as unknown as Entity;
    const { body } = buildEntityBody(bp, draftFor(bp, e), { editing: true });
    expect(body).toEqual({
      identifier: 'pay',
      title: 'Pay',
      team: ['t'],
      properties: { replicas: 3, live: true, meta: { b: [1] }, ports: [8080], docs: { url: 'https://d' } },
      relations: { domain: 'd1', dependsOn: ['x'] },
    });
  });

  it('sends no team unless ownership is Direct, and reports bad JSON, numbers and a missing identifier', () => {
    const noOwner = { ...bp, ownership: undefined } as unknown as Blueprint;
    const d = draftFor(noOwner);
    d.team = ['ignored'];
    d.properties.meta = '{nope';
    d.properties.ports = ['80', 'abc'];
    const { body, problems } = buildEntityBody(noOwner, d);
    expect(body.team).toBeUndefined();
    expect(problems).toEqual({ identifier: 'is required', 'properties.meta': 'is not valid JSON', 'properties.ports': 'every item must be a number' });
  });

  it('slugifies titles into identifiers', () => {
    expect(slugify('  Payments API (EU) ')).toBe('payments-api-eu');
    expect(slugify('Crème brûlée')).toBe('creme-brulee');
  });
});

describe('buildEntityPatch', () => {
  const e = {
    identifier: 'pay',
    title: 'Pay',
    team: ['a'],
    properties: { replicas: 3, tier: 'gold', tags: ['x'] },
    relations: { domain: 'd1', dependsOn: ['x', 'y'] },
  } as unknown as Entity;

  it('sends only what changed; null clears a property, relation or title', () => {
    const initial = draftFor(bp, e);
    const d = draftFor(bp, e);
    d.properties.replicas = '4';
    d.properties.tags = [];
    d.properties.url = 'https://new';
    d.relations.domain = '';
    d.relations.dependsOn = ['y'];
    d.title = '';
    d.team = ['a', 'b'];
    const p = buildEntityPatch(bp, initial, d);
    expect(p.problems).toEqual({});
    expect(p.changed).toBe(true);
    expect(p.body).toEqual({
      properties: { replicas: 4, tags: null, url: 'https://new' },
      relations: { domain: null, dependsOn: ['y'] },
      title: null,
      team: ['a', 'b'],
    });
  });

  it('has nothing to send when nothing changed, and reports bad input', () => {
    const initial = draftFor(bp, e);
    expect(buildEntityPatch(bp, initial, draftFor(bp, e))).toEqual({ body: {}, problems: {}, changed: false });
    const d = draftFor(bp, e);
    d.properties.meta = '{';
    expect(buildEntityPatch(bp, initial, d).problems).toEqual({ 'properties.meta': 'is not valid JSON' });
  });
});

describe('entity server errors → controls', () => {
  it('maps properties, relations, team and top-level fields', () => {
    const cases: [string, string | undefined][] = [
      ['properties.replicas', 'properties.replicas'],
      ['properties.ports[1]', 'properties.ports'],
      ['properties.docs.url', 'properties.docs'],
      ['relations.domain', 'relations.domain'],
      ['relations.dependsOn[0]', 'relations.dependsOn'],
      ['team[0]', 'team'],
      ['identifier', 'identifier'],
      ['title', 'title'],
      ['properties.unknownProp', undefined],
      ['relations.nope', undefined],
      ['properties', undefined],
      ['run_id', undefined],
    ];
    for (const [f, want] of cases) expect(controlForEntityField(f, bp), f).toBe(want);
    const m = mapEntityErrors(
      [
        { field: 'properties.replicas', reason: 'must be >= 0' },
        { field: 'properties.secret', reason: 'is not a property' },
      ],
      bp,
    );
    expect(m.controls).toEqual({ 'properties.replicas': 'must be >= 0' });
    expect(m.unmatched).toEqual([{ field: 'properties.secret', reason: 'is not a property' }]);
  });
});
