// Value renderers by type and format, shared by the catalog table (compact)
// and the entity page (full).
import { useEffect, useState, type ReactNode } from 'react';
import { Anchor, Badge, Code, Group, Text, Tooltip } from '@mantine/core';
import { Link } from 'react-router';
import { RelativeTime } from '../../RelativeTime';
import { formatAbsolute } from '../../../lib/time';
import type { ValueDef } from '../fields';
import { Markdown, markdownToPlain, safeHref } from './Markdown';
import classes from './values.module.css';

/** chipStyle: a light badge whose text keeps its contrast in both schemes. */
export function chipProps(color: string) {
  return { className: classes.chip, style: { '--chip-color': `var(--mantine-color-${color}-9)` } as React.CSSProperties };
}

const PORT_COLORS: Record<string, string> = {
  blue: 'blue',
  turquoise: 'teal',
  orange: 'orange',
  purple: 'grape',
  pink: 'pink',
  yellow: 'yellow',
  green: 'green',
  red: 'red',
  gold: 'yellow',
  silver: 'gray',
  bronze: 'orange',
  paleBlue: 'cyan',
  darkGray: 'dark',
  lightGray: 'gray',
  gray: 'gray',
  grey: 'gray',
  indigo: 'indigo',
  cyan: 'cyan',
  lime: 'lime',
  teal: 'teal',
  violet: 'violet',
  grape: 'grape',
};

/** mantineColor maps a Port enum color name (or any CSS color) to a Mantine color. */
export function mantineColor(c: string | undefined): string {
  if (!c) return 'gray';
  return PORT_COLORS[c] ?? c;
}

const EMPTY = (
  <Text span c="dimmed" size="sm" aria-label="empty">
    —
  </Text>
);

export function EntityLink({ blueprint, identifier, title }: { blueprint: string; identifier: string; title?: string }) {
  return (
    <Anchor component={Link} to={`/entities/${encodeURIComponent(blueprint)}/${encodeURIComponent(identifier)}`} size="sm">
      {title || identifier}
    </Anchor>
  );
}

function ChipLink({ to, children, color }: { to: string; children: ReactNode; color: string }) {
  return (
    <Badge
      component={Link}
      to={to}
      variant="light"
      color={color}
      radius="xl"
      tt="none"
      className={chipProps(color).className}
      style={{ ...chipProps(color).style, cursor: 'pointer', fontWeight: 500 }}
    >
      {children}
    </Badge>
  );
}

export function UserChip({ email }: { email: string }) {
  return (
    <ChipLink to={`/entities/_user/${encodeURIComponent(email)}`} color="blue">
      {email}
    </ChipLink>
  );
}

export function TeamChip({ team }: { team: string }) {
  return (
    <ChipLink to={`/entities/_team/${encodeURIComponent(team)}`} color="violet">
      {team}
    </ChipLink>
  );
}

/** formatCountdown: "2d 3h 4m 5s" until t, or "Expired". */
export function formatCountdown(target: number, now: number): string {
  let s = Math.floor((target - now) / 1000);
  if (s <= 0) return 'Expired';
  const d = Math.floor(s / 86400);
  s -= d * 86400;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  const parts = d > 0 ? [`${d}d`, `${h}h`, `${m}m`] : h > 0 ? [`${h}h`, `${m}m`, `${s}s`] : [`${m}m`, `${s}s`];
  return parts.join(' ');
}

