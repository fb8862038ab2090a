import { describe, expect, it } from 'vitest';
import { safeCallbackPath } from './schemas';

describe('safeCallbackPath', () => {
  it('keeps paths of this site, with their query and fragment', () => {
    expect(safeCallbackPath('/licensed-emails?q=ann&sort=email#top')).toBe('/licensed-emails?q=ann&sort=email#top');
    expect(safeCallbackPath('/secure/messages/1', '/secure/inbox', '/secure/')).toBe('/secure/messages/1');
  });

  it('never leads to another origin, however the address is dressed up', () => {
    for (const value of [
      'https://example.org/',
      '//example.org/phish',
      '/\\example.org',
      '/\t/example.org/phish',
      '/\n/example.org',
      '/\r\n/example.org',
      '\t//example.org',
      '/%09/example.org',
      'javascript:alert(1)',
      '',
      undefined,
    ]) {
      const path = safeCallbackPath(value);
      expect(new URL(path, 'https://app.example').origin).toBe('https://app.example');
      if (value && value.includes('example.org')) expect(path).toBe(value === '/%09/example.org' ? '/%09/example.org' : '/dashboard');
    }
  });

  it('sends sign-in and API paths, and paths outside `within`, to the fallback', () => {
    expect(safeCallbackPath('/login?callbackUrl=/x')).toBe('/dashboard');
    expect(safeCallbackPath('/api/auth/signout')).toBe('/dashboard');
    expect(safeCallbackPath('/dashboard', '/secure/inbox', '/secure/')).toBe('/secure/inbox');
    expect(safeCallbackPath('/secure/../dashboard', '/secure/inbox', '/secure/')).toBe('/secure/inbox');
    expect(safeCallbackPath('/secure/../\t/example.org', '/secure/inbox', '/secure/')).toBe('/secure/inbox');
  });
});
