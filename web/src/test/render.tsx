// renderWithProviders: Mantine + TanStack Query + a memory router, for component tests.
import type { ReactElement, ReactNode } from 'react';
import { render } from '@testing-library/react';
import { MantineProvider } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { createMemoryRouter, RouterProvider } from 'react-router';
import { theme } from '../theme';

export function testQueryClient() {
  return new QueryClient({ defaultOptions: { queries: { retry: false, gcTime: 0 }, mutations: { retry: false } } });
}

export function Providers({ children, client }: { children: ReactNode; client?: QueryClient }) {
  return (
    <MantineProvider theme={theme} env="test">
      <QueryClientProvider client={client ?? testQueryClient()}>{children}</QueryClientProvider>
    </MantineProvider>
  );
}

/** renderWithProviders renders ui at `path` (a route pattern may be given) inside all providers. */
export function renderWithProviders(
  ui: ReactElement,
  opts: { path?: string; route?: string; client?: QueryClient; extraRoutes?: { path: string; element: ReactElement }[] } = {},
) {
  const client = opts.client ?? testQueryClient();
  const router = createMemoryRouter(
    [{ path: opts.route ?? '*', element: ui }, ...(opts.extraRoutes ?? [])],
    { initialEntries: [opts.path ?? '/'] },
  );
  const result = render(
    <Providers client={client}>
      <RouterProvider router={router} />
    </Providers>,
  );
  return { ...result, router, client };
}

/** jsonResponse builds a fetch Response carrying JSON. */
export function jsonResponse(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}
