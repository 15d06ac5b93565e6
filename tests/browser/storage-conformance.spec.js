// storage-conformance.spec.js — the storage interface's conformance cases
// (tests/node/storage-helpers/conformance-cases.js, which Node runs against
// MemoryStorage, NodeFileStorage and fake-indexeddb) run here against each
// engine's real IndexedDB, with real Web Locks. Every case gets its own
// database-name prefix; "reopen" is a second IndexedDbStorage over it.
import { test, expect } from './fixtures.js';
import { openHarness } from './lib/scenario.js';

test('IndexedDbStorage passes the storage conformance cases in this engine', async ({ tabs }) => {
  const tab = await openHarness(tabs);
  const results = await tab.evaluate(async () => {
    const { runCases } = await import('/tests/node/storage-helpers/conformance-cases.js');
    const { IndexedDbStorage } = await import('/js/storage/index.js');
    let n = 0;
    return runCases(() => {
      const prefix = `conformance-${++n}:`;
      return {
        storage: new IndexedDbStorage({ prefix }),
        reopen: () => new IndexedDbStorage({ prefix }),
        cleanup: () => window.harness.deleteDatabases(prefix),
      };
    });
  });
  expect(results.length).toBeGreaterThan(10);
  const failed = results.filter((r) => !r.ok).map((r) => `${r.name}\n${r.error}`);
  expect(failed, `${failed.length} of ${results.length} cases failed`).toEqual([]);
  test.info().annotations.push({ type: 'cases', description: String(results.length) });
});
