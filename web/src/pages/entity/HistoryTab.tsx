// History: every version, newest first, with who / when / origin and a readable diff.
import { Badge, Button, Group, Paper, Stack, Text, Timeline } from '@mantine/core';
import { useHistory } from '../../api/hooks';
import type { Blueprint, HistoryVersion } from '../../api/types';
import { RelativeTime } from '../../components/RelativeTime';
import { EmptyState, ErrorState, PageLoader } from '../../components/states';
import { HistoryDiff } from '../../components/entity/HistoryDiff';
import { chipProps } from '../../components/entity/values/PropertyValue';

const originColor = (o: string) => (o === 'UI' ? 'indigo' : o === 'CLI' ? 'teal' : 'gray');

export function versionKind(v: HistoryVersion, first: boolean): string {
  if (v.deleted) return 'Deleted';
  return first ? 'Created' : 'Updated';
}

export function HistoryTab({ blueprint, identifier, bp, onAsOf }: { blueprint: string; identifier: string; bp?: Blueprint; onAsOf: (t: string) => void }) {
  const q = useHistory(blueprint, identifier);
  if (q.isPending) return <PageLoader label="Loading history" />;
  if (q.isError) return <ErrorState error={q.error} onRetry={() => void q.refetch()} title="Cannot load the history" />;
  const versions = q.data;
  if (versions.length === 0) return <EmptyState title="No history yet" />;
  const firstVersion = Math.min(...versions.map((v) => v.version));
  const newest = [...versions].sort((a, b) => b.version - a.version);
  return (
    <Timeline bulletSize={18} lineWidth={2} active={newest.length}>
      {newest.map((v) => {
        const kind = versionKind(v, v.version === firstVersion);
        return (
          <Timeline.Item
            key={v.version}
            title={
              <Group gap="xs" wrap="wrap">
                <Text fw={600} size="sm">
                  {kind}
                </Text>
                <Badge size="xs" variant="default">
                  v{v.version}
                </Badge>
                <Text size="sm" c="dimmed">
                  by {v.actor || 'unknown'} · <RelativeTime value={v.validFrom} />
                </Text>
                <Badge size="xs" variant="light" color={originColor(v.origin)} {...chipProps(originColor(v.origin))}>
                  {v.origin || 'API'}
                </Badge>
                {v.runId && (
                  <Text size="xs" c="dimmed" className="mono">
                    run {v.runId}
                  </Text>
                )}
                {!v.deleted && (
                  <Button size="compact-xs" variant="subtle" onClick={() => onAsOf(v.validFrom)} aria-label={`View this version (v${v.version})`}>
                    View this version
                  </Button>
                )}
              </Group>
            }
          >
            <Paper withBorder p="xs" mt={4}>
              <Stack gap={4}>
                <HistoryDiff changes={v.changes ?? []} blueprint={bp} />
              </Stack>
            </Paper>
          </Timeline.Item>
        );
      })}
    </Timeline>
  );
}
