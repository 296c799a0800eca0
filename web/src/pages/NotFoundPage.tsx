import { Button, Stack, Text, Title } from '@mantine/core';
import { Link, useLocation } from 'react-router';
import { useDocumentTitle } from '../lib/useDocumentTitle';

export default function NotFoundPage() {
  const location = useLocation();
  useDocumentTitle('Not found');
  return (
    <Stack align="center" py="xl" ta="center">
      <Title order={1}>Page not found</Title>
      <Text c="dimmed">
        Nothing lives at <span className="mono">{location.pathname}</span>.
      </Text>
      <Button component={Link} to="/">
        Go home
      </Button>
    </Stack>
  );
}
