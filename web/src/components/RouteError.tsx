import { Button, Center, Stack, Text, Title } from '@mantine/core';
import { isRouteErrorResponse, useRouteError } from 'react-router';

/** RouteError: shown when a route fails to render or a lazy page fails to load. */
export function RouteError() {
  const err = useRouteError();
  const message = isRouteErrorResponse(err)
    ? `${err.status} ${err.statusText}`
    : err instanceof Error
      ? err.message
      : 'Unexpected error';
  return (
    <Center mih="60vh" p="xl">
      <Stack align="center" maw={520} ta="center">
        <Title order={1} fz="h2">
          This page failed to load
        </Title>
        <Text c="dimmed">{message}</Text>
        <Button onClick={() => window.location.reload()}>Reload</Button>
      </Stack>
    </Center>
  );
}
