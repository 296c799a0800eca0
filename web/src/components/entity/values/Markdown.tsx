// A small, safe markdown renderer: headings, paragraphs, lists, block quotes,
// fenced code, inline code, bold, italic and links. It builds React elements
// only — raw HTML in the text is shown as text, never parsed.
import { Fragment, type ReactNode } from 'react';
import { Anchor, Code, List, Text, Title } from '@mantine/core';

/** safeHref allows http(s), mailto and relative links; anything else (javascript:, data:) is dropped. */
export function safeHref(url: string): string | undefined {
  const u = url.trim();
  if (/^(https?:|mailto:)/i.test(u)) return u;
  if (/^[a-z][a-z0-9+.-]*:/i.test(u)) return undefined;
  if (u.startsWith('//')) return undefined;
  return u;
}

const INLINE = /(`[^`]+`)|(\*\*[^*]+\*\*)|(__[^_]+__)|(\*[^*\s][^*]*\*)|(_[^_\s][^_]*_)|(\[[^\]]+\]\([^)\s]+\))|(https?:\/\/[^\s<>()]+)/g;

export function renderInline(text: string, keyPrefix = 'i'): ReactNode[] {
  const out: ReactNode[] = [];
  let last = 0;
  let n = 0;
  for (const m of text.matchAll(INLINE)) {
    const idx = m.index ?? 0;
    if (idx > last) out.push(<Fragment key={`${keyPrefix}${n++}`}>{text.slice(last, idx)}</Fragment>);
    const s = m[0];
    const k = `${keyPrefix}${n++}`;
    if (m[1]) out.push(<Code key={k}>{s.slice(1, -1)}</Code>);
    else if (m[2] || m[3]) out.push(<strong key={k}>{renderInline(s.slice(2, -2), k)}</strong>);
    else if (m[4] || m[5]) out.push(<em key={k}>{renderInline(s.slice(1, -1), k)}</em>);
    else if (m[6]) {
      const close = s.indexOf('](');
      const label = s.slice(1, close);
      const href = safeHref(s.slice(close + 2, -1));
      out.push(
        href ? (
          <Anchor key={k} href={href} target="_blank" rel="noopener noreferrer">
            {label}
          </Anchor>
        ) : (
          <Fragment key={k}>{label}</Fragment>
        ),
      );
    } else if (m[7]) {
      out.push(
        <Anchor key={k} href={s} target="_blank" rel="noopener noreferrer">
          {s}
        </Anchor>,
      );
    }
    last = idx + s.length;
  }
  if (last < text.length) out.push(<Fragment key={`${keyPrefix}${n++}`}>{text.slice(last)}</Fragment>);
  return out;
}

type Block =
  | { kind: 'h'; level: number; text: string }
  | { kind: 'p'; text: string }
  | { kind: 'ul' | 'ol'; items: string[] }
  | { kind: 'code'; lang: string; text: string }
  | { kind: 'quote'; text: string }
  | { kind: 'hr' };

export function parseBlocks(src: string): Block[] {
  const lines = src.replace(/\r\n?/g, '\n').split('\n');
  const blocks: Block[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (/^\s*$/.test(line)) {
      i++;
      continue;
    }
    const fence = /^\s*(```|~~~)\s*([\w+-]*)\s*$/.exec(line);
    if (fence) {
      const body: string[] = [];
      i++;
      while (i < lines.length && !lines[i].trim().startsWith(fence[1])) body.push(lines[i++]);
      i++;
      blocks.push({ kind: 'code', lang: fence[2], text: body.join('\n') });
      continue;
    }
    const h = /^(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line);
    if (h) {
      blocks.push({ kind: 'h', level: h[1].length, text: h[2] });
      i++;
      continue;
    }
    if (/^\s*([-*_])(\s*\1){2,}\s*$/.test(line)) {
      blocks.push({ kind: 'hr' });
      i++;
      continue;
    }
    if (/^\s*[-*+]\s+/.test(line)) {
      const items: string[] = [];
      while (i < lines.length && /^\s*[-*+]\s+/.test(lines[i])) items.push(lines[i++].replace(/^\s*[-*+]\s+/, ''));
      blocks.push({ kind: 'ul', items });
      continue;
    }
    if (/^\s*\d+[.)]\s+/.test(line)) {
      const items: string[] = [];
      while (i < lines.length && /^\s*\d+[.)]\s+/.test(lines[i])) items.push(lines[i++].replace(/^\s*\d+[.)]\s+/, ''));
      blocks.push({ kind: 'ol', items });
      continue;
    }
    if (/^\s*>/.test(line)) {
      const body: string[] = [];
      while (i < lines.length && /^\s*>/.test(lines[i])) body.push(lines[i++].replace(/^\s*>\s?/, ''));
      blocks.push({ kind: 'quote', text: body.join(' ') });
      continue;
    }
    const para: string[] = [];
    while (
      i < lines.length &&
      !/^\s*$/.test(lines[i]) &&
      !/^(#{1,6})\s/.test(lines[i]) &&
      !/^\s*(```|~~~)/.test(lines[i]) &&
      !/^\s*[-*+]\s+/.test(lines[i]) &&
      !/^\s*>/.test(lines[i])
    )
      para.push(lines[i++].trim());
    blocks.push({ kind: 'p', text: para.join(' ') });
  }
  return blocks;
}

/** Markdown renders markdown text safely (no raw HTML). */
export function Markdown({ text }: { text: string }) {
  const blocks = parseBlocks(text);
  return (
    <div className="atrium-markdown">
      {blocks.map((b, i) => {
        const k = `b${i}`;
        switch (b.kind) {
          case 'h':
            return (
              <Title key={k} order={Math.min(6, b.level + 2) as 3 | 4 | 5 | 6} mt="xs" mb={4}>
                {renderInline(b.text, k)}
              </Title>
            );
          case 'ul':
          case 'ol':
            return (
              <List key={k} type={b.kind === 'ol' ? 'ordered' : 'unordered'} size="sm" mb="xs">
                {b.items.map((it, j) => (
                  <List.Item key={j}>{renderInline(it, `${k}-${j}`)}</List.Item>
                ))}
              </List>
            );
          case 'code':
            return (
              <Code key={k} block mb="xs">
                {b.text}
              </Code>
            );
          case 'quote':
            return (
              <Text key={k} size="sm" c="dimmed" pl="sm" mb="xs" style={{ borderLeft: '3px solid var(--mantine-color-default-border)' }}>
                {renderInline(b.text, k)}
              </Text>
            );
          case 'hr':
            return <hr key={k} />;
          default:
            return (
              <Text key={k} size="sm" mb="xs">
                {renderInline(b.text, k)}
              </Text>
            );
        }
      })}
    </div>
  );
}

/** markdownToPlain strips markup for one-line previews (table cells). */
export function markdownToPlain(text: string): string {
  return text
    .replace(/```[\s\S]*?```/g, ' ')
    .replace(/\[([^\]]+)\]\([^)]*\)/g, '$1')
    .replace(/[#>*_`~]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}
