import { describe, expect, it } from 'vitest';
import { screen } from '@testing-library/react';
import { renderWithProviders } from '../../../test/render';
import { PropertyValue, formatCountdown, mantineColor } from './PropertyValue';
import { Markdown, safeHref } from './Markdown';

const r = (ui: React.ReactElement) => renderWithProviders(ui);

describe('PropertyValue', () => {
  it('shows a dash for missing values', () => {
    r(<PropertyValue value={undefined} def={{ type: 'string' }} />);
    expect((screen.getByLabelText('empty'))?.textContent).toContain('—');
  });

  it('renders urls as external links', () => {
    r(<PropertyValue value="https://example.com/x" def={{ type: 'string', format: 'url' }} />);
    const a = screen.getByRole('link', { name: 'https://example.com/x' });
    expect((a)?.getAttribute('href')).toBe('https://example.com/x');
    expect((a)?.getAttribute('rel')).toEqual(expect.stringContaining('noopener'));
  });

  it('does not link javascript: urls', () => {
    r(<PropertyValue value="javascript:alert(1)" def={{ type: 'string', format: 'url' }} />);
    expect(screen.queryByRole('link')).toBeNull();
    expect(screen.getByText('javascript:alert(1)')).toBeTruthy();
  });

  it('renders labeled urls with their display text', () => {
    r(<PropertyValue value={{ url: 'https://grafana.example', displayText: 'Dashboards' }} def={{ type: 'object', format: 'labeled-url' }} />);
    expect((screen.getByRole('link', { name: 'Dashboards' }))?.getAttribute('href')).toBe('https://grafana.example');
  });

  it('renders emails as mailto links', () => {
    r(<PropertyValue value="a@b.io" def={{ type: 'string', format: 'email' }} />);
    expect((screen.getByRole('link', { name: 'a@b.io' }))?.getAttribute('href')).toBe('mailto:a@b.io');
  });

  it('renders dates relative with the absolute date available', () => {
    const t = new Date(Date.now() - 3 * 24 * 3600 * 1000).toISOString();
    const { container } = r(<PropertyValue value={t} def={{ type: 'string', format: 'date-time' }} />);
    expect(screen.getByText(/3 days ago/)).toBeTruthy();
    expect((container.querySelector('time'))?.getAttribute('datetime')).toBe(t);
  });

  it('renders enums in their colors', () => {
    r(<PropertyValue value="prod" def={{ type: 'string', enum: ['prod', 'dev'], enumColors: { prod: 'red' } }} />);
    const badge = screen.getByText('prod').closest('.mantine-Badge-root');
    expect(badge).not.toBeNull();
    expect(badge!.getAttribute('style') ?? '').toContain('red');
    expect(mantineColor('turquoise')).toBe('teal');
  });

  it('renders users and teams as chips linking to their entities', () => {
    r(
      <>
        <PropertyValue value="jo@x.io" def={{ type: 'string', format: 'user' }} />
        <PropertyValue value={['pay', 'core']} def={{ type: 'array', items: { type: 'string', format: 'team' } }} />
      </>,
    );
    expect((screen.getByRole('link', { name: 'jo@x.io' }))?.getAttribute('href')).toBe('/entities/_user/jo%40x.io');
    expect((screen.getByRole('link', { name: 'pay' }))?.getAttribute('href')).toBe('/entities/_team/pay');
    expect((screen.getByRole('link', { name: 'core' }))?.getAttribute('href')).toBe('/entities/_team/core');
  });

  it('renders relations as links to the target entities', () => {
    r(<PropertyValue value={['ledger']} def={{ target: 'service' }} />);
    expect((screen.getByRole('link', { name: 'ledger' }))?.getAttribute('href')).toBe('/entities/service/ledger');
  });

  it('renders timers as countdowns and expired ones as Expired', () => {
    const future = new Date(Date.now() + 2 * 3600 * 1000 + 5 * 60 * 1000).toISOString();
    r(
      <>
        <PropertyValue value={future} def={{ type: 'string', format: 'timer' }} />
        <PropertyValue value="2000-01-01T00:00:00Z" def={{ type: 'string', format: 'timer' }} />
      </>,
    );
    expect(screen.getByText(/2h 4m|2h 5m/)).toBeTruthy();
    expect(screen.getByText('Expired')).toBeTruthy();
    expect(formatCountdown(90_061_000, 0)).toBe('1d 1h 1m');
    expect(formatCountdown(0, 1)).toBe('Expired');
  });

  it('renders booleans and numbers', () => {
    r(
      <>
        <PropertyValue value={true} def={{ type: 'boolean' }} />
        <PropertyValue value={false} def={{ type: 'boolean' }} />
        <PropertyValue value={1234567} def={{ type: 'number' }} />
      </>,
    );
    expect(screen.getByText('✓ Yes')).toBeTruthy();
    expect(screen.getByText('✗ No')).toBeTruthy();
    expect(screen.getByText((1234567).toLocaleString())).toBeTruthy();
  });

  it('renders arrays item by item', () => {
    r(<PropertyValue value={['a', 'b', 'c']} def={{ type: 'array', items: { type: 'string' } }} />);
    for (const s of ['a', 'b', 'c']) expect(screen.getByText(s)).toBeTruthy();
  });

  it('renders yaml and objects in code blocks', () => {
    const { container } = r(
      <>
        <PropertyValue value={'a: 1\nb: 2'} def={{ type: 'string', format: 'yaml' }} />
        <PropertyValue value={{ k: [1, 2] }} def={{ type: 'object' }} />
      </>,
    );
    const pres = container.querySelectorAll('pre');
    expect(pres).toHaveLength(2);
    expect(pres[0].textContent).toBe('a: 1\nb: 2');
    expect(pres[1].textContent).toContain('"k"');
  });

  it('renders markdown', () => {
    const { container } = r(<PropertyValue value={'# Title\n\nSome **bold** and `code`, [docs](https://d.io).\n\n- one\n- two'} def={{ type: 'string', format: 'markdown' }} />);
    expect((container.querySelector('h3'))?.textContent).toContain('Title');
    expect((container.querySelector('strong'))?.textContent).toContain('bold');
    expect((container.querySelector('code'))?.textContent).toContain('code');
    expect((screen.getByRole('link', { name: 'docs' }))?.getAttribute('href')).toBe('https://d.io');
    expect(container.querySelectorAll('li')).toHaveLength(2);
  });
});

describe('Markdown', () => {
  it('never renders raw HTML', () => {
    const { container } = r(<Markdown text={'<img src=x onerror="alert(1)"> <script>alert(2)</script> <b>bold?</b>'} />);
    expect(container.querySelector('img')).toBeNull();
    expect(container.querySelector('script')).toBeNull();
    expect(container.querySelector('b')).toBeNull();
    expect(container.textContent).toContain('<img src=x onerror="alert(1)">');
    expect(container.textContent).toContain('<script>alert(2)</script>');
  });

  it('drops dangerous link targets', () => {
    const { container } = r(<Markdown text={'[click](javascript:alert(1)) [ok](/catalog)'} />);
    const links = container.querySelectorAll('a');
    expect(links).toHaveLength(1);
    expect((links[0])?.getAttribute('href')).toBe('/catalog');
    expect(safeHref('data:text/html,x')).toBeUndefined();
    expect(safeHref('//evil.example')).toBeUndefined();
  });

  it('keeps fenced code as text', () => {
    const { container } = r(<Markdown text={'```\n<b>x</b>\n```'} />);
    expect(container.querySelector('pre')?.textContent).toBe('<b>x</b>');
    expect(container.querySelector('b')).toBeNull();
  });
});
