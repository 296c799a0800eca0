// Data model: the blueprint graph (click a node to edit it), a searchable
// "Open a blueprint" picker (the keyboard path), and the blueprint editor in a drawer.
//   /data-model              the graph
//   /data-model?new=1        the graph and a new blueprint
//   /data-model/:blueprint   the graph and that blueprint's editor
import { useMemo, useState } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import { Anchor, Button, Drawer, Group, Paper, Select, Skeleton, Stack, Switch, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useBlueprint, useBlueprints, useMe } from '../../api/hooks';
import type { Me } from '../../api/types';
import { EmptyState, ErrorState, PageLoader } from '../../components/states';
import { IconBlueprint, IconPlus } from '../../components/icons';
import { useDocumentTitle } from '../../lib/useDocumentTitle';
import { BlueprintGraph } from '../../components/builder/BlueprintGraph';
import { BlueprintEditor, type TabName } from '../../components/builder/BlueprintEditor';
import { draftFromBlueprint, emptyBlueprint } from '../../components/builder/model';
import type { Blueprint } from '../../api/types';

/** mayEdit: Admins change every blueprint, moderators theirs (docs/access.md); unknown callers are let through to the server. */
export function mayEdit(me: Me | null | undefined, blueprint?: string): boolean {
  if (!me) return me === undefined;
  if (me.anonymous || me.roles.includes('Admin')) return true;
  return !!blueprint && me.roles.includes(`${blueprint}-moderator`);
}

function EditBlueprint({ identifier, blueprints, onClose, readOnly }: { identifier: string; blueprints: Blueprint[]; onClose: () => void; readOnly: boolean }) {
  const navigate = useNavigate();
  const bp = useBlueprint(identifier);
  // Saving reloads the editor with the stored blueprint; it stays on the tab the user was on.
  const [tab, setTab] = useState<TabName>('general');
  const draft = useMemo(() => (bp.data ? draftFromBlueprint(bp.data) : undefined), [bp.data]);
  if (bp.isError) return <ErrorState error={bp.error} onRetry={() => bp.refetch()} />;
  if (!draft || !bp.data) return <PageLoader label="Loading blueprint" />;
  return (
    <BlueprintEditor
      key={`${identifier}@${bp.data.updatedAt}`}
      initial={draft}
      blueprints={blueprints}
      readOnly={readOnly}
      initialTab={tab}
      onTabChange={setTab}
      onCancel={onClose}
      onSaved={(saved) => {
        notifications.show({ color: 'green', title: 'Saved', message: `Blueprint ${saved.title || saved.identifier} saved.` });
        void bp.refetch();
      }}
      onDeleted={() => {
        notifications.show({ color: 'green', title: 'Deleted', message: `Blueprint ${identifier} deleted.` });
        navigate('/data-model');
      }}
    />
  );
}

export default function BuilderPage() {
  const { blueprint } = useParams();
  const [params, setParams] = useSearchParams();
  const navigate = useNavigate();
  useDocumentTitle(blueprint ? `${blueprint} · Data model` : 'Data model');
  const blueprints = useBlueprints();
  const me = useMe();
  const canCreate = mayEdit(me.data);
  const creating = params.get('new') === '1' && canCreate;
  const [showSystem, setShowSystem] = useState(false);
  const all = blueprints.data ?? [];
  const shown = useMemo(
    () => all.filter((b) => showSystem || !b.identifier.startsWith('_') || b.identifier === blueprint),
    [all, showSystem, blueprint],
  );
  const options = useMemo(
    () =>
      [...all]
        .sort((a, b) => (a.title || a.identifier).localeCompare(b.title || b.identifier))
        .map((b) => ({ value: b.identifier, label: b.title && b.title !== b.identifier ? `${b.title} (${b.identifier})` : b.identifier })),
    [all],
  );
  const newDraft = useMemo(() => emptyBlueprint(), [creating]); // eslint-disable-line react-hooks/exhaustive-deps

  const close = () => {
    if (creating) setParams({});
    else navigate('/data-model');
  };
  const select = (id: string) => navigate(`/data-model/${encodeURIComponent(id)}`);
  const current = all.find((b) => b.identifier === blueprint);

  return (
    // The page fills the window below the app header; the graph takes what the heading leaves.
    <Stack gap="md" style={{ height: 'calc(100dvh - 96px)', minHeight: 440 }}>
      <Group justify="space-between" align="end">
        <div>
          <Title order={1} fz="h2">
            Data model
          </Title>
          <Text c="dimmed" size="sm">
            Blueprints and their relations. Click one to edit it.
          </Text>
        </div>
        <Group>
          <Select
            aria-label="Open a blueprint"
            placeholder="Open a blueprint…"
            searchable
            w={200}
            data={options}
            value={null}
            onChange={(v) => v && select(v)}
            nothingFoundMessage="No blueprint matches"
          />
          <Switch label="Users & teams" checked={showSystem} onChange={(e) => setShowSystem(e.currentTarget.checked)} />
          {canCreate && (
            <Button leftSection={<IconPlus size={16} />} onClick={() => setParams({ new: '1' })}>
              New blueprint
            </Button>
          )}
        </Group>
      </Group>

      {blueprints.isError ? (
        <ErrorState error={blueprints.error} onRetry={() => blueprints.refetch()} />
      ) : blueprints.isPending ? (
        <Skeleton h={480} />
      ) : shown.length === 0 ? (
        <EmptyState
          title="No blueprints yet"
          icon={<IconBlueprint />}
          action={
            canCreate ? (
              <Button onClick={() => setParams({ new: '1' })} leftSection={<IconPlus size={16} />}>
                Create the first blueprint
              </Button>
            ) : undefined
          }
        >
          A blueprint is a type of thing in your catalog: a service, an environment, a team's database.
        </EmptyState>
      ) : (
        <Paper withBorder radius="md" style={{ flex: 1, minHeight: 300, overflow: 'hidden' }}>
          <BlueprintGraph blueprints={shown} selected={blueprint} onSelect={select} />
        </Paper>
      )}

      <Drawer.Root opened={!!blueprint || creating} onClose={close} position="right" size="xl">
        <Drawer.Overlay />
        <Drawer.Content>
          {/* A div, not Mantine's <header>: the page has its banner already. */}
          <Drawer.Header component="div">
            <Drawer.Title>
              <Text component="span" fw={700} size="lg">
                {creating ? 'New blueprint' : current ? `${current.title || current.identifier}` : blueprint}
              </Text>
            </Drawer.Title>
            <Group gap="sm" wrap="nowrap">
              {!creating && current && (
                <Anchor component={Link} to={`/catalog/${encodeURIComponent(current.identifier)}`} size="sm">
                  Entities →
                </Anchor>
              )}
              <Drawer.CloseButton aria-label="Close the editor" />
            </Group>
          </Drawer.Header>
          <Drawer.Body>
            {creating ? (
              <BlueprintEditor
                key="new"
                initial={newDraft}
                blueprints={all}
                onCancel={close}
                onSaved={(saved) => {
                  notifications.show({ color: 'green', title: 'Created', message: `Blueprint ${saved.title || saved.identifier} created.` });
                  select(saved.identifier);
                }}
              />
            ) : blueprint ? (
              <EditBlueprint identifier={blueprint} blueprints={all} onClose={close} readOnly={!mayEdit(me.data, blueprint)} />
            ) : null}
          </Drawer.Body>
        </Drawer.Content>
      </Drawer.Root>
    </Stack>
  );
}
