import { describe, expect, it } from 'vitest';
import { PICKER_LIMIT, pickerRequest, selectedRequest } from './EntityPicker';

describe('pickerRequest', () => {
  it('asks for the first entities by title when nothing is typed', () => {
    expect(pickerRequest('  ')).toEqual({ limit: PICKER_LIMIT, sort: [{ property: '$title', order: 'asc' }] });
  });

  it('matches title or identifier, in the usual spellings (contains is case-sensitive)', () => {
    const r = pickerRequest(' pay ');
    expect(r.query?.combinator).toBe('or');
    const values = new Set(r.query!.rules.map((x) => (x as { value: string }).value));
    expect([...values].sort()).toEqual(['PAY', 'Pay', 'pay']);
    const props = new Set(r.query!.rules.map((x) => (x as { property: string }).property));
    expect([...props].sort()).toEqual(['$identifier', '$title']);
    expect(r.query!.rules.every((x) => (x as { operator: string }).operator === 'contains')).toBe(true);
  });

  it('fetches the titles of selected entities by identifier', () => {
    expect(selectedRequest(['a', 'b'])).toEqual({ limit: 2, query: { combinator: 'and', rules: [{ property: '$identifier', operator: 'in', value: ['a', 'b'] }] } });
  });
});
