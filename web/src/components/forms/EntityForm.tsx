// Create or edit an entity, the form generated from its blueprint: identifier,
// title, owning teams, every property by type and format, and relations with
// entity pickers. The server validates; its field errors land on the controls.
import { useMemo, useState } from 'react';
import { Alert, Button, Divider, Group, SimpleGrid, Stack, Text, TextInput, Title } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { api, enc, errorMessage, isApiError, type FieldError } from '../../api/client';
import type { Blueprint, Entity } from '../../api/types';
import { keys } from '../../api/hooks';
import { EntityMultiPicker, EntityPicker } from './EntityPicker';
import { buildEntityBody, buildEntityPatch, draftFor, kindOf, mapEntityErrors, ownershipType, requiredSet, schemaProperties, slugify, type EntityDraft, type FieldValue } from './entityModel';
import { PropertyInput } from './PropertyInput';
import { useFocusFirstError } from './useFocusFirstError';
import { useUnsavedChanges } from './UnsavedChangesGuard';

function showValue(v: unknown): string {
  if (v === undefined || v === null || v === '') return '—';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

/** Wide controls take the whole row. */
const WIDE = new Set(['markdown', 'yaml', 'proto', 'json', 'labeled-url']);

export function EntityForm({
  blueprint: bp,
  entity,
  onSaved,
  onCancel,
  defaultTeams,
}: {
  /** Owning teams a new entity starts with (the user's only team). */
  defaultTeams?: string[];
  blueprint: Blueprint;
  /** The entity to edit; absent to create one. */
  entity?: Entity;
  onSaved: (e: Entity) => void;
  onCancel: () => void;
}) {
  const qc = useQueryClient();
  const editing = !!entity;
  const [initial] = useState<EntityDraft>(() => {
    const d = draftFor(bp, entity);
    return !entity && defaultTeams?.length && ownershipType(bp) === 'Direct' ? { ...d, team: [...defaultTeams] } : d;
  });
  const [draft, setDraft] = useState<EntityDraft>(initial);
  const dirty = useMemo(() => JSON.stringify(draft) !== JSON.stringify(initial), [draft, initial]);
  const { guard, allowNextNavigation } = useUnsavedChanges(dirty);
  const [controls, setControls] = useState<Record<string, string>>({});
  const [unmatched, setUnmatched] = useState<FieldError[]>([]);
  const [message, setMessage] = useState<string>();
  const [saving, setSaving] = useState(false);
  const [idTouched, setIdTouched] = useState(false);
  const [failures, setFailures] = useState(0);
  const formRef = useFocusFirstError<HTMLFormElement>(failures);
  const required = useMemo(() => requiredSet(bp), [bp]);
  const props = useMemo(() => schemaProperties(bp), [bp]);
  const relations = Object.entries(bp.relations ?? {});
  const computed: [string, string, string][] = [
    ...Object.entries(bp.mirrorProperties ?? {}).map(([id, m]): [string, string, string] => [id, m.title || id, `mirror of ${m.path}`]),
    ...Object.entries(bp.calculationProperties ?? {}).map(([id, c]): [string, string, string] => [id, c.title || id, 'calculation']),
    ...Object.entries(bp.aggregationProperties ?? {}).map(([id, a]): [string, string, string] => [id, a.title || id, `${a.calculationSpec?.func ?? 'aggregation'} of ${a.target}`]),
  ];
  const ownership = ownershipType(bp);

  const setProp = (id: string, v: FieldValue) => setDraft((d) => ({ ...d, properties: { ...d.properties, [id]: v } }));
  const setRel = (id: string, v: string | string[]) => setDraft((d) => ({ ...d, relations: { ...d.relations, [id]: v } }));

  async function submit() {
    // Create sends the whole entity; edit sends only what changed (PATCH).
    const patch = editing ? buildEntityPatch(bp, initial, draft) : undefined;
    const { body, problems } = patch ?? buildEntityBody(bp, draft);
    setUnmatched([]);
    if (Object.keys(problems).length) {
      setControls(problems);
      setMessage('Fix the highlighted fields.');
      setFailures((n) => n + 1);
      return;
    }
    setControls({});
    setMessage(undefined);
    setSaving(true);
    try {
      const path = `/v1/blueprints/${enc(bp.identifier)}/entities`;
      if (patch && !patch.changed) {
        // Nothing changed: nothing to write.
        allowNextNavigation();
        onSaved(entity!);
        return;
      }
      const res = editing
        ? await api.patch<{ entity: Entity }>(`${path}/${enc(entity!.identifier)}`, body)
        : await api.post<{ entity: Entity }>(path, body);
      await qc.invalidateQueries({ queryKey: keys.entities(bp.identifier) });
      if (res.entity) qc.setQueryData(keys.entity(bp.identifier, res.entity.identifier), res.entity);
      allowNextNavigation();
      onSaved(res.entity);
    } catch (err) {
      if (isApiError(err) && err.fieldErrors.length) {
        const m = mapEntityErrors(err.fieldErrors, bp);
        setControls(m.controls);
        setUnmatched(m.unmatched);
        setMessage(err.message);
      } else if (isApiError(err) && err.status === 409 && !editing) {
        // The identifier is taken.
        setControls({ identifier: err.message });
        setMessage('Choose another identifier.');
      } else {
        setMessage(errorMessage(err));
      }
      setFailures((n) => n + 1);
    } finally {
      setSaving(false);
    }
  }

  return (
    <form
      ref={formRef}
      noValidate
      aria-label={editing ? `Edit ${entity!.title || entity!.identifier}` : `New ${bp.title || bp.identifier}`}
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <Stack gap="md">
        {(message || unmatched.length > 0) && (
          <Alert color="red" variant="light" title={editing ? 'The entity was not saved' : 'The entity was not created'} role="alert">
            <Stack gap={4}>
              {message && <Text size="sm">{message}</Text>}
              {unmatched.map((f, i) => (
                <Text size="sm" key={i}>
                  <span className="mono">{f.field}</span>: {f.reason}
                </Text>
              ))}
            </Stack>
          </Alert>
        )}
        <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
          <TextInput
            label="Title"
            value={draft.title}
            onChange={(e) => {
              const title = e.currentTarget.value;
              // Until the identifier is typed, it follows the title (not for users: theirs is an email).
              setDraft({ ...draft, title, identifier: editing || idTouched || bp.identifier === '_user' ? draft.identifier : slugify(title) });
            }}
            error={controls.title}
            data-autofocus
          />
          <TextInput
            label="Identifier"
            classNames={{ input: 'mono' }}
            value={draft.identifier}
            disabled={editing}
            required
            description={editing ? 'Identifiers cannot change' : 'Letters, digits and @ _ . + : / = -'}
            onChange={(e) => {
              setIdTouched(true);
              setDraft({ ...draft, identifier: e.currentTarget.value });
            }}
            error={controls.identifier}
          />
          {ownership === 'Direct' && (
            <EntityMultiPicker
              blueprint="_team"
              label={bp.ownership?.title || 'Owning teams'}
              placeholder="Search teams"
              value={draft.team}
              onChange={(team) => setDraft({ ...draft, team })}
              error={controls.team}
            />
          )}
        </SimpleGrid>
        {ownership === 'Inherited' && (
          <Text size="xs" c="dimmed">
            Owning teams come from {bp.ownership?.path ?? 'a related entity'}.
          </Text>
        )}

        {props.length > 0 && (
          <>
            <Divider label="Properties" labelPosition="left" />
            <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
              {props.map(([id, p]) => {
                const kind = kindOf(p);
                return (
                  <div key={id} style={WIDE.has(kind) ? { gridColumn: '1 / -1' } : undefined}>
                    <PropertyInput
                      id={id}
                      property={p}
                      kind={kind}
                      value={draft.properties[id] ?? ''}
                      onChange={(v) => setProp(id, v)}
                      required={required.has(id)}
                      error={controls[`properties.${id}`]}
                    />
                  </div>
                );
              })}
            </SimpleGrid>
          </>
        )}

        {relations.length > 0 && (
          <>
            <Divider label="Relations" labelPosition="left" />
            <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
              {relations.map(([id, r]) =>
                r.many ? (
                  <EntityMultiPicker
                    key={id}
                    blueprint={r.target}
                    label={r.title || id}
                    description={r.description}
                    value={Array.isArray(draft.relations[id]) ? (draft.relations[id] as string[]) : []}
                    onChange={(v) => setRel(id, v)}
                    error={controls[`relations.${id}`]}
                  />
                ) : (
                  <EntityPicker
                    key={id}
                    blueprint={r.target}
                    label={r.title || id}
                    description={r.description}
                    required={r.required}
                    value={typeof draft.relations[id] === 'string' ? (draft.relations[id] as string) : ''}
                    onChange={(v) => setRel(id, v)}
                    error={controls[`relations.${id}`]}
                  />
                ),
              )}
            </SimpleGrid>
          </>
        )}

        {computed.length > 0 && (
          <>
            <Divider label="Computed (read-only)" labelPosition="left" />
            <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="xs" role="list" aria-label="Computed properties">
              {computed.map(([id, title, kind]) => (
                <div key={id} role="listitem">
                  <Text size="xs" c="dimmed">
                    {title} · {kind}
                  </Text>
                  <Text size="sm" truncate="end">
                    {editing ? showValue(entity!.properties?.[id]) : 'Computed when saved'}
                  </Text>
                </div>
              ))}
            </SimpleGrid>
          </>
        )}

        {props.length === 0 && relations.length === 0 && (
          <Text size="sm" c="dimmed">
            This blueprint has no properties or relations yet.
          </Text>
        )}

        <Group justify="flex-end">
          <Button variant="default" onClick={onCancel}>
            Cancel
          </Button>
          <Button type="submit" loading={saving}>
            {editing ? 'Save changes' : `Create ${bp.title || bp.identifier}`}
          </Button>
        </Group>
      </Stack>
      {guard}
    </form>
  );
}

export function EntityFormHeader({ title, subtitle }: { title: string; subtitle?: string }) {
  return (
    <div>
      <Title order={1} fz="h2">
        {title}
      </Title>
      {subtitle && (
        <Text c="dimmed" size="sm">
          {subtitle}
        </Text>
      )}
    </div>
  );
}
