// The neighbourhood graph: the entity and its related entities one hop away
// (both directions), expandable node by node. Loaded lazily with @xyflow/react.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { ActionIcon, Badge, Group, Loader, Paper, Text, Tooltip, useComputedColorScheme } from '@mantine/core';
import { Background, Controls, Handle, MarkerType, Position, ReactFlow, useNodesState, type Edge, type Node, type NodeProps, type ReactFlowInstance } from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { useQueryClient } from '@tanstack/react-query';
import { useNavigate } from 'react-router';
import { errorMessage } from '../../api/client';
import { fetchImpact, impactKey } from '../../components/entity/impact';
import { ErrorState } from '../../components/states';

type GNode = {
  bp: string;
  id: string;
  title: string;
  x: number;
  y: number;
  state: 'idle' | 'loading' | 'expanded' | 'error';
  root?: boolean;
  /** Neighbours not drawn (beyond PER_SIDE each way). */
  hidden?: number;
};

const PER_SIDE = 12;

/** roundRobin takes one item from each list in turn until n are taken, keeping lists together in the result. */
export function roundRobin<T>(lists: T[][], n: number): T[] {
  const taken = lists.map(() => 0);
  let total = 0;
  for (let progress = true; progress && total < n; ) {
    progress = false;
    for (let i = 0; i < lists.length && total < n; i++) {
      if (taken[i] < lists[i].length) {
        taken[i]++;
        total++;
        progress = true;
      }
    }
  }
  return lists.flatMap((l, i) => l.slice(0, taken[i]));
}
interface GEdge {
  source: string;
  target: string;
  relation: string;
}

const nkey = (bp: string, id: string) => `${bp}/${id}`;

type EntityNodeData = GNode & { onExpand: (k: string) => void; onOpen: (k: string) => void };

function EntityNode({ data }: NodeProps<Node<EntityNodeData>>) {
  const k = nkey(data.bp, data.id);
  return (
    <Paper withBorder shadow="xs" p={6} radius="md" style={{ minWidth: 150, maxWidth: 220, borderWidth: data.root ? 2 : 1, borderColor: data.root ? 'var(--mantine-primary-color-filled)' : undefined }}>
      <Handle type="target" position={Position.Left} />
      <Group gap={4} wrap="nowrap" justify="space-between">
        <button
          type="button"
          className="nodrag graph-node-link"
          onClick={() => data.onOpen(k)}
          aria-label={`Open ${data.title || data.id} ${data.bp}`}
          style={{ all: 'unset', cursor: 'pointer', minWidth: 0, flex: 1 }}
        >
          <Text size="sm" fw={600} truncate>
            {data.title || data.id}
          </Text>{' '}
          <Text size="xs" c="dimmed" truncate>
            {data.bp}
          </Text>
        </button>
        {data.state === 'loading' ? (
          <Loader size={14} aria-label="Loading neighbours" />
        ) : data.state === 'expanded' ? null : (
          <Tooltip label={data.state === 'error' ? 'Failed — retry' : 'Show its neighbours'}>
            <ActionIcon
              size="sm"
              variant="light"
              color={data.state === 'error' ? 'red' : undefined}
              className="nodrag"
              aria-label={`Expand ${data.title || data.id}`}
              onClick={() => data.onExpand(k)}
            >
              +
            </ActionIcon>
          </Tooltip>
        )}
      </Group>
      {!!data.hidden && (
        <Text size="xs" c="dimmed">
          +{data.hidden} more (see Impact)
        </Text>
      )}
      <Handle type="source" position={Position.Right} />
    </Paper>
  );
}

const nodeTypes = { entity: EntityNode };

