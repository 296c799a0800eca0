// The app shell: header (name, navigation, search, color scheme, user menu),
// a sidebar listing blueprints, and the routed page.
import { useMemo, useState } from 'react';
import {
  AppShell,
  Badge,
  Burger,
  Button,
  Group,
  Kbd,
  NavLink,
  ScrollArea,
  Skeleton,
  Text,
  TextInput,
  UnstyledButton,
  VisuallyHidden,
} from '@mantine/core';
import { useDisclosure, useOs } from '@mantine/hooks';
import { Link, matchPath, Navigate, NavLink as RouterNavLink, Outlet, useLocation } from 'react-router';
import { useBlueprints, useEntityCounts, useMe } from '../api/hooks';
import { useEventStream } from '../api/events';
import { ColorSchemeToggle } from './ColorSchemeToggle';
import { UserMenu } from './UserMenu';
import { SearchPalette, searchSpotlight } from './SearchPalette';
import { ErrorState, PageLoader } from './states';
import { IconBlueprint, IconCatalog, IconHome, IconModel, IconSearch } from './icons';

function TopLink({ to, label, icon, end }: { to: string; label: string; icon: React.ReactNode; end?: boolean }) {
  return (
    <Button
      component={RouterNavLink}
      to={to}
      end={end}
      variant="subtle"
      color="gray"
      size="sm"
      leftSection={icon}
      styles={{ root: { fontWeight: 500 } }}
      className="top-link"
    >
      {label}
    </Button>
  );
}

function SearchButton() {
  const os = useOs();
  const mod = os === 'macos' || os === 'ios' ? '⌘' : 'Ctrl';
  return (
    <UnstyledButton
      onClick={() => searchSpotlight.open()}
      aria-keyshortcuts="Control+K Meta+K"
      style={{
        border: '1px solid var(--mantine-color-default-border)',
        borderRadius: 'var(--mantine-radius-md)',
        padding: '5px 10px',
        minWidth: 220,
        background: 'var(--mantine-color-default)',
      }}
    >
      <Group gap={8} wrap="nowrap" justify="space-between">
        <Group gap={8} wrap="nowrap">
          <IconSearch size={16} />
          <Text size="sm" c="dimmed">
            Search entities
          </Text>
        </Group>
        <Group gap={2} wrap="nowrap" aria-hidden="true">
          <Kbd size="xs">{mod}</Kbd>
          <Kbd size="xs">K</Kbd>
        </Group>
      </Group>
    </UnstyledButton>
  );
}

function BlueprintNav({ onNavigate }: { onNavigate: () => void }) {
  const blueprints = useBlueprints();
  const counts = useEntityCounts();
  const location = useLocation();
  const [filter, setFilter] = useState('');
  const list = useMemo(() => {
    const q = filter.trim().toLowerCase();
    return (blueprints.data ?? [])
      .filter((b) => !b.identifier.startsWith('_'))
      .filter((b) => !q || b.identifier.toLowerCase().includes(q) || (b.title ?? '').toLowerCase().includes(q))
      .sort((a, b) => (a.title || a.identifier).localeCompare(b.title || b.identifier));
  }, [blueprints.data, filter]);
  // The layout sits above the page routes, so read the blueprint from the path.
  const m = matchPath('/catalog/:blueprint/*', location.pathname) ?? matchPath('/entities/:blueprint/*', location.pathname);
  const active = m?.params.blueprint;

  return (
    <>
      <Text size="xs" fw={700} c="dimmed" tt="uppercase" px="xs" mb={6}>
        Blueprints
      </Text>
      <TextInput
        size="xs"
        mb="xs"
        placeholder="Filter blueprints"
        aria-label="Filter blueprints"
        value={filter}
        onChange={(e) => setFilter(e.currentTarget.value)}
      />
      <ScrollArea style={{ flex: 1 }} type="auto">
        {blueprints.isPending && [0, 1, 2, 3, 4].map((i) => <Skeleton key={i} h={28} mb={6} radius="sm" />)}
        {blueprints.isError && <ErrorState error={blueprints.error} onRetry={() => blueprints.refetch()} />}
        {blueprints.isSuccess && list.length === 0 && (
          <Text size="sm" c="dimmed" px="xs">
            {filter ? 'No blueprint matches.' : 'No blueprints yet.'}
          </Text>
        )}
        <nav aria-label="Blueprints">
          {list.map((b) => (
            <NavLink
              key={b.identifier}
              component={Link}
              to={`/catalog/${encodeURIComponent(b.identifier)}`}
              label={b.title || b.identifier}
              active={active === b.identifier}
              onClick={onNavigate}
              leftSection={<IconBlueprint size={16} />}
              rightSection={
                counts.data?.[b.identifier] !== undefined ? (
                  <Badge size="xs" variant="light" color="gray">
                    {counts.data[b.identifier]}
                  </Badge>
                ) : null
              }
            />
          ))}
        </nav>
      </ScrollArea>
    </>
  );
}

