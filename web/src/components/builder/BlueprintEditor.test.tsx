import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { Blueprint } from '../../api/types';
import { jsonResponse, renderWithProviders } from '../../test/render';
import { stubDocumentFonts } from '../forms/testStubs';
import { BlueprintEditor } from './BlueprintEditor';
import { draftFromBlueprint, emptyBlueprint } from './model';

stubDocumentFonts();

const svc = {
  identifier: 'svc',
  title: 'Service',
  schema: { properties: { tier: { type: 'number', title: 'Tier', maximum: 3 }, old: { type: 'string' } }, required: [] },
  relations: {},
  mirrorProperties: {},
  calculationProperties: {},
  aggregationProperties: {},
} as unknown as Blueprint;

type Call = { method: string; path: string; body: unknown };

describe('BlueprintEditor', () => {
  const fetchMock = vi.fn<typeof fetch>();
  let calls: Call[];
  let respond: (c: Call) => Response;
  beforeEach(() => {
    calls = [];
    respond = (c) => jsonResponse({ ok: true, blueprint: { ...svc, ...(c.body as object) } });
    fetchMock.mockReset();
    fetchMock.mockImplementation(async (input, init) => {
      const url = new URL(String(input), 'http://localhost');
      const c = { method: init?.method ?? 'GET', path: url.pathname, body: init?.body ? JSON.parse(String(init.body)) : undefined };
      calls.push(c);
      return respond(c);
    });
    vi.stubGlobal('fetch', fetchMock);
  });
  afterEach(() => vi.unstubAllGlobals());

  it('creates a blueprint with a string enum property and its colors', async () => {
    const user = userEvent.setup();
    const saved = vi.fn();
    renderWithProviders(<BlueprintEditor initial={emptyBlueprint()} blueprints={[svc]} onSaved={saved} onCancel={() => {}} />);
    await user.type(screen.getByRole('textbox', { name: /Identifier/ }), 'incident');
    await user.type(screen.getByRole('textbox', { name: /Title/ }), 'Incident');
    await user.click(screen.getByRole('tab', { name: /Properties/ }));
    await user.click(screen.getByRole('button', { name: 'Add property' }));
    await user.type(screen.getByRole('textbox', { name: /Identifier/ }), 'severity');
    await user.click(screen.getByRole('button', { name: 'Add value' }));
    await user.type(screen.getByRole('textbox', { name: 'Enum value 1' }), 'high');
    await user.click(screen.getByRole('combobox', { name: 'Color of high' }));
    await user.click(await screen.findByRole('option', { name: 'red' }));
    await user.click(screen.getByRole('switch', { name: /Required/ }));
    await user.click(screen.getByRole('button', { name: 'Create blueprint' }));
    await waitFor(() => expect(saved).toHaveBeenCalled());
    const post = calls.find((c) => c.method === 'POST');
    expect(post?.path).toBe('/v1/blueprints');
    expect(post?.body).toEqual({
      identifier: 'incident',
      title: 'Incident',
      schema: { properties: { severity: { type: 'string', enum: ['high'], enumColors: { high: 'red' } } }, required: ['severity'] },
      relations: {},
      mirrorProperties: {},
      calculationProperties: {},
      aggregationProperties: {},
    });
  });

  it('renames through the rename route, then shows server errors on the matching control', async () => {
    const user = userEvent.setup();
    respond = (c) =>
      c.method === 'PUT'
        ? jsonResponse(
            {
              ok: false,
              error: 'invalid_request',
              message: 'invalid blueprint',
              details: {
                fields: [
                  { field: 'schema.properties.tier.maximum', reason: 'must be at least minimum' },
                  { field: 'changelogDestination', reason: 'is not supported' },
                ],
              },
            },
            422,
          )
        : jsonResponse({ ok: true });
    const saved = vi.fn();
    renderWithProviders(<BlueprintEditor initial={draftFromBlueprint(svc)} blueprints={[svc]} onSaved={saved} onCancel={() => {}} />);
    await user.click(screen.getByRole('tab', { name: /Properties/ }));
    await user.click(screen.getByRole('button', { name: /^old/ }));
    const id = screen.getByDisplayValue('old');
    await user.clear(id);
    await user.type(id, 'fresh');
    await user.click(screen.getByRole('button', { name: 'Save changes' }));
    expect(await screen.findByText('must be at least minimum')).toBeTruthy();
    expect(calls.filter((c) => c.method !== 'GET').map((c) => [c.method, c.path, c.body])).toEqual([
      ['PATCH', '/v1/blueprints/svc/properties/old/rename', { newPropertyName: 'fresh' }],
      ['PUT', '/v1/blueprints/svc', expect.objectContaining({ schema: { properties: { tier: { type: 'number', title: 'Tier', maximum: 3 }, fresh: { type: 'string' } }, required: [] } })],
    ]);
    // The tier row opened itself and its Maximum field carries the error.
    const max = screen.getByRole('textbox', { name: 'Maximum' });
    expect(max.getAttribute('aria-invalid')).toBe('true');
    const alert = screen.getByRole('alert', { name: /not saved/ });
    expect(within(alert).getByText('changelogDestination')).toBeTruthy();
    expect(saved).not.toHaveBeenCalled();
  });

  it('deletes the blueprint and its entities after confirmation', async () => {
    const user = userEvent.setup();
    const deleted = vi.fn();
    renderWithProviders(<BlueprintEditor initial={draftFromBlueprint(svc)} blueprints={[svc]} onSaved={() => {}} onDeleted={deleted} onCancel={() => {}} />);
    await user.click(screen.getByRole('button', { name: 'Delete blueprint' }));
    const dialog = await screen.findByRole('dialog', { name: 'Delete blueprint svc?' });
    await user.click(within(dialog).getByRole('checkbox', { name: /Also delete all of its entities/ }));
    await user.click(within(dialog).getByRole('button', { name: 'Delete' }));
    await waitFor(() => expect(deleted).toHaveBeenCalled());
    const del = fetchMock.mock.calls.map(([u, i]) => [i?.method, String(u)]).find(([m]) => m === 'DELETE');
    expect(del).toEqual(['DELETE', '/v1/blueprints/svc?delete_entities=true']);
  });

  it('keeps the dialog open with the reason when the delete is refused', async () => {
    const user = userEvent.setup();
    respond = () => jsonResponse({ ok: false, error: 'conflict', message: 'blueprint "svc" still has 3 entities' }, 409);
    const deleted = vi.fn();
    renderWithProviders(<BlueprintEditor initial={draftFromBlueprint(svc)} blueprints={[svc]} onSaved={() => {}} onDeleted={deleted} onCancel={() => {}} />);
    await user.click(screen.getByRole('button', { name: 'Delete blueprint' }));
    const dialog = await screen.findByRole('dialog', { name: 'Delete blueprint svc?' });
    await user.click(within(dialog).getByRole('button', { name: 'Delete' }));
    expect(await within(dialog).findByText('blueprint "svc" still has 3 entities')).toBeTruthy();
    expect(deleted).not.toHaveBeenCalled();
    const del = fetchMock.mock.calls.map(([u, i]) => [i?.method, String(u)]).find(([m]) => m === 'DELETE');
    expect(del).toEqual(['DELETE', '/v1/blueprints/svc']);
  });

  it('asks before saving a blueprint that drops existing properties', async () => {
    const user = userEvent.setup();
    const saved = vi.fn();
    renderWithProviders(<BlueprintEditor initial={draftFromBlueprint(svc)} blueprints={[svc]} onSaved={saved} onCancel={() => {}} />);
    await user.click(screen.getByRole('tab', { name: /Properties/ }));
    await user.click(screen.getByRole('button', { name: 'Remove property old' }));
    await user.click(screen.getByRole('button', { name: 'Save changes' }));
    const dialog = await screen.findByRole('dialog', { name: 'Remove from the blueprint?' });
    expect(dialog.textContent).toContain('old (property)');
    expect(calls.filter((c) => c.method === 'PUT')).toEqual([]);
    await user.click(within(dialog).getByRole('button', { name: 'Remove and save' }));
    await waitFor(() => expect(saved).toHaveBeenCalled());
    const put = calls.find((c) => c.method === 'PUT')!;
    expect((put.body as { schema: { properties: object } }).schema.properties).toEqual({ tier: { type: 'number', title: 'Tier', maximum: 3 } });
  });
});
