// The data-model graph: blueprints as nodes (icon, title, property count),
// relations as labelled edges (many: dashed and marked "(many)").
import { memo, useMemo } from 'react';
import { Background, BaseEdge, Controls, Handle, Position, ReactFlow, type EdgeProps, type NodeProps } from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { Group, Paper, Text, useComputedColorScheme } from '@mantine/core';
import type { Blueprint } from '../../api/types';
import { buildGraph, NODE_HEIGHT, NODE_WIDTH, type BlueprintNode } from './graph';
import { BlueprintIcon } from './BlueprintIcon';

const BlueprintNodeView = memo(function BlueprintNodeView({ data, selected }: NodeProps<BlueprintNode>) {
  return (
    <Paper
      withBorder
      shadow={selected ? 'md' : 'xs'}
      p="xs"
      radius="md"
      w={NODE_WIDTH}
      h={NODE_HEIGHT}
      style={{ borderColor: selected ? 'var(--mantine-primary-color-filled)' : undefined, borderWidth: selected ? 2 : 1, cursor: 'pointer' }}
    >
      <Handle type="target" position={Position.Left} isConnectable={false} />
      <Group gap="xs" wrap="nowrap" align="flex-start">
        <BlueprintIcon icon={data.icon} />
        <div style={{ minWidth: 0 }}>
          <Text fw={600} size="sm" truncate="end">
            {data.title}
          </Text>
          <Text size="xs" c="dimmed" className="mono" truncate="end">
            {data.identifier}
          </Text>
          <Text size="xs" mt={4} truncate="end">
            {data.propertyCount} {data.propertyCount === 1 ? 'property' : 'properties'}
            {data.relationCount > 0 && ` · ${data.relationCount} ${data.relationCount === 1 ? 'relation' : 'relations'}`}
          </Text>
        </div>
      </Group>
      <Handle type="source" position={Position.Right} isConnectable={false} />
    </Paper>
  );
});

/** SelfLoopEdge: a relation from a blueprint to itself, drawn as a loop above the node. */
function SelfLoopEdge({ sourceX, sourceY, targetX, targetY, label, style, markerEnd, labelStyle, labelBgStyle }: EdgeProps) {
  const top = Math.min(sourceY, targetY) - 80;
  const path = `M ${sourceX} ${sourceY} C ${sourceX + 90} ${top}, ${targetX - 90} ${top}, ${targetX} ${targetY}`;
  return (
    <BaseEdge
      path={path}
      style={style}
      markerEnd={markerEnd}
      label={label}
      labelX={(sourceX + targetX) / 2}
      labelY={(sourceY + 6 * top + targetY) / 8}
      labelStyle={labelStyle}
      labelBgStyle={labelBgStyle}
    />
  );
}

const nodeTypes = { blueprint: BlueprintNodeView };
const edgeTypes = { self: SelfLoopEdge };

export function BlueprintGraph({
  blueprints,
  selected,
  onSelect,
}: {
  blueprints: Blueprint[];
  selected?: string;
  onSelect: (identifier: string) => void;
}) {
  const { nodes, edges } = useMemo(() => buildGraph(blueprints, { selected }), [blueprints, selected]);
  const scheme = useComputedColorScheme('light');
  return (
    <div style={{ width: '100%', height: '100%' }} aria-label="Blueprint graph" role="figure">
      <ReactFlow
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        edgeTypes={edgeTypes}
        colorMode={scheme}
        fitView
        fitViewOptions={{ padding: 0.15, maxZoom: 1.2 }}
        minZoom={0.2}
        nodesDraggable
        nodesConnectable={false}
        edgesFocusable={false}
        onNodeClick={(_, n) => onSelect(n.id)}
        onNodeDoubleClick={(_, n) => onSelect(n.id)}
        onKeyDown={(e) => {
          // Enter on a focused node opens it, like a click.
          const t = e.target as HTMLElement;
          const id = t.closest('.react-flow__node')?.getAttribute('data-id');
          if (id && (e.key === 'Enter' || e.key === ' ')) {
            e.preventDefault();
            onSelect(id);
          }
        }}
        proOptions={{ hideAttribution: true }}
      >
        <Background gap={20} />
        <Controls showInteractive={false} />
      </ReactFlow>
    </div>
  );
}
