// Create or edit one blueprint: general settings and ownership, properties,
// relations and computed properties. Server validation errors land on the
// matching control (errors.ts); the rest go to the alert at the top.
import { useMemo, useState } from 'react';
import {
  Alert,
  Badge,
  Button,
  Checkbox,
  Group,
  Input,
  Modal,
  SegmentedControl,
  SimpleGrid,
  Stack,
  Tabs,
  Text,
  Textarea,
  TextInput,
  Autocomplete,
  Title,
} from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { api, enc, errorMessage, isApiError, type FieldError } from '../../api/client';
import type { Blueprint } from '../../api/types';
import { keys } from '../../api/hooks';
import { errorsUnder, mapBlueprintErrors } from './errors';
import {
  clientProblems,
  draftToBlueprint,
  emptyAggregation,
  emptyCalculation,
  emptyMirror,
  emptyProperty,
  emptyRelation,
  renameRequest,
  renames,
  type BlueprintDraft,
  type Rename,
} from './model';
import { PropertyEditor } from './PropertyEditor';
import { useFocusFirstError } from '../forms/useFocusFirstError';
import { useUnsavedChanges } from '../forms/UnsavedChangesGuard';
import { AggregationEditor, CalculationEditor, MirrorEditor, mirrorPathSuggestions, RelationEditor, Row, RowSummary, typeBadges } from './RowEditors';

export type TabName = 'general' | 'properties' | 'relations' | 'computed';

const TAB_PREFIXES: Record<TabName, string[]> = {
  general: ['identifier', 'title', 'description', 'icon', 'ownership'],
  properties: ['prop'],
  relations: ['rel'],
  computed: ['mirror', 'calc', 'agg'],
};

function tabErrorCount(controls: Record<string, string>, tab: TabName): number {
  return TAB_PREFIXES[tab].reduce((n, p) => n + errorsUnder(controls, p).length, 0);
}

function firstTabWithErrors(controls: Record<string, string>): TabName | undefined {
  return (Object.keys(TAB_PREFIXES) as TabName[]).find((t) => tabErrorCount(controls, t) > 0);
}

/** Rows whose key appears in an error control name ("prop.p3.maximum" → p3). */
function rowKeysWithErrors(controls: Record<string, string>): Set<string> {
  const s = new Set<string>();
  for (const k of Object.keys(controls)) {
    const parts = k.split('.');
    if (parts.length >= 2 && ['prop', 'rel', 'mirror', 'calc', 'agg'].includes(parts[0]!)) s.add(parts[1]!);
  }
  return s;
}

interface SaveErrors {
  controls: Record<string, string>;
  unmatched: FieldError[];
  message?: string;
}

const NO_ERRORS: SaveErrors = { controls: {}, unmatched: [] };

function renameControl(r: Rename): string {
  return `${r.kind === 'property' ? 'prop' : r.kind === 'mirror' ? 'mirror' : 'rel'}.${r.key}.id`;
}

/** removedRows: what the server has that the draft dropped ("tier (property)"). */
export function removedRows(initial: BlueprintDraft, draft: BlueprintDraft): string[] {
  if (!initial.existing) return [];
  const out: string[] = [];
  const gone = <T extends { key: string; id: string }>(a: T[], b: T[], kind: string) => {
    const keep = new Set(b.map((x) => x.key));
    for (const x of a) if (!keep.has(x.key)) out.push(`${x.id} (${kind})`);
  };
  gone(initial.properties, draft.properties, 'property');
  gone(initial.relations, draft.relations, 'relation');
  gone(initial.mirrors, draft.mirrors, 'mirror property');
  gone(initial.calculations, draft.calculations, 'calculation property');
  gone(initial.aggregations, draft.aggregations, 'aggregation property');
  return out;
}