/** Countdown: a timer property, ticking every second until it expires. */
export function Countdown({ value }: { value: string }) {
  const target = Date.parse(value);
  const [now, setNow] = useState(() => Date.now());
  const expired = Number.isFinite(target) && target <= now;
  useEffect(() => {
    if (!Number.isFinite(target) || expired) return;
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [target, expired]);
  if (!Number.isFinite(target)) return <Text span size="sm">{value}</Text>;
  return (
    <Tooltip label={formatAbsolute(value)} openDelay={300}>
      <Badge variant="light" color={expired ? 'red' : 'teal'} tt="none" {...chipProps(expired ? 'red' : 'teal')}>
        <time dateTime={value}>{expired ? 'Expired' : `⏱ ${formatCountdown(target, now)}`}</time>
      </Badge>
    </Tooltip>
  );
}

export function EnumBadge({ value, colors }: { value: unknown; colors?: Record<string, string> }) {
  const s = String(value);
  return (
    <Badge variant="light" color={mantineColor(colors?.[s])} tt="none" {...chipProps(mantineColor(colors?.[s]))}>
      {s}
    </Badge>
  );
}

function stringify(v: unknown, pretty: boolean): string {
  if (typeof v === 'string') return v;
  try {
    return JSON.stringify(v, null, pretty ? 2 : undefined) ?? String(v);
  } catch {
    return String(v);
  }
}

function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

export interface PropertyValueProps {
  value: unknown;
  def?: ValueDef;
  /** One line for table cells. */
  compact?: boolean;
}

/** PropertyValue renders one value by its schema's type and format. */
export function PropertyValue({ value, def = {}, compact = false }: PropertyValueProps) {
  if (value === undefined || value === null || value === '' || (Array.isArray(value) && value.length === 0)) return EMPTY;

  // Relations: identifiers of the target blueprint.
  if (def.target) {
    const ids = Array.isArray(value) ? value : [value];
    return (
      <Group gap={6} wrap={compact ? 'nowrap' : 'wrap'}>
        {ids.map((id) => (
          <EntityLink key={String(id)} blueprint={def.target!} identifier={String(id)} />
        ))}
      </Group>
    );
  }

  if (Array.isArray(value)) {
    const items = def.items ?? {};
    return (
      <Group gap={6} wrap={compact ? 'nowrap' : 'wrap'}>
        {(compact ? value.slice(0, 4) : value).map((v, i) => (
          <PropertyValue key={i} value={v} def={items} compact={compact} />
        ))}
        {compact && value.length > 4 && (
          <Text span size="xs" c="dimmed">
            +{value.length - 4}
          </Text>
        )}
      </Group>
    );
  }

  if (def.enum && def.enum.length > 0 || (def.enumColors && typeof value === 'string' && def.enumColors[value])) {
    return <EnumBadge value={value} colors={def.enumColors} />;
  }

  const type = def.type ?? (typeof value === 'object' ? 'object' : typeof value);
  switch (type) {
    case 'boolean':
      return (
        <Badge variant="light" color={value === true ? 'green' : 'gray'} tt="none" {...chipProps(value === true ? 'green' : 'gray')}>
          {value === true ? '✓ Yes' : value === false ? '✗ No' : String(value)}
        </Badge>
      );
    case 'number':
      return (
        <Text span size="sm" className="mono">
          {typeof value === 'number' ? value.toLocaleString() : String(value)}
        </Text>
      );
    case 'object':
      if (def.format === 'labeled-url' && typeof value === 'object' && value && 'url' in value) {
        const v = value as { url?: unknown; displayText?: unknown; label?: unknown };
        const href = safeHref(String(v.url ?? ''));
        const label = String(v.displayText ?? v.label ?? v.url ?? '');
        return href ? (
          <Anchor href={href} target="_blank" rel="noopener noreferrer" size="sm">
            {label}
          </Anchor>
        ) : (
          <Text span size="sm">{label}</Text>
        );
      }
      return compact ? (
        <Code>{truncate(stringify(value, false), 60)}</Code>
      ) : (
        <Code block>{stringify(value, true)}</Code>
      );
  }

  const s = stringify(value, false);
  switch (def.format) {
    case 'url': {
      const href = safeHref(s);
      return href ? (
        <Anchor href={href} target="_blank" rel="noopener noreferrer" size="sm">
          {compact ? truncate(s.replace(/^https?:\/\//, ''), 40) : s}
        </Anchor>
      ) : (
        <Text span size="sm">{s}</Text>
      );
    }
    case 'email':
    case 'idn-email':
      return (
        <Anchor href={`mailto:${s}`} size="sm">
          {s}
        </Anchor>
      );
    case 'date-time':
      return <RelativeTime value={s} />;
    case 'timer':
      return <Countdown value={s} />;
    case 'user':
      return <UserChip email={s} />;
    case 'team':
      return <TeamChip team={s} />;
    case 'markdown':
      return compact ? (
        <Text span size="sm">
          {truncate(markdownToPlain(s), 80)}
        </Text>
      ) : (
        <Markdown text={s} />
      );
    case 'yaml':
    case 'proto':
      return compact ? <Code>{truncate(s.split('\n')[0], 50)}</Code> : <Code block>{s}</Code>;
    case 'ipv4':
    case 'ipv6':
      return <Code>{s}</Code>;
  }
  return (
    <Text span size="sm" style={compact ? undefined : { whiteSpace: 'pre-wrap' }}>
      {compact ? truncate(s, 80) : s}
    </Text>
  );
}
