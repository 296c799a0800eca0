// The data-model graph: blueprints as nodes (icon, title, property count),
// relations as labelled edges (many: dashed and marked "(many)").
import { memo, useMemo } from 'react';
import { Background, Controls, Handle, MiniMap, Position, ReactFlow, type NodeProps } from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { Badge, Group, Paper, Text, useComputedColorScheme } from '@mantine/core';
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
          <Group gap={4} mt={2}>
            <Badge size="xs" variant="light">
              {data.propertyCount} {data.propertyCount === 1 ? 'property' : 'properties'}
            </Badge>
            {data.relationCount > 0 && (
              <Badge size="xs" variant="light" color="gray">
                {data.relationCount} {data.relationCount === 1 ? 'relation' : 'relations'}
              </Badge>
            )}
          </Group>
        </div>
      </Group>
      <Handle type="source" position={Position.Right} isConnectable={false} />
    </Paper>
  );
});

const nodeTypes = { blueprint: BlueprintNodeView };

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
        <MiniMap pannable zoomable ariaLabel="Minimap" />
      </ReactFlow>
    </div>
  );
}
