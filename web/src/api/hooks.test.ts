import { describe, expect, it } from 'vitest';
import { normalizeMe, normalizeProviders } from './hooks';

describe('auth answers', () => {
  it('reads the user, roles and teams from /v1/auth/me', () => {
    const me = normalizeMe({
      ok: true,
      user: { email: 'ada@example.com', firstName: 'Ada', lastName: 'Lovelace', roles: [{ name: 'Member' }], teams: [{ name: 'pay' }] },
      roles: ['Member', 'service-moderator'],
      teams: ['pay', 'core'],
    });
    expect(me).toEqual({
      email: 'ada@example.com',
      name: 'Ada Lovelace',
      roles: ['Member', 'service-moderator'],
      teams: ['pay', 'core'],
      anonymous: false,
    });
  });

  it('falls back to the user document and spots the anonymous Admin', () => {
    const me = normalizeMe({ ok: true, user: { email: 'anonymous', roles: [{ name: 'Admin' }], teams: [] }, roles: [], teams: [] });
    expect(me).toMatchObject({ email: 'anonymous', name: undefined, roles: ['Admin'], teams: [], anonymous: true });
  });

  it('reads providers strictly', () => {
    expect(normalizeProviders({ ok: true, local: true, oidc: false })).toEqual({ local: true, oidc: false });
    expect(normalizeProviders({ ok: true, local: false, oidc: true })).toEqual({ local: false, oidc: true });
    expect(normalizeProviders({ ok: true })).toEqual({ local: false, oidc: false });
  });
});
