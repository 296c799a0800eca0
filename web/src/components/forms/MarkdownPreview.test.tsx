import { describe, expect, it } from 'vitest';
import { render } from '@testing-library/react';
import { MantineProvider } from '@mantine/core';
import { MarkdownPreview } from './MarkdownPreview';

function html(md: string) {
  const { container } = render(
    <MantineProvider env="test">
      <MarkdownPreview value={md} />
    </MantineProvider>,
  );
  return container;
}

describe('MarkdownPreview', () => {
  it('renders headings, lists, code, emphasis and safe links', () => {
    const c = html('# Title\n\nSome **bold**, *it* and `x`.\n\n- one\n- two\n\n```\ncode()\n```\n\n[ok](https://example.com) [bad](javascript:alert(1))');
    expect(c.querySelector('h2')?.textContent).toBe('Title');
    expect(c.querySelector('strong')?.textContent).toBe('bold');
    expect(c.querySelector('em')?.textContent).toBe('it');
    expect([...c.querySelectorAll('li')].map((l) => l.textContent)).toEqual(['one', 'two']);
    expect(c.querySelector('pre')?.textContent).toContain('code()');
    const links = [...c.querySelectorAll('a')];
    expect(links.map((a) => a.getAttribute('href'))).toEqual(['https://example.com']);
    expect(c.textContent).toContain('bad');
  });

  it('never injects HTML', () => {
    const c = html('<img src=x onerror=alert(1)> <b>hi</b>');
    expect(c.querySelector('img')).toBeNull();
    expect(c.querySelector('b')).toBeNull();
    expect(c.textContent).toContain('<b>hi</b>');
  });
});
