// Blueprints → graph nodes and relation edges, with a simple layered layout:
// a blueprint sits one layer left of the blueprints its relations point at, so
// the graph reads left (dependants) to right (what they depend on).
import type { Edge, Node } from '@xyflow/react';
import type { Blueprint } from '../../api/types';

export interface BlueprintNodeData extends Record<string, unknown> {
  identifier: string;
  title: string;
  icon: string;
  propertyCount: number;
  relationCount: number;
  system: boolean;
}

export interface RelationEdgeData extends Record<string, unknown> {
  relation: string;
  many: boolean;
  required: boolean;
}

export type BlueprintNode = Node<BlueprintNodeData, 'blueprint'>;
export type RelationEdge = Edge<RelationEdgeData>;

export const NODE_WIDTH = 220;
export const NODE_HEIGHT = 84;
const COL_GAP = 120;
const ROW_GAP = 56;

function count(o: unknown): number {
  return o && typeof o === 'object' ? Object.keys(o).length : 0;
}

/** layers: for each blueprint, the length of the longest relation chain leaving it (cycles cut). */
export function layers(blueprints: Blueprint[]): Map<string, number> {
  const ids = new Set(blueprints.map((b) => b.identifier));
  const out = new Map<string, number>();
  const byId = new Map(blueprints.map((b) => [b.identifier, b]));
  const visiting = new Set<string>();
  const visit = (id: string): number => {
    const known = out.get(id);
    if (known !== undefined) return known;
    if (visiting.has(id)) return 0;
    visiting.add(id);
    let layer = 0;
    for (const r of Object.values(byId.get(id)?.relations ?? {})) {
      if (!r || r.target === id || !ids.has(r.target)) continue;
      layer = Math.max(layer, visit(r.target) + 1);
    }
    visiting.delete(id);
    out.set(id, layer);
    return layer;
  };
  for (const b of blueprints) visit(b.identifier);
  return out;
}

/** buildGraph gives the nodes (laid out) and edges of the blueprints' relations. */
export function buildGraph(blueprints: Blueprint[], opts: { selected?: string } = {}): { nodes: BlueprintNode[]; edges: RelationEdge[] } {
  const sorted = [...blueprints].sort((a, b) => a.identifier.localeCompare(b.identifier));
  const layerOf = layers(sorted);
  const maxLayer = Math.max(0, ...layerOf.values());
  const ids = new Set(sorted.map((b) => b.identifier));
  const colOf = new Map(sorted.map((b) => [b.identifier, maxLayer - (layerOf.get(b.identifier) ?? 0)]));
  // Neighbours through relations either way, for ordering within a column.
  const neighbours = new Map<string, string[]>(sorted.map((b) => [b.identifier, []]));
  for (const b of sorted) {
    for (const r of Object.values(b.relations ?? {})) {
      if (!r || !ids.has(r.target) || r.target === b.identifier) continue;
      neighbours.get(b.identifier)!.push(r.target);
      neighbours.get(r.target)!.push(b.identifier);
    }
  }
  const columns: string[][] = Array.from({ length: maxLayer + 1 }, () => []);
  for (const b of sorted) columns[colOf.get(b.identifier)!]!.push(b.identifier);
  // Two barycenter sweeps (left to right, then right to left) cut edge crossings.
  const rowOf = new Map<string, number>();
  const index = () => columns.forEach((col) => col.forEach((id, i) => rowOf.set(id, i)));
  index();
  const sweep = (order: number[]) => {
    for (const c of order) {
      const bary = new Map<string, number>();
      for (const id of columns[c]!) {
        const ns = neighbours.get(id)!.filter((n) => colOf.get(n) !== c);
        bary.set(id, ns.length ? ns.reduce((a, n) => a + rowOf.get(n)!, 0) / ns.length : rowOf.get(id)!);
      }
      columns[c]!.sort((a, b) => bary.get(a)! - bary.get(b)! || a.localeCompare(b));
      index();
    }
  };
  const cols = columns.map((_, i) => i);
  sweep(cols.slice(1));
  sweep(cols.slice(0, -1).reverse());
  const tallest = Math.max(1, ...columns.map((c) => c.length));
  const nodes: BlueprintNode[] = sorted.map((b) => {
    const col = colOf.get(b.identifier)!;
    const offset = ((tallest - columns[col]!.length) * (NODE_HEIGHT + ROW_GAP)) / 2;
    const row = rowOf.get(b.identifier)!;
    return {
      id: b.identifier,
      type: 'blueprint',
      position: { x: col * (NODE_WIDTH + COL_GAP), y: offset + row * (NODE_HEIGHT + ROW_GAP) },
      selected: opts.selected === b.identifier,
      data: {
        identifier: b.identifier,
        title: b.title || b.identifier,
        icon: b.icon ?? '',
        propertyCount:
          count(b.schema?.properties) + count(b.mirrorProperties) + count(b.calculationProperties) + count(b.aggregationProperties),
        relationCount: count(b.relations),
        system: b.identifier.startsWith('_'),
      },
    };
  });
  const edges: RelationEdge[] = [];
  const touches = (a: string, b: string) => !!opts.selected && (a === opts.selected || b === opts.selected);
  for (const b of sorted) {
    for (const [rid, r] of Object.entries(b.relations ?? {})) {
      if (!r || !ids.has(r.target)) continue;
      const label = `${r.title || rid}${r.many ? ' (many)' : ''}`;
      edges.push({
        id: `${b.identifier}->${rid}`,
        source: b.identifier,
        target: r.target,
        // A relation of a blueprint to itself loops over the node.
        type: r.target === b.identifier ? 'self' : 'default',
        label,
        ariaLabel: `${b.title || b.identifier} ${r.title || rid} ${r.many ? 'many' : 'one'} ${r.target}`,
        data: { relation: rid, many: !!r.many, required: !!r.required },
        markerEnd: { type: 'arrowclosed', width: 16, height: 16 },
        className: r.many ? 'atrium-edge-many' : 'atrium-edge-single',
        style: {
          ...(r.many ? { strokeWidth: 2, strokeDasharray: '6 4' } : { strokeWidth: 1.5 }),
          // The open blueprint's relations (either way) stand out.
          ...(touches(b.identifier, r.target) ? { stroke: 'var(--mantine-primary-color-filled)', strokeWidth: 2.5 } : {}),
        },
        zIndex: touches(b.identifier, r.target) ? 1 : 0,
      });
    }
  }
  return { nodes, edges };
}
