import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { Blueprint, Entity } from '../../api/types';
import { jsonResponse, renderWithProviders } from '../../test/render';
import { EntityForm } from './EntityForm';
import { stubDocumentFonts } from './testStubs';

stubDocumentFonts();

const bp = {
  identifier: 'service',
  title: 'Service',
  ownership: { type: 'Direct' },
  schema: {
    properties: {
      replicas: { type: 'number', title: 'Replicas' },
      lang: { type: 'string', title: 'Language', enum: ['go', 'rust'] },
      readme: { type: 'string', title: 'Readme', format: 'markdown' },
    },
    required: [],
  },
  relations: { domain: { title: 'Domain', target: 'domain', many: false, required: false } },
  mirrorProperties: {},
  calculationProperties: {},
  aggregationProperties: {},
} as unknown as Blueprint;

type Call = { method: string; path: string; body: unknown };

describe('EntityForm', () => {
  const fetchMock = vi.fn<typeof fetch>();
  let calls: Call[];
  let write: () => Response;
  beforeEach(() => {
    calls = [];
    write = () => jsonResponse({ ok: true, entity: { identifier: 'pay', title: 'Pay' } }, 201);
    fetchMock.mockReset();
    fetchMock.mockImplementation(async (input, init) => {
      const url = new URL(String(input), 'http://localhost');
      const method = init?.method ?? 'GET';
      const body = init?.body ? JSON.parse(String(init.body)) : undefined;
      calls.push({ method, path: url.pathname, body });
      if (url.pathname.endsWith('/entities/search')) {
        const target = url.pathname.split('/')[3];
        const all: Record<string, { identifier: string; title: string }[]> = {
          domain: [{ identifier: 'payments', title: 'Payments' }, { identifier: 'identity', title: 'Identity' }],
          _team: [{ identifier: 'team-pay', title: 'Team Pay' }],
        };
        const rule = (body as { query?: { rules: { operator: string; value: string[] }[] } } | undefined)?.query?.rules[0];
        // The first page holds only the first entity; "in" finds any.
        const entities = rule?.operator === 'in' ? (all[target!] ?? []).filter((e) => rule.value.includes(e.identifier)) : (all[target!] ?? []).slice(0, 1);
        return jsonResponse({ ok: true, entities });
      }
      if (method === 'POST' || method === 'PATCH') return write();
      return jsonResponse({ ok: false, error: 'not_found', message: 'no' }, 404);
    });
    vi.stubGlobal('fetch', fetchMock);
  });
  afterEach(() => vi.unstubAllGlobals());

  it('creates an entity with properties, a relation picked by search, and a team', async () => {
    const user = userEvent.setup();
    const saved = vi.fn();
    renderWithProviders(<EntityForm blueprint={bp} onSaved={saved} onCancel={() => {}} />);
    await user.type(screen.getByRole('textbox', { name: 'Title' }), 'Pay');
    expect((screen.getByRole('textbox', { name: /Identifier/ }) as HTMLInputElement).value).toBe('pay');
    await user.type(screen.getByRole('textbox', { name: 'Replicas' }), '3');
    await user.click(screen.getByRole('combobox', { name: 'Language' }));
    await user.click(await screen.findByRole('option', { name: 'rust' }));
    await user.click(screen.getByRole('combobox', { name: 'Domain' }));
    await user.click(await screen.findByRole('option', { name: 'Payments (payments)' }));
    await user.click(screen.getByRole('combobox', { name: 'Owning teams' }));
    await user.click(await screen.findByRole('option', { name: 'Team Pay (team-pay)' }));
    await user.click(screen.getByRole('button', { name: 'Create Service' }));
    await waitFor(() => expect(saved).toHaveBeenCalled());
    const post = calls.find((c) => c.method === 'POST' && c.path === '/v1/blueprints/service/entities');
    expect(post?.body).toEqual({
      identifier: 'pay',
      title: 'Pay',
      team: ['team-pay'],
      properties: { replicas: 3, lang: 'rust' },
      relations: { domain: 'payments' },
    });
    const search = calls.find((c) => c.path === '/v1/blueprints/domain/entities/search');
    expect(search?.method).toBe('POST');
  });

  it('shows server field errors on their controls and the rest in the alert', async () => {
    const user = userEvent.setup();
    write = () =>
      jsonResponse(
        {
          ok: false,
          error: 'invalid_request',
          message: 'invalid entity',
          details: {
            fields: [
              { field: 'properties.replicas', reason: 'must be >= 1' },
              { field: 'relations.domain', reason: 'target "nope" does not exist' },
              { field: 'properties.ghost', reason: 'is not a property of blueprint service' },
            ],
          },
        },
        422,
      );
    const saved = vi.fn();
    const entity = { identifier: 'pay', title: 'Pay', team: [], properties: { replicas: 0 }, relations: { domain: 'nope' } } as unknown as Entity;
    renderWithProviders(<EntityForm blueprint={bp} entity={entity} onSaved={saved} onCancel={() => {}} />);
    await user.clear(screen.getByRole('textbox', { name: 'Replicas' }));
    await user.type(screen.getByRole('textbox', { name: 'Replicas' }), '-1');
    await user.click(screen.getByRole('button', { name: 'Save changes' }));
    expect(await screen.findByText('must be >= 1')).toBeTruthy();
    const replicas = screen.getByRole('textbox', { name: 'Replicas' });
    expect(replicas.getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByText('target "nope" does not exist')).toBeTruthy();
    expect(screen.getByRole('combobox', { name: 'Domain' }).getAttribute('aria-invalid')).toBe('true');
    const alert = screen.getByRole('alert', { name: /not saved/ });
    expect(alert.textContent).toContain('properties.ghost');
    expect(alert.textContent).not.toContain('must be >= 1');
    expect(saved).not.toHaveBeenCalled();
    const patch = calls.find((c) => c.method === 'PATCH');
    expect(patch?.path).toBe('/v1/blueprints/service/entities/pay');
    expect(patch?.body).toEqual({ properties: { replicas: -1 } });
  });

  it('shows computed values read-only and never sends them', async () => {
    const user = userEvent.setup();
    const withComputed = {
      ...bp,
      mirrorProperties: { domainName: { title: 'Domain name', path: 'domain.$title' } },
      aggregationProperties: { pods: { title: 'Pods', target: 'pod', calculationSpec: { calculationBy: 'entities', func: 'count' } } },
    } as unknown as Blueprint;
    const entity = { identifier: 'pay', title: 'Pay', team: [], properties: { replicas: 1, domainName: 'Payments', pods: 4 }, relations: {} } as unknown as Entity;
    renderWithProviders(<EntityForm blueprint={withComputed} entity={entity} onSaved={() => {}} onCancel={() => {}} />);
    const list = screen.getByRole('list', { name: 'Computed properties' });
    expect(list.textContent).toContain('Payments');
    expect(list.textContent).toContain('count of pod');
    expect(list.textContent).toContain('4');
    await user.clear(screen.getByRole('textbox', { name: 'Replicas' }));
    await user.type(screen.getByRole('textbox', { name: 'Replicas' }), '2');
    await user.click(screen.getByRole('button', { name: 'Save changes' }));
    await waitFor(() => expect(calls.some((c) => c.method === 'PATCH')).toBe(true));
    const patch = calls.find((c) => c.method === 'PATCH')!;
    expect(patch.body).toEqual({ properties: { replicas: 2 } });
  });

  it('shows the title of a selected relation target the first page lacks', async () => {
    const entity = { identifier: 'pay', title: 'Pay', team: [], properties: {}, relations: { domain: 'identity' } } as unknown as Entity;
    renderWithProviders(<EntityForm blueprint={bp} entity={entity} onSaved={() => {}} onCancel={() => {}} />);
    const domain = screen.getByRole('combobox', { name: 'Domain' }) as HTMLInputElement;
    await waitFor(() => expect(domain.value).toBe('Identity (identity)'));
  });

  it('saves an unchanged entity without writing', async () => {
    const user = userEvent.setup();
    const saved = vi.fn();
    const entity = { identifier: 'pay', title: 'Pay', team: [], properties: { replicas: 1 }, relations: {} } as unknown as Entity;
    renderWithProviders(<EntityForm blueprint={bp} entity={entity} onSaved={saved} onCancel={() => {}} />);
    await user.click(screen.getByRole('button', { name: 'Save changes' }));
    await waitFor(() => expect(saved).toHaveBeenCalledWith(entity));
    expect(calls.filter((c) => c.method !== 'GET' && !c.path.endsWith('/search'))).toEqual([]);
  });
});