export function BlueprintEditor({
  initial,
  blueprints,
  onSaved,
  onDeleted,
  onCancel,
  readOnly = false,
  initialTab = 'general',
  onTabChange,
}: {
  /** The tab shown first, and a callback on change (the page keeps the tab across a reload after saving). */
  initialTab?: TabName;
  onTabChange?: (t: TabName) => void;
  /** The caller may not change this blueprint: no Save or Delete, and a notice says why. */
  readOnly?: boolean;
  initial: BlueprintDraft;
  blueprints: Blueprint[];
  onSaved: (bp: Blueprint) => void;
  onDeleted?: () => void;
  onCancel: () => void;
}) {
  const qc = useQueryClient();
  const [draft, setDraft] = useState(initial);
  const removed = useMemo(() => removedRows(initial, draft), [initial, draft]);
  const dirty = useMemo(() => JSON.stringify(draft) !== JSON.stringify(initial), [draft, initial]);
  const { guard, allowNextNavigation } = useUnsavedChanges(dirty);
  const [tab, setTabState] = useState<TabName>(initialTab);
  const setTab = (t: TabName) => {
    setTabState(t);
    onTabChange?.(t);
  };
  const [open, setOpen] = useState<Set<string>>(() => new Set());
  const [errors, setErrors] = useState<SaveErrors>(NO_ERRORS);
  const [saving, setSaving] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [confirmRemoval, setConfirmRemoval] = useState(false);
  const [failures, setFailures] = useState(0);
  const formRef = useFocusFirstError<HTMLFormElement>(failures);
  const controls = errors.controls;
  const all = blueprints;

  const patch = (p: Partial<BlueprintDraft>) => setDraft((d) => ({ ...d, ...p }));
  type ListKey = 'properties' | 'relations' | 'mirrors' | 'calculations' | 'aggregations';
  function updateRow<K extends ListKey>(list: K, key: string, p: Partial<BlueprintDraft[K][number]>) {
    setDraft((d) => ({ ...d, [list]: (d[list] as { key: string }[]).map((x) => (x.key === key ? { ...x, ...p } : x)) }));
  }
  function removeRow(list: ListKey, key: string) {
    setDraft((d) => ({ ...d, [list]: (d[list] as { key: string }[]).filter((x) => x.key !== key) }));
  }
  function addRow<K extends ListKey>(list: K, row: BlueprintDraft[K][number]) {
    setDraft((d) => ({ ...d, [list]: [...(d[list] as unknown[]), row] }));
    setOpen((o) => new Set(o).add(row.key));
  }
  const toggle = (key: string) =>
    setOpen((o) => {
      const n = new Set(o);
      if (n.has(key)) n.delete(key);
      else n.add(key);
      return n;
    });
  const isOpen = (key: string) => open.has(key);

  function showErrors(next: SaveErrors) {
    setErrors(next);
    setFailures((n) => n + 1);
    const t = firstTabWithErrors(next.controls);
    if (t) setTab(t);
    const rows = rowKeysWithErrors(next.controls);
    if (rows.size) setOpen((o) => new Set([...o, ...rows]));
  }

  async function save(opts: { confirmed?: boolean } = {}) {
    const problems = clientProblems(draft);
    if (Object.keys(problems).length) {
      showErrors({ controls: problems, unmatched: [], message: 'Fix the highlighted fields.' });
      return;
    }
    if (removed.length && !opts.confirmed) {
      setConfirmRemoval(true);
      return;
    }
    setSaving(true);
    setErrors(NO_ERRORS);
    let d = draft;
    try {
      for (const r of renames(d)) {
        const req = renameRequest(d.identifier, r);
        try {
          await api.patch(req.path, req.body);
        } catch (err) {
          const reason = isApiError(err) ? (err.fieldErrors[0]?.reason ?? err.message) : errorMessage(err);
          showErrors({ controls: { [renameControl(r)]: `could not rename ${r.from}: ${reason}` }, unmatched: [], message: 'A rename failed; nothing else was saved.' });
          return;
        }
        // The rename is done: from now on the server knows the row by its new identifier.
        const mark = <T extends { key: string; originalId?: string }>(rows: T[]) => rows.map((x) => (x.key === r.key ? { ...x, originalId: r.to } : x));
        d = { ...d, properties: mark(d.properties), mirrors: mark(d.mirrors), relations: mark(d.relations) };
        setDraft(d);
      }
      const body = draftToBlueprint(d);
      const res = d.existing
        ? await api.put<{ blueprint: Blueprint }>(`/v1/blueprints/${enc(d.identifier)}`, body)
        : await api.post<{ blueprint: Blueprint }>('/v1/blueprints', body);
      await qc.invalidateQueries({ queryKey: keys.blueprints() });
      await qc.invalidateQueries({ queryKey: keys.blueprint(d.identifier) });
      allowNextNavigation();
      onSaved(res.blueprint);
    } catch (err) {
      if (isApiError(err) && err.fieldErrors.length) {
        const m = mapBlueprintErrors(err.fieldErrors, d);
        showErrors({ ...m, message: Object.keys(m.controls).length ? err.message : undefined });
      } else if (isApiError(err) && err.status === 409 && !d.existing) {
        showErrors({ controls: { identifier: err.message }, unmatched: [], message: err.message });
      } else {
        showErrors({ controls: {}, unmatched: [], message: errorMessage(err) });
      }
    } finally {
      setSaving(false);
    }
  }

  const count = (t: TabName) => tabErrorCount(controls, t);
  const tabLabel = (t: TabName, label: string, n?: number) => (
    <Group gap={6} wrap="nowrap">
      <span>{label}</span>
      {n !== undefined && n > 0 && (
        <Badge size="xs" variant="light" color="gray">
          {n}
        </Badge>
      )}
      {count(t) > 0 && (
        <Badge size="xs" color="red" aria-label={`${count(t)} errors`}>
          {count(t)}
        </Badge>
      )}
    </Group>
  );
  const singleRelations = draft.relations.filter((r) => !r.many && r.id).map((r) => r.id);
  const computedCount = draft.mirrors.length + draft.calculations.length + draft.aggregations.length;

  return (
    <form
      ref={formRef}
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        if (!readOnly) void save();
      }}
      aria-label={draft.existing ? `Edit blueprint ${draft.identifier}` : 'New blueprint'}
    >
      <Stack gap="md">
        {readOnly && (
          <Alert color="gray" variant="light" title="View only">
            Only Admins and this blueprint's moderators can change it.
          </Alert>
        )}
        {(errors.message || errors.unmatched.length > 0) && (
          <Alert color="red" variant="light" title="The blueprint was not saved" role="alert">
            <Stack gap={4}>
              {errors.message && <Text size="sm">{errors.message}</Text>}
              {errors.unmatched.map((f, i) => (
                <Text size="sm" key={i}>
                  <span className="mono">{f.field}</span>: {f.reason}
                </Text>
              ))}
            </Stack>
          </Alert>
        )}
        <Tabs value={tab} onChange={(t) => setTab((t as TabName) ?? 'general')} keepMounted={false}>
          <Tabs.List>
            <Tabs.Tab value="general">{tabLabel('general', 'General')}</Tabs.Tab>
            <Tabs.Tab value="properties">{tabLabel('properties', 'Properties', draft.properties.length)}</Tabs.Tab>
            <Tabs.Tab value="relations">{tabLabel('relations', 'Relations', draft.relations.length)}</Tabs.Tab>
            <Tabs.Tab value="computed">{tabLabel('computed', 'Computed', computedCount)}</Tabs.Tab>
          </Tabs.List>

          <Tabs.Panel value="general" pt="md">
            <Stack gap="sm">
              <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
                <TextInput
                  label="Identifier"
                  required
                  classNames={{ input: 'mono' }}
                  value={draft.identifier}
                  disabled={draft.existing}
                  description={draft.existing ? 'Blueprints cannot be renamed' : 'Letters, digits and @ _ . + : \\ / -'}
                  onChange={(e) => patch({ identifier: e.currentTarget.value })}
                  error={controls.identifier}
                  data-autofocus={!draft.existing || undefined}
                />
                <TextInput
                  label="Title"
                  required
                  value={draft.title}
                  onChange={(e) => patch({ title: e.currentTarget.value })}
                  error={controls.title}
                  data-autofocus={draft.existing || undefined}
                  // The drawer opens before the blueprint has loaded: focus the title once it is there.
                  autoFocus={draft.existing && !readOnly}
                />
                <TextInput label="Icon" placeholder="e.g. Service" value={draft.icon} onChange={(e) => patch({ icon: e.currentTarget.value })} error={controls.icon} />
              </SimpleGrid>
              <Textarea
                label="Description"
                autosize
                minRows={2}
                value={draft.description}
                onChange={(e) => patch({ description: e.currentTarget.value })}
                error={controls.description}
              />
              <Stack gap={6}>
                <Input.Label id="ownership-label">Ownership</Input.Label>
                <SegmentedControl
                  aria-labelledby="ownership-label"
                  data={[
                    { value: '', label: 'None' },
                    { value: 'Direct', label: 'Direct' },
                    { value: 'Inherited', label: 'Inherited' },
                  ]}
                  value={draft.ownership.type}
                  onChange={(v) => patch({ ownership: { ...draft.ownership, type: v as BlueprintDraft['ownership']['type'] } })}
                />
                {controls['ownership.type'] && (
                  <Text size="xs" c="red" role="alert">
                    {controls['ownership.type']}
                  </Text>
                )}
                <Text size="xs" c="dimmed">
                  {draft.ownership.type === 'Direct'
                    ? 'Each entity names its owning teams.'
                    : draft.ownership.type === 'Inherited'
                      ? 'Entities take the teams of the entity reached through a path of single relations.'
                      : 'Entities have no owning teams.'}
                </Text>
                {draft.ownership.type === 'Inherited' && (
                  <Autocomplete
                    label="Path"
                    required
                    classNames={{ input: 'mono' }}
                    placeholder="service or service.domain"
                    data={singleRelations}
                    value={draft.ownership.path}
                    onChange={(path) => patch({ ownership: { ...draft.ownership, path } })}
                    error={controls['ownership.path']}
                  />
                )}
                {draft.ownership.type && (
                  <TextInput
                    label="Owning teams column title"
                    placeholder="Owning teams"
                    value={draft.ownership.title}
                    onChange={(e) => patch({ ownership: { ...draft.ownership, title: e.currentTarget.value } })}
                    error={controls['ownership.title']}
                  />
                )}
              </Stack>
            </Stack>
          </Tabs.Panel>

          <Tabs.Panel value="properties" pt="md">
            <Stack gap="xs">
              {draft.properties.length === 0 && (
                <Text size="sm" c="dimmed">
                  No properties yet.
                </Text>
              )}
              {draft.properties.map((p) => (
                <Row
                  key={p.key}
                  open={isOpen(p.key)}
                  onToggle={() => toggle(p.key)}
                  onRemove={() => removeRow('properties', p.key)}
                  removeLabel={`Remove property ${p.id || 'new'}`}
                  errorCount={errorsUnder(controls, `prop.${p.key}`).length}
                  summary={<RowSummary id={p.id} title={p.title} placeholder="New property" />}
                  badges={typeBadges([
                    p.type === 'array' ? `${p.itemsType}[]` : p.type,
                    p.format,
                    p.enumValues.length > 0 && 'enum',
                    p.required && 'required',
                  ])}
                >
                  <PropertyEditor value={p} onChange={(x) => updateRow('properties', p.key, x)} errors={controls} existing={!!p.originalId} />
                </Row>
              ))}
              <Group>
                <Button variant="light" size="xs" onClick={() => addRow('properties', emptyProperty())}>
                  Add property
                </Button>
              </Group>
            </Stack>
          </Tabs.Panel>

          <Tabs.Panel value="relations" pt="md">
            <Stack gap="xs">
              {draft.relations.length === 0 && (
                <Text size="sm" c="dimmed">
                  No relations yet.
                </Text>
              )}
              {draft.relations.map((r) => (
                <Row
                  key={r.key}
                  open={isOpen(r.key)}
                  onToggle={() => toggle(r.key)}
                  onRemove={() => removeRow('relations', r.key)}
                  removeLabel={`Remove relation ${r.id || 'new'}`}
                  errorCount={errorsUnder(controls, `rel.${r.key}`).length}
                  summary={<RowSummary id={r.id} title={r.title} placeholder="New relation" />}
                  badges={typeBadges([r.target && `→ ${r.target}`, r.many ? 'many' : 'single', r.required && 'required'])}
                >
                  <RelationEditor value={r} onChange={(x) => updateRow('relations', r.key, x)} errors={controls} blueprints={all} self={draft.identifier} />
                </Row>
              ))}
              <Group>
                <Button variant="light" size="xs" onClick={() => addRow('relations', emptyRelation())}>
                  Add relation
                </Button>
              </Group>
            </Stack>
          </Tabs.Panel>

          <Tabs.Panel value="computed" pt="md">
            <Stack gap="lg">
              <Stack gap="xs">
                <Title order={3} fz="sm">
                  Mirror properties
                </Title>
                <Text size="xs" c="dimmed">
                  Show a property of a related entity.
                </Text>
                {draft.mirrors.map((m) => (
                  <Row
                    key={m.key}
                    open={isOpen(m.key)}
                    onToggle={() => toggle(m.key)}
                    onRemove={() => removeRow('mirrors', m.key)}
                    removeLabel={`Remove mirror property ${m.id || 'new'}`}
                    errorCount={errorsUnder(controls, `mirror.${m.key}`).length}
                    summary={<RowSummary id={m.id} title={m.title} placeholder="New mirror property" />}
                    badges={typeBadges([m.path])}
                  >
                    <MirrorEditor
                      value={m}
                      onChange={(x) => updateRow('mirrors', m.key, x)}
                      errors={controls}
                      suggestions={mirrorPathSuggestions(draft.relations, blueprints)}
                    />
                  </Row>
                ))}
                <Group>
                  <Button variant="light" size="xs" onClick={() => addRow('mirrors', emptyMirror())}>
                    Add mirror property
                  </Button>
                </Group>
              </Stack>
              <Stack gap="xs">
                <Title order={3} fz="sm">
                  Calculation properties
                </Title>
                <Text size="xs" c="dimmed">
                  A jq expression over the entity.
                </Text>
                {draft.calculations.map((c) => (
                  <Row
                    key={c.key}
                    open={isOpen(c.key)}
                    onToggle={() => toggle(c.key)}
                    onRemove={() => removeRow('calculations', c.key)}
                    removeLabel={`Remove calculation property ${c.id || 'new'}`}
                    errorCount={errorsUnder(controls, `calc.${c.key}`).length}
                    summary={<RowSummary id={c.id} title={c.title} placeholder="New calculation property" />}
                    badges={typeBadges([c.type, c.format])}
                  >
                    <CalculationEditor value={c} onChange={(x) => updateRow('calculations', c.key, x)} errors={controls} />
                  </Row>
                ))}
                <Group>
                  <Button variant="light" size="xs" onClick={() => addRow('calculations', emptyCalculation())}>
                    Add calculation property
                  </Button>
                </Group>
              </Stack>
              <Stack gap="xs">
                <Title order={3} fz="sm">
                  Aggregation properties
                </Title>
                <Text size="xs" c="dimmed">
                  Count, sum, average, min, max or median over related entities.
                </Text>
                {draft.aggregations.map((a) => (
                  <Row
                    key={a.key}
                    open={isOpen(a.key)}
                    onToggle={() => toggle(a.key)}
                    onRemove={() => removeRow('aggregations', a.key)}
                    removeLabel={`Remove aggregation property ${a.id || 'new'}`}
                    errorCount={errorsUnder(controls, `agg.${a.key}`).length}
                    summary={<RowSummary id={a.id} title={a.title} placeholder="New aggregation property" />}
                    badges={typeBadges([a.func, a.target])}
                  >
                    <AggregationEditor value={a} onChange={(x) => updateRow('aggregations', a.key, x)} errors={controls} blueprints={all} />
                  </Row>
                ))}
                <Group>
                  <Button variant="light" size="xs" onClick={() => addRow('aggregations', emptyAggregation())}>
                    Add aggregation property
                  </Button>
                </Group>
              </Stack>
            </Stack>
          </Tabs.Panel>
        </Tabs>

        <Group
          justify="space-between"
          py="sm"
          style={{ position: 'sticky', bottom: 0, zIndex: 2, background: 'var(--mantine-color-body)', borderTop: '1px solid var(--mantine-color-default-border)' }}
        >
          <div>
            {draft.existing && onDeleted && !readOnly && !draft.identifier.startsWith('_') && (
              <Button color="red" variant="light" onClick={() => setDeleting(true)}>
                Delete blueprint
              </Button>
            )}
          </div>
          <Group>
            <Button variant="default" onClick={onCancel}>
              {readOnly ? 'Close' : 'Cancel'}
            </Button>
            {!readOnly && (
              <Button type="submit" loading={saving}>
                {draft.existing ? 'Save changes' : 'Create blueprint'}
              </Button>
            )}
          </Group>
        </Group>
      </Stack>
      {guard}
      <Modal opened={confirmRemoval} onClose={() => setConfirmRemoval(false)} title="Remove from the blueprint?" centered>
        <Stack gap="sm">
          <Text size="sm">Saving removes these from {draft.title || draft.identifier}; entities lose their values:</Text>
          <Stack gap={2} component="ul" style={{ margin: 0, paddingLeft: 18 }}>
            {removed.map((r) => (
              <Text size="sm" component="li" key={r}>
                {r}
              </Text>
            ))}
          </Stack>
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setConfirmRemoval(false)} data-autofocus>
              Keep editing
            </Button>
            <Button
              color="red"
              onClick={() => {
                setConfirmRemoval(false);
                void save({ confirmed: true });
              }}
            >
              Remove and save
            </Button>
          </Group>
        </Stack>
      </Modal>
      {draft.existing && onDeleted && (
        <DeleteBlueprintModal
          identifier={draft.identifier}
          opened={deleting}
          onClose={() => setDeleting(false)}
          onDeleted={() => {
            allowNextNavigation();
            onDeleted();
          }}
        />
      )}
    </form>
  );
}

