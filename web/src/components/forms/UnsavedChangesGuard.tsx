// Asks before leaving a form with unsaved changes: in-app navigation (links,
// Cancel, closing the drawer, Back) through the router's blocker, and closing
// or reloading the tab through beforeunload.
import { useEffect, useRef } from 'react';
import { useBlocker } from 'react-router';
import { Button, Group, Modal, Text } from '@mantine/core';

/**
 * useUnsavedChanges: `dirty` says the form differs from what was loaded;
 * call the returned `allowNextNavigation()` right before navigating away on
 * purpose (after a successful save).
 */
export function useUnsavedChanges(dirty: boolean) {
  const dirtyRef = useRef(dirty);
  dirtyRef.current = dirty;
  const allowed = useRef(false);
  const blocker = useBlocker(
    ({ currentLocation, nextLocation }) =>
      dirtyRef.current &&
      !allowed.current &&
      (currentLocation.pathname !== nextLocation.pathname || currentLocation.search !== nextLocation.search),
  );
  useEffect(() => {
    if (!dirty) return;
    const onUnload = (e: BeforeUnloadEvent) => {
      if (allowed.current) return;
      e.preventDefault();
    };
    window.addEventListener('beforeunload', onUnload);
    return () => window.removeEventListener('beforeunload', onUnload);
  }, [dirty]);
  const guard = (
    <Modal opened={blocker.state === 'blocked'} onClose={() => blocker.reset?.()} title="Discard unsaved changes?" centered>
      <Text size="sm">Your changes have not been saved. Leave anyway?</Text>
      <Group justify="flex-end" mt="md">
        <Button variant="default" onClick={() => blocker.reset?.()} data-autofocus>
          Keep editing
        </Button>
        <Button color="red" onClick={() => blocker.proceed?.()}>
          Discard changes
        </Button>
      </Group>
    </Modal>
  );
  return {
    guard,
    allowNextNavigation: () => {
      allowed.current = true;
    },
  };
}
