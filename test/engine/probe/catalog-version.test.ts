// Which shipped catalog a kernel predicts with: its own, else the newest not newer than it.
import { describe, expect, it } from 'vitest';
import { catalogVersionFor } from '../../../engine/probe';

describe('catalogVersionFor', () => {
  const shipped = ['6.12', '6.1'];
  it('takes the kernel own catalog, comparing versions as numbers', () => {
    expect(catalogVersionFor('6.1', shipped)).toBe('6.1');
    expect(catalogVersionFor('6.12', shipped)).toBe('6.12');
    expect(catalogVersionFor('6.6', shipped)).toBe('6.1');
    expect(catalogVersionFor('v6.14.2', shipped)).toBe('6.12');
  });
  it('falls back to the oldest for older kernels and to the newest for a name', () => {
    expect(catalogVersionFor('5.10', shipped)).toBe('6.1');
    expect(catalogVersionFor('latest', shipped)).toBe('6.12');
    expect(catalogVersionFor('6.1', [])).toBeNull();
  });
});
