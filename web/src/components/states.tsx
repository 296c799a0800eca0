// Loading, empty and error states shared by every page.
import type { ReactNode } from 'react';
import { Alert, Button, Center, Group, Loader, Stack, Text, ThemeIcon } from '@mantine/core';
import { errorMessage, isApiError } from '../api/client';
import { IconAlert } from './icons';

export function PageLoader({ label = 'Loading' }: { label?: string }) {
  return (
    <Center py="xl" role="status" aria-live="polite">
      <Group gap="sm">
        <Loader size="sm" aria-hidden="true" />
        <Text c="dimmed" size="sm">
          {label}…
        </Text>
      </Group>
    </Center>
  );
}

export function ErrorState({ error, onRetry, title }: { error: unknown; onRetry?: () => void; title?: string }) {
  const status = isApiError(error) ? error.status : undefined;
  const heading =
    title ??
    (status === 404
      ? 'Not found'
      : status === 403
        ? 'You do not have access'
        : status === 0
          ? 'Cannot reach the server'
          : 'Something went wrong');
  return (
    <Alert color="red" variant="light" title={heading} icon={<IconAlert />} role="alert">
      <Stack gap="xs">
        <Text size="sm">{errorMessage(error)}</Text>
        {isApiError(error) && error.requestId && (
          <Text size="xs" c="dimmed">
            Request id: <span className="mono">{error.requestId}</span>
          </Text>
        )}
        {onRetry && (
          <Group>
            <Button size="xs" variant="light" color="red" onClick={onRetry}>
              Try again
            </Button>
          </Group>
        )}
      </Stack>
    </Alert>
  );
}

export function EmptyState({ title, children, icon, action }: { title: string; children?: ReactNode; icon?: ReactNode; action?: ReactNode }) {
  return (
    <Center py="xl">
      <Stack align="center" gap="xs" maw={420} ta="center">
        {icon && (
          <ThemeIcon variant="light" size="xl" radius="xl">
            {icon}
          </ThemeIcon>
        )}
        <Text fw={600}>{title}</Text>
        {children && (
          <Text size="sm" c="dimmed">
            {children}
          </Text>
        )}
        {action}
      </Stack>
    </Center>
  );
}

/** ComingSoon: the placeholder body of pages another part of the app fills in. */
export function ComingSoon({ title }: { title: string }) {
  return (
    <Stack>
      <Text component="h1" fz="h2" fw={700}>
        {title}
      </Text>
      <EmptyState title="Coming soon">This page is being built.</EmptyState>
    </Stack>
  );
}
