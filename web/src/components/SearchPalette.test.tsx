import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { act, fireEvent, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useParams } from 'react-router';
import { SearchPalette, searchSpotlight } from './SearchPalette';
import { jsonResponse, renderWithProviders } from '../test/render';

function EntityProbe() {
  const { blueprint, identifier } = useParams();
  return <h1>entity {blueprint}/{identifier}</h1>;
}

function CatalogProbe() {
  const { blueprint } = useParams();
  return <h1>catalog {blueprint}</h1>;
}

const blueprints = [
  { identifier: 'service', title: 'Service' },
  { identifier: 'team', title: 'Team' },
  { identifier: '_user', title: 'User' },
];

describe('SearchPalette', () => {
  const fetchMock = vi.fn<typeof fetch>();
  const searches: string[] = [];
  beforeEach(() => {
    searches.length = 0;
    fetchMock.mockReset();
    fetchMock.mockImplementation(async (input) => {
      const url = new URL(String(input), 'http://localhost');
      if (url.pathname === '/v1/blueprints') return jsonResponse({ ok: true, blueprints });
      if (url.pathname === '/v1/search') {
        const q = url.searchParams.get('q') ?? '';
        searches.push(q);
        if (q === 'nothing') return jsonResponse({ ok: true, results: [] });
        if (q === 'boom') return jsonResponse({ ok: false, error: 'internal_error', message: 'index broke' }, 500);
        return jsonResponse({
          ok: true,
          results: [
            { blueprint: 'service', identifier: 'payments', title: 'Payments', snippet: 'Moves <mark>pay</mark>ments' },
            { blueprint: 'service', identifier: 'payouts', title: 'Payouts', snippet: '<script>x</script> <mark>pay</mark>outs' },
          ],
        });
      }
      return jsonResponse({ ok: false, error: 'not_found', message: 'no route' }, 404);
    });
    vi.stubGlobal('fetch', fetchMock);
  });
  afterEach(() => vi.unstubAllGlobals());

  function setup() {
    return renderWithProviders(
      <>
        <p>page</p>
        <SearchPalette debounceMs={0} />
      </>,
      {
        path: '/',
        route: '/',
        extraRoutes: [
          { path: '/entities/:blueprint/:identifier', element: <EntityProbe /> },
          { path: '/catalog/:blueprint', element: <CatalogProbe /> },
        ],
      },
    );
  }

  it('opens with Ctrl+K from inside a text field, but "/" there types a slash', async () => {
    renderWithProviders(
      <>
        <input aria-label="Some field" />
        <SearchPalette debounceMs={0} />
      </>,
      { path: '/', route: '/' },
    );
    const field = screen.getByRole('textbox', { name: 'Some field' });
    field.focus();
    fireEvent.keyDown(field, { key: '/', code: 'Slash' });
    expect(screen.queryByRole('textbox', { name: 'Search entities' })).toBeNull();
    fireEvent.keyDown(field, { key: 'k', code: 'KeyK', ctrlKey: true });
    expect(await screen.findByRole('textbox', { name: 'Search entities' })).toBeTruthy();
    act(() => searchSpotlight.close()); // the palette's store outlives the test
  });

  it('opens with Ctrl+K, searches as you type, and Enter opens the selected entity', async () => {
    const user = userEvent.setup();
    setup();
    expect(screen.queryByRole('textbox', { name: 'Search entities' })).toBeNull();

    fireEvent.keyDown(document.documentElement, { key: 'k', code: 'KeyK', ctrlKey: true });
    const input = await screen.findByRole('textbox', { name: 'Search entities' });
    await user.type(input, 'pay');

    const first = await screen.findByRole('button', { name: /^Payments\b.*Service$/i });
    expect(screen.getByRole('button', { name: /^Payouts\b.*Service$/i })).toBeTruthy();
    expect(searches.at(-1)).toBe('pay');
    // The snippet is text: markers become <mark>, the rest is never HTML.
    expect(first.querySelector('mark')?.textContent).toBe('pay');
    expect(document.querySelector('script')).toBeNull();

    // The first result is selected; ArrowDown moves to the second, Enter opens it.
    await user.keyboard('{ArrowDown}');
    await user.keyboard('{Enter}');
    expect(await screen.findByRole('heading', { name: 'entity service/payouts' })).toBeTruthy();
    await waitFor(() => expect(screen.queryByRole('textbox', { name: 'Search entities' })).toBeNull());
  });

  it('Enter opens the top result even when results arrive late', async () => {
    const user = userEvent.setup();
    const inner = fetchMock.getMockImplementation()!;
    fetchMock.mockImplementation(async (input, init) => {
      await new Promise((r) => setTimeout(r, 60));
      return inner(input, init);
    });
    setup();
    fireEvent.keyDown(document.documentElement, { key: 'k', code: 'KeyK', metaKey: true });
    const input = await screen.findByRole('textbox', { name: 'Search entities' });
    await user.type(input, 'payments');
    await screen.findByRole('button', { name: /^Payments\b.*Service$/i });
    await user.keyboard('{Enter}');
    expect(await screen.findByRole('heading', { name: 'entity service/payments' })).toBeTruthy();
  });

  it('Enter on a catalog shortcut opens that catalog', async () => {
    const user = userEvent.setup();
    setup();
    fireEvent.keyDown(document.documentElement, { key: 'k', code: 'KeyK', ctrlKey: true });
    const input = await screen.findByRole('textbox', { name: 'Search entities' });
    const team = await screen.findByRole('button', { name: /^Team/ });
    input.focus();
    for (let i = 0; i < 3 && team.getAttribute('data-selected') !== 'true'; i++) await user.keyboard('{ArrowDown}');
    expect(team.getAttribute('data-selected')).toBe('true');
    await user.keyboard('{Enter}');
    expect(await screen.findByRole('heading', { name: 'catalog team' })).toBeTruthy();
  });

  it('offers the catalogs when empty and says when nothing matches', async () => {
    const user = userEvent.setup();
    setup();
    fireEvent.keyDown(document.documentElement, { key: 'k', code: 'KeyK', ctrlKey: true });
    const input = await screen.findByRole('textbox', { name: 'Search entities' });
    expect(await screen.findByRole('button', { name: /^Service/ })).toBeTruthy();
    expect(screen.getByRole('button', { name: /^Team/ })).toBeTruthy();
    expect(screen.queryByRole('button', { name: /^User/ })).toBeNull(); // system blueprints stay out

    await user.type(input, 'nothing');
    expect(await screen.findByText(/No entity matches/)).toBeTruthy();
    expect(screen.queryByRole('button', { name: /^Service/ })).toBeNull();
  });

  it('shows a search failure', async () => {
    const user = userEvent.setup();
    setup();
    fireEvent.keyDown(document.documentElement, { key: 'k', code: 'KeyK', ctrlKey: true });
    const input = await screen.findByRole('textbox', { name: 'Search entities' });
    await user.type(input, 'boom');
    expect((await screen.findByRole('alert')).textContent).toContain('index broke');
  });
});
