// A small, safe Markdown preview for the markdown property editor: headings,
// lists, code blocks, quotes, paragraphs, and inline code, bold, italic and
// http(s)/mailto links. React elements only; no HTML is ever injected.
import type { ReactNode } from 'react';
import { Anchor, Code, List, Text, Title, Typography } from '@mantine/core';

const INLINE = /(`[^`]+`)|(\*\*[^*]+\*\*)|(\*[^*\s][^*]*\*|_[^_\s][^_]*_)|(\[[^\]]+\]\([^)\s]+\))/;

export function inline(text: string, keyBase = 'i'): ReactNode[] {
  const out: ReactNode[] = [];
  let rest = text;
  let n = 0;
  while (rest) {
    const m = INLINE.exec(rest);
    if (!m) {
      out.push(rest);
      break;
    }
    if (m.index > 0) out.push(rest.slice(0, m.index));
    const tok = m[0];
    const key = `${keyBase}-${n++}`;
    if (m[1]) out.push(<Code key={key}>{tok.slice(1, -1)}</Code>);
    else if (m[2]) out.push(<strong key={key}>{inline(tok.slice(2, -2), key)}</strong>);
    else if (m[3]) out.push(<em key={key}>{inline(tok.slice(1, -1), key)}</em>);
    else {
      const lm = /^\[([^\]]+)\]\(([^)\s]+)\)$/.exec(tok)!;
      const href = lm[2]!;
      out.push(
        /^(https?:|mailto:)/i.test(href) ? (
          <Anchor key={key} href={href} target="_blank" rel="noreferrer noopener">
            {lm[1]}
          </Anchor>
        ) : (
          lm[1]
        ),
      );
    }
    rest = rest.slice(m.index + tok.length);
  }
  return out;
}

export function renderMarkdown(src: string): ReactNode[] {
  const lines = src.replace(/\r\n/g, '\n').split('\n');
  const out: ReactNode[] = [];
  let i = 0;
  let k = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    if (/^```/.test(line)) {
      const body: string[] = [];
      i++;
      while (i < lines.length && !/^```/.test(lines[i]!)) body.push(lines[i++]!);
      i++;
      out.push(
        <Code block key={k++}>
          {body.join('\n')}
        </Code>,
      );
      continue;
    }
    const h = /^(#{1,6})\s+(.*)$/.exec(line);
    if (h) {
      out.push(
        <Title key={k++} order={Math.min(6, h[1]!.length + 1) as 2 | 3 | 4 | 5 | 6} fz={h[1]!.length <= 2 ? 'lg' : 'md'} mt="xs">
          {inline(h[2]!, `h${k}`)}
        </Title>,
      );
      i++;
      continue;
    }
    if (/^\s*([-*+]|\d+\.)\s+/.test(line)) {
      const ordered = /^\s*\d+\./.test(line);
      const items: string[] = [];
      while (i < lines.length && /^\s*([-*+]|\d+\.)\s+/.test(lines[i]!)) items.push(lines[i++]!.replace(/^\s*([-*+]|\d+\.)\s+/, ''));
      out.push(
        <List key={k++} type={ordered ? 'ordered' : 'unordered'} size="sm">
          {items.map((t, j) => (
            <List.Item key={j}>{inline(t, `l${k}-${j}`)}</List.Item>
          ))}
        </List>,
      );
      continue;
    }
    if (/^>\s?/.test(line)) {
      const q: string[] = [];
      while (i < lines.length && /^>\s?/.test(lines[i]!)) q.push(lines[i++]!.replace(/^>\s?/, ''));
      out.push(<blockquote key={k++}>{inline(q.join(' '), `q${k}`)}</blockquote>);
      continue;
    }
    if (!line.trim()) {
      i++;
      continue;
    }
    const para: string[] = [];
    while (i < lines.length && lines[i]!.trim() && !/^(```|#{1,6}\s|>|\s*([-*+]|\d+\.)\s)/.test(lines[i]!)) para.push(lines[i++]!);
    out.push(
      <Text key={k++} size="sm" my={4}>
        {inline(para.join(' '), `p${k}`)}
      </Text>,
    );
  }
  return out;
}

export function MarkdownPreview({ value }: { value: string }) {
  if (!value.trim()) {
    return (
      <Text size="sm" c="dimmed">
        Nothing to preview.
      </Text>
    );
  }
  return <Typography>{renderMarkdown(value)}</Typography>;
}