export function DeleteBlueprintModal({
  identifier,
  opened,
  onClose,
  onDeleted,
}: {
  identifier: string;
  opened: boolean;
  onClose: () => void;
  onDeleted: () => void;
}) {
  const qc = useQueryClient();
  const [withEntities, setWithEntities] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  async function run() {
    setBusy(true);
    setError(null);
    try {
      await api.delete(`/v1/blueprints/${enc(identifier)}`, { query: { delete_entities: withEntities ? 'true' : undefined } });
      qc.removeQueries({ queryKey: keys.blueprint(identifier) });
      await qc.invalidateQueries({ queryKey: keys.blueprints() });
      onDeleted();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  return (
    <Modal opened={opened} onClose={onClose} title={`Delete blueprint ${identifier}?`} centered>
      <Stack gap="sm">
        <Text size="sm">The blueprint and its definition are removed. This cannot be undone.</Text>
        <Checkbox
          label="Also delete all of its entities"
          description="Without this, a blueprint that still has entities is not deleted."
          checked={withEntities}
          onChange={(e) => setWithEntities(e.currentTarget.checked)}
        />
        {error !== null && (
          <Alert color="red" variant="light" role="alert" title="Not deleted">
            {errorMessage(error)}
          </Alert>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button color="red" loading={busy} onClick={() => void run()}>
            Delete
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
