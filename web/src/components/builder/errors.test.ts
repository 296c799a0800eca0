import { describe, expect, it } from 'vitest';
import type { Blueprint } from '../../api/types';
import { controlForField, mapBlueprintErrors, splitPath } from './errors';
import { draftFromBlueprint } from './model';

const d = draftFromBlueprint({
  identifier: 'svc',
  title: 'Svc',
  schema: { properties: { tier: { type: 'number' }, links: { type: 'array', items: { type: 'string' } } }, required: [] },
  relations: { domain: { target: 'domain', many: false, required: false } },
  mirrorProperties: { owner: { path: 'domain.owner' } },
  calculationProperties: { score: { calculation: '1', type: 'number' } },
  aggregationProperties: { pods: { target: 'pod', calculationSpec: { calculationBy: 'entities', func: 'count' } } },
} as unknown as Blueprint);
const key = (list: { id: string; key: string }[], id: string) => list.find((x) => x.id === id)!.key;

describe('blueprint server errors → controls', () => {
  it('splits paths with indexes', () => {
    expect(splitPath('aggregationProperties.x.pathFilter[0].path')).toEqual(['aggregationProperties', 'x', 'pathFilter', '0', 'path']);
  });

  it('maps each kind of field to its control', () => {
    const tier = key(d.properties, 'tier');
    const links = key(d.properties, 'links');
    const cases: [string, string | undefined][] = [
      ['identifier', 'identifier'],
      ['title', 'title'],
      ['schema.properties.tier.maximum', `prop.${tier}.maximum`],
      ['schema.properties.tier.exclusiveMinimum', `prop.${tier}.minimum`],
      ['schema.properties.tier', `prop.${tier}`],
      ['schema.properties.tier.weird', `prop.${tier}`],
      ['schema.properties.links.items.format', `prop.${links}.format`],
      ['schema.properties.links.items.enumColors.a', `prop.${links}.enum`],
      ['schema.properties.nope.maximum', undefined],
      ['relations.domain.target', `rel.${key(d.relations, 'domain')}.target`],
      ['relations.domain.required', `rel.${key(d.relations, 'domain')}.required`],
      ['mirrorProperties.owner.path', `mirror.${key(d.mirrors, 'owner')}.path`],
      ['calculationProperties.score.calculation', `calc.${key(d.calculations, 'score')}.calculation`],
      ['aggregationProperties.pods.calculationSpec.property', `agg.${key(d.aggregations, 'pods')}.property`],
      ['aggregationProperties.pods.calculationSpec.averageOf', `agg.${key(d.aggregations, 'pods')}.func`],
      ['aggregationProperties.pods.pathFilter[0].path', `agg.${key(d.aggregations, 'pods')}.query`],
      ['ownership.path', 'ownership.path'],
      ['ownership', 'ownership.type'],
      ['schema.required[0]', undefined],
      ['somethingElse', undefined],
    ];
    for (const [field, want] of cases) expect(controlForField(field, d), field).toBe(want);
  });

  it('joins several errors on one control and leaves unknown paths for the alert', () => {
    const tier = key(d.properties, 'tier');
    const m = mapBlueprintErrors(
      [
        { field: 'schema.properties.tier.maximum', reason: 'must be a number' },
        { field: 'schema.properties.tier.maximum', reason: 'must be above minimum' },
        { field: 'changelogDestination', reason: 'is odd' },
      ],
      d,
    );
    expect(m.controls).toEqual({ [`prop.${tier}.maximum`]: 'must be a number; must be above minimum' });
    expect(m.unmatched).toEqual([{ field: 'changelogDestination', reason: 'is odd' }]);
  });
});
