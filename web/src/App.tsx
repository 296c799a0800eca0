import { useEffect, useState } from 'react';
import { MantineProvider } from '@mantine/core';
import { Notifications } from '@mantine/notifications';
import { QueryClientProvider } from '@tanstack/react-query';
import { RouterProvider } from 'react-router';
import { theme } from './theme';
import { createQueryClient } from './queryClient';
import { createAppRouter } from './router';
import { setUnauthorizedHandler } from './api/client';

export function App() {
  const [queryClient] = useState(createQueryClient);
  const [router] = useState(createAppRouter);

  useEffect(() => {
    // A 401 anywhere sends the user to sign in, then back where they were.
    setUnauthorizedHandler((returnTo) => {
      queryClient.setQueryData(['me'], null);
      void router.navigate(`/sign-in?returnTo=${encodeURIComponent(returnTo)}`, { replace: true });
    });
    return () => setUnauthorizedHandler(null);
  }, [queryClient, router]);

  return (
    // defaultColorScheme auto follows the OS; the toggle's choice persists in localStorage.
    <MantineProvider theme={theme} defaultColorScheme="auto">
      <Notifications position="top-right" />
      <QueryClientProvider client={queryClient}>
        <RouterProvider router={router} />
      </QueryClientProvider>
    </MantineProvider>
  );
}
