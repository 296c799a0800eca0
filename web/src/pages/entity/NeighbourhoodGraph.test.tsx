import { describe, expect, it } from 'vitest';
import { roundRobin } from './NeighbourhoodGraph';

describe('roundRobin', () => {
  it('takes neighbours from every blueprint in turn', () => {
    const deployments = ['d1', 'd2', 'd3', 'd4', 'd5'];
    const services = ['s1', 's2'];
    expect(roundRobin([deployments, services], 5)).toEqual(['d1', 'd2', 'd3', 's1', 's2']);
    expect(roundRobin([deployments, services], 3)).toEqual(['d1', 'd2', 's1']);
    expect(roundRobin([deployments, services], 20)).toEqual([...deployments, ...services]);
    expect(roundRobin([], 3)).toEqual([]);
  });
});
