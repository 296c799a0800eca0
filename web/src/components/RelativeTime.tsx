import { useEffect, useState } from 'react';
import { Tooltip } from '@mantine/core';
import { formatAbsolute, formatRelative } from '../lib/time';

/** RelativeTime shows "5 minutes ago" (refreshed every 30 s) with the exact time in a tooltip. */
export function RelativeTime({ value }: { value: string }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 30_000);
    return () => clearInterval(t);
  }, []);
  return (
    <Tooltip label={formatAbsolute(value)} openDelay={300}>
      <time dateTime={value}>{formatRelative(value, now)}</time>
    </Tooltip>
  );
}
