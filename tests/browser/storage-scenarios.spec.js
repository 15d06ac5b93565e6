// storage-scenarios.spec.js — the storage-level kill scenario of
// tests/node/storage-helpers/browser-scenarios.js in each engine's real
// IndexedDB: a tab commits a log record and writes a 3 MB checkpoint (several
// chunk transactions) again and again, and is killed (Chromium: a renderer
// crash) at a different delay after a checkpoint each round. A fresh tab must
// then load a complete state holding at least every commit the dead tab had
// finished, and its writable open must leave the current generation only.
import { test, expect } from './fixtures.js';
import { openHarness, uniqueName } from './lib/scenario.js';

// Delays (ms) after the awaited checkpoint: at once (the next commit), and
// inside the next checkpoint (one takes some hundreds of ms).
const ROUNDS = [{ after: 1, delay: 0 }, { after: 2, delay: 120 }];

test('a tab killed while committing and checkpointing in a loop leaves a complete state, each time', async ({ tabs }, testInfo) => {
  const name = uniqueName(testInfo, 'scenario');
  const seen = [];
  let lastSeq = 0;
  let tab = await openHarness(tabs);
  for (const round of ROUNDS) {
    await tab.start(async (name) => {
      const { checkpointLoop } = await import('/tests/node/storage-helpers/browser-scenarios.js');
      const progress = { commits: 0, checkpoints: 0, error: null };
      window.harness.state.scenario = progress;
      checkpointLoop(name, undefined, progress).catch((err) => { progress.error = `${err.code}: ${err.message}`; });
    }, name);
    await tab.waitFor((after) => {
      const p = window.harness.state.scenario;
      if (p && p.error) return { fatal: p.error };
      return p && p.checkpoints >= after;
    }, round.after, { interval: 10, message: `${round.after} checkpoints` });
    if (round.delay) await new Promise((r) => setTimeout(r, round.delay));
    const progress = await tab.evaluate(() => ({ ...window.harness.state.scenario }));
    await tab.kill();

    tab = await openHarness(tabs);
    const found = await tab.evaluate(async (name) => {
      const { inspectAfterKill } = await import('/tests/node/storage-helpers/browser-scenarios.js');
      for (let tries = 0; ; tries++) {
        try {
          return await inspectAfterKill(name);
        } catch (err) {
          // the dead tab's Web Lock may take a moment to be released
          if (err.code !== 'LOCKED' || tries >= 100) throw err;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    }, name);
    const where = `round ${seen.length + 1} (${JSON.stringify(found)})`;
    expect(found.ok, where).toBe(true);
    expect(found.missing, where).toBeUndefined();
    const foundSeq = found.snapshotSeq + found.logRecords;
    // Every commit the dead tab saw complete is there (seq counts commits).
    expect(foundSeq, where).toBeGreaterThanOrEqual(lastSeq + progress.commits);
    expect(found.generation, where).toBeGreaterThanOrEqual(1);
    lastSeq = foundSeq;
    seen.push(`g${found.generation} seq ${foundSeq}, orphans of ${JSON.stringify(found.generationsBefore.filter((g) => g !== found.generation))}`);
  }
  testInfo.annotations.push({ type: 'kills', description: seen.join('; ') });
});
