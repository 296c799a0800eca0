import { describe, expect, it, vi } from 'vitest';
import { fireEvent, screen } from '@testing-library/react';
import { renderWithProviders } from '../../test/render';
import type { Blueprint } from '../../api/types';
import { HistoryDiff, describePath } from './HistoryDiff';
import { AsOfBanner } from './AsOfBanner';
import { formatAbsolute } from '../../lib/time';

const bp = {
  identifier: 'service',
  title: 'Service',
  schema: { properties: { replicas: { type: 'number', title: 'Replicas' }, language: { type: 'string', enum: ['Go', 'Rust'] } }, required: [] },
  mirrorProperties: {},
  calculationProperties: {},
  aggregationProperties: {},
  relations: { dependsOn: { target: 'service', many: true, required: false, title: 'Depends on' } },
} as unknown as Blueprint;

describe('HistoryDiff', () => {
  it('shows each change as old → new with readable field names', () => {
    renderWithProviders(
      <HistoryDiff
        blueprint={bp}
        changes={[
          { path: 'properties.replicas', op: 'replace', from: 1, to: 3 },
          { path: 'title', op: 'replace', from: 'Pay', to: 'Payments' },
          { path: 'relations.dependsOn', op: 'add', to: ['ledger'] },
          { path: 'team', op: 'remove', from: ['pay'] },
        ]}
      />,
    );
    const rows = screen.getAllByTestId('change');
    expect(rows).toHaveLength(4);
    expect(rows[0].textContent).toContain('Replicas');
    expect(rows[0].querySelector('[aria-label="old value"]')?.textContent).toBe('1');
    expect(rows[0].querySelector('[aria-label="new value"]')?.textContent).toBe('3');
    expect(rows[0].textContent).toMatch(/1\s*→\s*3/);
    expect(rows[1].textContent).toMatch(/Pay\s*→\s*Payments/);
    expect(rows[1].textContent).toContain('Title');
    // An add has no old value; a remove no new one.
    expect(rows[2].textContent).toContain('Depends on');
    expect(rows[2].querySelector('[aria-label="old value"]')).toBeNull();
    expect(screen.getByRole('link', { name: 'ledger' }).getAttribute('href')).toBe('/entities/service/ledger');
    expect(rows[3].querySelector('[aria-label="new value"]')).toBeNull();
    expect(rows[3].querySelector('[aria-label="old value"]')?.textContent).toBe('pay');
    expect(rows[3].textContent).toContain('cleared');
  });

  it('says when nothing changed', () => {
    renderWithProviders(<HistoryDiff blueprint={bp} changes={[]} />);
    expect(screen.getByText('No field changed.')).toBeTruthy();
  });

  it('names fields the blueprint no longer has by their path', () => {
    expect(describePath('properties.gone', bp).label).toBe('gone');
    expect(describePath('properties.language', bp).def.enum).toEqual(['Go', 'Rust']);
  });
});

describe('AsOfBanner', () => {
  it('shows the instant and returns to now', () => {
    const back = vi.fn();
    const t = '2026-11-02T10:00:00Z';
    renderWithProviders(<AsOfBanner asOf={t} onBackToNow={back} />);
    const banner = screen.getByRole('status', { name: 'Time travel' });
    expect(banner.textContent).toContain('Showing the entity as of');
    expect(banner.textContent).toContain(formatAbsolute(t));
    expect(banner.querySelector('time')?.getAttribute('datetime')).toBe(t);
    fireEvent.click(screen.getByRole('button', { name: 'Back to now' }));
    expect(back).toHaveBeenCalledTimes(1);
  });

  it('says when the entity did not exist then', () => {
    renderWithProviders(<AsOfBanner asOf="2020-01-01T00:00:00Z" onBackToNow={() => {}} missing />);
    expect(screen.getByRole('status', { name: 'Time travel' }).textContent).toContain('did not exist');
  });
});
