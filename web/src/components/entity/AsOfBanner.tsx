import { Alert, Button, Group, Text } from '@mantine/core';
import { formatAbsolute } from '../../lib/time';

/** AsOfBanner: the entity page shows a past version; "Back to now" returns to the present. */
export function AsOfBanner({ asOf, onBackToNow, missing }: { asOf: string; onBackToNow: () => void; missing?: boolean }) {
  return (
    <Alert variant="light" color={missing ? 'orange' : 'yellow'} p="xs" role="status" aria-label="Time travel">
      <Group justify="space-between" gap="xs">
        <Text size="sm">
          {missing ? 'The entity did not exist as of ' : 'Showing the entity as of '}
          <time dateTime={asOf}>
            <strong>{formatAbsolute(asOf)}</strong>
          </time>
          {missing ? '.' : ' — read only.'}
        </Text>
        <Button size="xs" variant="light" color="yellow" onClick={onBackToNow}>
          Back to now
        </Button>
      </Group>
    </Alert>
  );
}
