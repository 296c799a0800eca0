// A blueprint's icon: Port icon names ("Cloud", "Service") have no artwork here,
// so the badge shows the name's initials (the full name as its title).
import { ThemeIcon } from '@mantine/core';
import { IconBlueprint } from '../icons';

export function iconInitials(icon: string): string {
  const words = icon.replace(/([a-z])([A-Z])/g, '$1 $2').split(/[\s_-]+/).filter(Boolean);
  return words
    .slice(0, 2)
    .map((w) => w[0]!.toUpperCase())
    .join('');
}

export function BlueprintIcon({ icon, size = 'lg' }: { icon?: string; size?: 'sm' | 'md' | 'lg' }) {
  return (
    <ThemeIcon variant="light" size={size} radius="md" title={icon || undefined} aria-hidden="true">
      {icon ? <span style={{ fontSize: 11, fontWeight: 700 }}>{iconInitials(icon)}</span> : <IconBlueprint size={16} />}
    </ThemeIcon>
  );
}