export default function NeighbourhoodGraph({ blueprint, identifier, title }: { blueprint: string; identifier: string; title: string }) {
  const qc = useQueryClient();
  const navigate = useNavigate();
  const scheme = useComputedColorScheme('light');
  const rootKey = nkey(blueprint, identifier);
  const [nodes, setNodes] = useState<Map<string, GNode>>(() => new Map([[rootKey, { bp: blueprint, id: identifier, title, x: 0, y: 0, state: 'idle', root: true }]]));
  const nodesRef = useRef(nodes);
  const [edges, setEdges] = useState<GEdge[]>([]);
  const [error, setError] = useState<unknown>(null);

  const expand = useCallback(
    async (k: string) => {
      const n = nodesRef.current.get(k);
      if (!n || n.state === 'loading' || n.state === 'expanded') return;
      nodesRef.current = new Map(nodesRef.current).set(k, { ...n, state: 'loading' });
      setNodes(nodesRef.current);
      try {
        const [up, down] = await Promise.all(
          (['upstream', 'downstream'] as const).map((dir) =>
            qc.fetchQuery({ queryKey: impactKey(n.bp, n.id, dir, 1), queryFn: ({ signal }) => fetchImpact(n.bp, n.id, dir, 1, signal), staleTime: 30_000 }),
          ),
        );
        const newEdges: GEdge[] = [];
        let hidden = 0;
        {
          const out = new Map(nodesRef.current);
          const taken = new Set([...out.values()].map((x) => `${Math.round(x.x)}:${Math.round(x.y)}`));
          const place = (list: { blueprint: string; identifier: string; title: string }[], dx: number) => {
            list.forEach((e, i) => {
              const ek = nkey(e.blueprint, e.identifier);
              if (out.has(ek)) return;
              const x = n.x + dx;
              let y = n.y + (i - (list.length - 1) / 2) * 70;
              while (taken.has(`${Math.round(x)}:${Math.round(y)}`)) y += 70;
              taken.add(`${Math.round(x)}:${Math.round(y)}`);
              out.set(ek, { bp: e.blueprint, id: e.identifier, title: e.title, x, y, state: 'idle' });
            });
          };
          // At most PER_SIDE neighbours each way, taken in turn from each blueprint so
          // every kind of neighbour shows; the rest are counted on the node.
          const ups = roundRobin((up.blueprints ?? []).map((b) => b.entities ?? []), PER_SIDE);
          const downs = roundRobin((down.blueprints ?? []).map((b) => b.entities ?? []), PER_SIDE);
          hidden = up.total - ups.length + (down.total - downs.length);
          place(ups, 280);
          place(downs, -280);
          // Upstream: this node → e along the relation; downstream: e → this node.
          for (const e of ups) newEdges.push({ source: k, target: nkey(e.blueprint, e.identifier), relation: e.path?.[e.path.length - 1]?.relation ?? '' });
          for (const e of downs) newEdges.push({ source: nkey(e.blueprint, e.identifier), target: k, relation: e.path?.[e.path.length - 1]?.relation ?? '' });
          out.set(k, { ...(out.get(k) ?? n), state: 'expanded', hidden });
          nodesRef.current = out;
          setNodes(out);
        }
        setEdges((old) => {
          const seen = new Set(old.map((e) => `${e.source}|${e.target}|${e.relation}`));
          return [...old, ...newEdges.filter((e) => !seen.has(`${e.source}|${e.target}|${e.relation}`))];
        });
      } catch (err) {
        setError(err);
        const out = new Map(nodesRef.current);
        const cur = out.get(k);
        if (cur) out.set(k, { ...cur, state: 'error' });
        nodesRef.current = out;
        setNodes(out);
      }
    },
    [qc],
  );

  useEffect(() => {
    void expand(rootKey);
  }, [expand, rootKey]);

  const open = useCallback(
    (k: string) => {
      const i = k.indexOf('/');
      navigate(`/entities/${encodeURIComponent(k.slice(0, i))}/${encodeURIComponent(k.slice(i + 1))}`);
    },
    [navigate],
  );

  // React Flow keeps each node's measured size on the node object and hides a
  // node until it has one; rebuilding the objects on every change dropped the
  // size of a node whose content did not resize (the root after expanding),
  // leaving it hidden. So the flow owns its nodes (dimension changes applied by
  // onNodesChange) and updates here keep what it measured.
  const [rfNodes, setRfNodes, onNodesChange] = useNodesState<Node<EntityNodeData>>([]);
  useEffect(() => {
    setRfNodes((prev) => {
      const old = new Map(prev.map((n) => [n.id, n]));
      return [...nodes.entries()].map(([k, n]) => ({
        ...old.get(k),
        id: k,
        type: 'entity',
        position: { x: n.x, y: n.y },
        data: { ...n, onExpand: (x: string) => void expand(x), onOpen: open },
      }));
    });
  }, [nodes, expand, open, setRfNodes]);
  const rfEdges: Edge[] = useMemo(
    () =>
      edges.map((e) => ({
        id: `${e.source}|${e.target}|${e.relation}`,
        source: e.source,
        target: e.target,
        label: e.relation,
        markerEnd: { type: MarkerType.ArrowClosed },
        style: { strokeWidth: 1.5 },
        labelStyle: { fontSize: 11 },
      })),
    [edges],
  );

  const flow = useRef<ReactFlowInstance<Node<EntityNodeData>, Edge> | null>(null);
  useEffect(() => {
    const t = setTimeout(() => void flow.current?.fitView({ padding: 0.2, duration: 200, maxZoom: 1.2 }), 60);
    return () => clearTimeout(t);
  }, [nodes.size]);

  const root = nodes.get(rootKey);
  return (
    <div>
      {error ? <ErrorState error={error} title="Cannot load related entities" /> : null}
      <Group gap="xs" my="xs">
        <Text size="xs" c="dimmed">
          Arrows follow relations (from the entity holding the relation to its target). “+” on a node shows its neighbours; click a title to open it.
        </Text>
        <Badge size="sm" variant="default">
          {nodes.size} entities
        </Badge>
        {root?.state === 'expanded' && nodes.size === 1 && (
          <Badge size="sm" variant="light" color="gray">
            No related entities
          </Badge>
        )}
      </Group>
      <div style={{ height: 520, border: '1px solid var(--mantine-color-default-border)', borderRadius: 8 }} aria-label="Neighbourhood graph" role="region">
        <ReactFlow
          nodes={rfNodes}
          onNodesChange={onNodesChange}
          edges={rfEdges}
          nodeTypes={nodeTypes}
          onInit={(inst) => {
            flow.current = inst;
          }}
          fitView
          fitViewOptions={{ padding: 0.3, maxZoom: 1.2 }}
          colorMode={scheme}
          nodesConnectable={false}
          proOptions={{ hideAttribution: true }}
          minZoom={0.2}
        >
          <Background />
          <Controls showInteractive={false} />
        </ReactFlow>
      </div>
      {error ? <Text size="xs" c="red">{errorMessage(error)}</Text> : null}
    </div>
  );
}
