import { describe, expect, it } from 'vitest';
import type { Blueprint } from '../../api/types';
import { buildGraph } from './graph';

const bp = (identifier: string, relations: Record<string, { target: string; many?: boolean; title?: string }> = {}, props = 0): Blueprint =>
  ({
    identifier,
    title: identifier.toUpperCase(),
    icon: 'Cloud',
    schema: { properties: Object.fromEntries(Array.from({ length: props }, (_, i) => [`p${i}`, { type: 'string' }])), required: [] },
    relations: Object.fromEntries(Object.entries(relations).map(([k, r]) => [k, { many: false, required: false, ...r }])),
    mirrorProperties: { m: { path: 'x.y' } },
    calculationProperties: {},
    aggregationProperties: {},
  }) as unknown as Blueprint;

describe('buildGraph', () => {
  const bps = [
    bp('running', { service: { target: 'service', title: 'Service' }, env: { target: 'environment' } }, 2),
    bp('service', { domain: { target: 'domain' }, dependsOn: { target: 'service', many: true, title: 'Depends on' } }, 3),
    bp('domain'),
    bp('environment'),
    bp('orphan', { gone: { target: 'missing' } }),
  ];
  const { nodes, edges } = buildGraph(bps, { selected: 'service' });

  it('makes one node per blueprint with title, icon and property count', () => {
    expect(nodes.map((n) => n.id).sort()).toEqual(['domain', 'environment', 'orphan', 'running', 'service']);
    const svc = nodes.find((n) => n.id === 'service')!;
    expect(svc.data).toMatchObject({ title: 'SERVICE', icon: 'Cloud', propertyCount: 4, relationCount: 2 });
    expect(svc.selected).toBe(true);
    expect(nodes.find((n) => n.id === 'running')!.selected).toBe(false);
  });

  it('makes labelled edges, marking many relations and skipping unknown targets', () => {
    const byId = Object.fromEntries(edges.map((e) => [e.id, e]));
    expect(Object.keys(byId).sort()).toEqual(['running->env', 'running->service', 'service->dependsOn', 'service->domain']);
    expect(byId['running->service']).toMatchObject({ source: 'running', target: 'service', label: 'Service', data: { many: false } });
    expect(byId['service->dependsOn']).toMatchObject({ source: 'service', target: 'service', label: 'Depends on (many)', data: { many: true } });
  });

  it('lays dependants out left of what they point at', () => {
    const x = (id: string) => nodes.find((n) => n.id === id)!.position.x;
    expect(x('running')).toBeLessThan(x('service'));
    expect(x('service')).toBeLessThan(x('domain'));
    expect(x('environment')).toBe(x('domain'));
    const ys = nodes.filter((n) => n.position.x === x('domain')).map((n) => n.position.y);
    expect(new Set(ys).size).toBe(ys.length);
  });

  it('orders a column by its neighbours so edges do not cross', () => {
    const g = buildGraph([bp('a', { r: { target: 'z' } }), bp('b', { r: { target: 'y' } }), bp('y'), bp('z')]);
    const y = (id: string) => g.nodes.find((n) => n.id === id)!.position.y;
    expect(y('a')).toBeLessThan(y('b'));
    expect(y('z')).toBeLessThan(y('y'));
  });

  it('highlights the relations of the selected blueprint', () => {
    const g = buildGraph(bps, { selected: 'domain' });
    const hi = g.edges.filter((e) => e.zIndex === 1).map((e) => e.id);
    expect(hi).toEqual(['service->domain']);
    expect(g.edges.find((e) => e.id === 'service->domain')!.style).toMatchObject({ stroke: 'var(--mantine-primary-color-filled)' });
    expect(g.edges.find((e) => e.id === 'running->service')!.style).not.toHaveProperty('stroke');
  });
});