export function AppLayout() {
  const [opened, { toggle, close }] = useDisclosure();
  const me = useMe();
  const location = useLocation();
  useEventStream({ enabled: !!me.data });

  if (me.isPending) return <PageLoader label="Starting Atrium" />;
  if (me.isError) {
    return (
      <div style={{ padding: 32, maxWidth: 640, margin: '0 auto' }}>
        <ErrorState error={me.error} onRetry={() => me.refetch()} />
      </div>
    );
  }
  if (me.data === null) {
    const returnTo = location.pathname + location.search + location.hash;
    return <Navigate to={`/sign-in?returnTo=${encodeURIComponent(returnTo)}`} replace />;
  }

  return (
    <AppShell
      header={{ height: 56 }}
      navbar={{ width: 260, breakpoint: 'sm', collapsed: { mobile: !opened } }}
      padding="lg"
    >
      <AppShell.Header>
        <a href="#main" className="skip-link">
          Skip to content
        </a>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label="Toggle navigation" />
            <Link to="/" style={{ textDecoration: 'none', color: 'inherit' }} aria-label="Atrium home">
              <Group gap={8} wrap="nowrap">
                <img src="/favicon.svg" width={26} height={26} alt="" />
                <Text fw={800} size="lg">
                  Atrium
                </Text>
              </Group>
            </Link>
            <Group gap={2} ml="md" visibleFrom="md" component="nav" aria-label="Main">
              <TopLink to="/" end label="Home" icon={<IconHome size={16} />} />
              <TopLink to="/catalog" label="Catalog" icon={<IconCatalog size={16} />} />
              <TopLink to="/data-model" label="Data model" icon={<IconModel size={16} />} />
            </Group>
          </Group>
          <Group gap="sm" wrap="nowrap">
            <SearchButton />
            <ColorSchemeToggle />
            {me.data && <UserMenu me={me.data} />}
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="sm" style={{ display: 'flex', flexDirection: 'column' }}>
        <VisuallyHidden>
          <h2>Navigation</h2>
        </VisuallyHidden>
        <Group gap={2} hiddenFrom="md" mb="sm" component="nav" aria-label="Main (compact)" style={{ flexDirection: 'column', alignItems: 'stretch' }}>
          <NavLink component={Link} to="/" label="Home" leftSection={<IconHome size={16} />} onClick={close} />
          <NavLink component={Link} to="/catalog" label="Catalog" leftSection={<IconCatalog size={16} />} onClick={close} />
          <NavLink component={Link} to="/data-model" label="Data model" leftSection={<IconModel size={16} />} onClick={close} />
        </Group>
        <BlueprintNav onNavigate={close} />
      </AppShell.Navbar>
      <AppShell.Main id="main" tabIndex={-1} style={{ outline: 'none' }}>
        <Outlet />
      </AppShell.Main>
      <SearchPalette />
    </AppShell>
  );
}
