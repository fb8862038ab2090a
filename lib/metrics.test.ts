import { describe, expect, it } from 'vitest';
import { routeLabel } from './metrics';

describe('routeLabel keeps the number of series bounded and paths free of tokens', () => {
  it.each([
    ['/', '/'],
    ['/dashboard', '/dashboard'],
    ['/invoices/0b7f6a52-3c1e-4b8a-9f3e-2d1c0b9a8e7f/pdf', '/invoices/[id]/pdf'],
    ['/invoices/150909022415', '/invoices/[id]'],
    ['/reset-password/Zx8vQ2kLm9PqR4sT6uVw8yA1bC3dE5fG7hJ9', '/reset-password/[id]'],
    ['/secure/activate/abcdefghijklmnopqrstuvwxyz0123456789', '/secure/activate/[id]'],
    ['/_next/static/chunks/app.js', '/_next'],
    ['/wp-admin/<script>', 'other'],
    ['/a/b/c/d/e/f/g', 'other'],
  ])('%s → %s', (path, label) => expect(routeLabel(path)).toBe(label));
});
