// Registers the storage conformance cases (./conformance-cases.js) with
// node:test, one suite per backend; each case gets a fresh fixture.

import { describe, it } from 'node:test';
import { cases } from './conformance-cases.js';

export { bytesOf, rejectsWith, sameBytes } from './conformance-cases.js';

/**
 * @param {string} label
 * @param {() => Promise<import('./conformance-cases.js').Fixture>} create
 */
export function storageConformance(label, create) {
  describe(`storage conformance: ${label}`, () => {
    for (const c of cases) {
      it(c.name, async () => {
        const fx = await create();
        try {
          await c.run(fx);
        } finally {
          if (fx.cleanup) await fx.cleanup();
        }
      });
    }
  });
}
