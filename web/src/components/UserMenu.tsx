import { Avatar, Menu, Text, UnstyledButton } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useNavigate } from 'react-router';
import { api } from '../api/client';
import type { Me } from '../api/types';
import { IconLogout } from './icons';

export function displayName(me: Me | null | undefined): string {
  if (!me) return '';
  if (me.anonymous) return 'Anonymous';
  return me.name || me.email || 'User';
}

function initials(name: string): string {
  const parts = name.replace(/@.*/, '').split(/[\s._-]+/).filter(Boolean);
  return (parts[0]?.[0] ?? '?').toUpperCase() + (parts[1]?.[0] ?? '').toUpperCase();
}

/** UserMenu: who is signed in, and sign out. */
export function UserMenu({ me }: { me: Me }) {
  const qc = useQueryClient();
  const navigate = useNavigate();
  const name = displayName(me);

  async function signOut() {
    try {
      await api.post('/v1/auth/logout', undefined, { noAuthRedirect: true });
    } catch {
      // Signed out either way: the session is gone or was never there.
    }
    qc.clear();
    navigate('/sign-in', { replace: true });
  }

  return (
    <Menu position="bottom-end" width={240} withinPortal>
      <Menu.Target>
        <UnstyledButton aria-label={`Account: ${name}`}>
          <Avatar radius="xl" size={34} color="indigo">
            {initials(name)}
          </Avatar>
        </UnstyledButton>
      </Menu.Target>
      <Menu.Dropdown>
        <Menu.Label>{me.anonymous ? 'Not signed in' : 'Signed in as'}</Menu.Label>
        <div style={{ padding: '0 12px 8px' }}>
          <Text size="sm" fw={600} truncate>
            {name}
          </Text>
          {me.email && !me.anonymous && me.email !== name && (
            <Text size="xs" c="dimmed" truncate>
              {me.email}
            </Text>
          )}
          {me.roles.length > 0 && (
            <Text size="xs" c="dimmed">
              {me.roles.join(', ')}
              {me.teams.length > 0 && ` · ${me.teams.join(', ')}`}
            </Text>
          )}
        </div>
        {me.anonymous ? (
          <Text size="xs" c="dimmed" px={12} pb={8}>
            Authentication is off on this server: everyone is an anonymous Admin.
          </Text>
        ) : (
          <>
            <Menu.Divider />
            <Menu.Item leftSection={<IconLogout size={16} />} onClick={signOut}>
              Sign out
            </Menu.Item>
          </>
        )}
      </Menu.Dropdown>
    </Menu>
  );
}
