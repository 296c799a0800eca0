import { QueryClient } from '@tanstack/react-query';
import { isApiError } from './api/client';

export function createQueryClient() {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 15_000,
        refetchOnWindowFocus: false,
        // Client errors (404, 403, 422) will not change on retry.
        retry: (count, err) => (isApiError(err) && err.status >= 400 && err.status < 500 ? false : count < 2),
      },
      mutations: { retry: false },
    },
  });
}
