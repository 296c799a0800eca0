import { Fragment } from 'react';

/**
 * Snippet renders a search snippet whose matches are wrapped in <mark>…</mark>.
 * The rest is plain stored text (not HTML-escaped), so it is rendered as text
 * and only the markers become highlights.
 */
export function Snippet({ text }: { text: string }) {
  const parts = text.split(/(<mark>[\s\S]*?<\/mark>)/g);
  return (
    <>
      {parts.map((p, i) =>
        p.startsWith('<mark>') && p.endsWith('</mark>') ? (
          <mark key={i} className="search-hit">
            {p.slice(6, -7)}
          </mark>
        ) : (
          <Fragment key={i}>{p}</Fragment>
        ),
      )}
    </>
  );
}
