// Create (/catalog/:blueprint/new) or edit (/entities/:blueprint/:identifier/edit)
// an entity with the form generated from its blueprint.
import { Anchor, Breadcrumbs, Paper, Stack } from '@mantine/core';
import { Link, useNavigate, useParams } from 'react-router';
import { notifications } from '@mantine/notifications';
import { useBlueprint, useEntity, useMe } from '../../api/hooks';
import { ErrorState, PageLoader } from '../../components/states';
import { EntityForm, EntityFormHeader } from '../../components/forms/EntityForm';
import { useDocumentTitle } from '../../lib/useDocumentTitle';

export default function EntityFormPage() {
  const { blueprint = '', identifier } = useParams();
  const navigate = useNavigate();
  const editing = identifier !== undefined;
  const bp = useBlueprint(blueprint);
  const entity = useEntity(editing ? blueprint : undefined, identifier);
  const me = useMe();
  const bpTitle = bp.data?.title || blueprint;
  // A user in exactly one team owns what they create, one click fewer (and what ownedByTeam grants need).
  const defaultTeams = !editing && me.data && !me.data.anonymous && me.data.teams.length === 1 ? me.data.teams : undefined;
  useDocumentTitle(editing ? `Edit ${entity.data?.title || identifier}` : `New ${bpTitle}`);

  const entityPath = (id: string) => `/entities/${encodeURIComponent(blueprint)}/${encodeURIComponent(id)}`;
  const cancel = () => navigate(editing ? entityPath(identifier!) : `/catalog/${encodeURIComponent(blueprint)}`);

  const error = bp.error ?? (editing ? entity.error : null);
  // Wait for the user too (briefly): the form takes its initial teams once.
  const loading = bp.isPending || (editing && entity.isPending) || (!editing && me.isPending);

  return (
    <Stack gap="md" maw={960}>
      <Breadcrumbs>
        <Anchor component={Link} to="/catalog" size="sm">
          Catalog
        </Anchor>
        <Anchor component={Link} to={`/catalog/${encodeURIComponent(blueprint)}`} size="sm">
          {bpTitle}
        </Anchor>
        {editing && (
          <Anchor component={Link} to={entityPath(identifier!)} size="sm">
            {entity.data?.title || identifier}
          </Anchor>
        )}
      </Breadcrumbs>
      <EntityFormHeader
        title={editing ? `Edit ${entity.data?.title || identifier}` : `New ${bpTitle}`}
        subtitle={bp.data?.description || undefined}
      />
      {error ? (
        <ErrorState
          error={error}
          onRetry={() => {
            void bp.refetch();
            if (editing) void entity.refetch();
          }}
        />
      ) : loading || !bp.data ? (
        <PageLoader label={editing ? 'Loading entity' : 'Loading blueprint'} />
      ) : (
        <Paper withBorder radius="md" p="md">
          <EntityForm
            key={editing ? `${identifier}@${entity.data?.updatedAt}` : 'new'}
            blueprint={bp.data}
            entity={editing ? entity.data : undefined}
            defaultTeams={defaultTeams}
            onCancel={cancel}
            onSaved={(e) => {
              notifications.show({ color: 'green', title: editing ? 'Saved' : 'Created', message: `${e.title || e.identifier} ${editing ? 'saved' : 'created'}.` });
              navigate(entityPath(e.identifier));
            }}
          />
        </Paper>
      )}
    </Stack>
  );
}
