// A `node:fs/promises` wrapper that makes the process "die" at the n-th file
// system call: that call fails (a write is cut in half first, as a torn
// write would be), and every later call fails too, so no cleanup code can
// run, exactly as after a crash. All calls before it go to the real file
// system. `enospc` instead makes writes fail with ENOSPC and nothing else;
// `damage` makes the disk store a write with one byte changed, and report
// success (a bad sector, a faulty controller).

import * as realFs from 'node:fs/promises';

/**
 * @param {{ crashAt?: number, enospc?: (path: string) => boolean, damage?: (path: string) => boolean }} plan
 */
export function faultyFs(plan = {}) {
  let calls = 0;
  let dead = false;
  const ops = [];
  const crash = (what) => {
    dead = true;
    const err = new Error(`simulated crash at call ${calls} (${what})`);
    err.code = 'ESIMCRASH';
    return err;
  };
  /** Counts one call; throws if the process is (now) dead. */
  const step = (what) => {
    if (dead) throw crash(what);
    calls++;
    ops.push(what);
    if (calls === plan.crashAt) throw crash(what);
  };

  const wrapHandle = (fh, path) => ({
    async writeFile(data) {
      if (!dead && calls + 1 === plan.crashAt) {
        // a torn write: half of it reached the file
        await fh.writeFile(data.subarray(0, data.byteLength >> 1));
      }
      try { step(`writeFile ${path}`); } catch (err) { await fh.close().catch(() => {}); throw err; }
      if (plan.enospc && plan.enospc(path)) {
        await fh.writeFile(data.subarray(0, data.byteLength >> 1));
        const err = new Error(`ENOSPC: no space left on device, write '${path}'`);
        err.code = 'ENOSPC';
        throw err;
      }
      if (plan.damage && plan.damage(path) && data.byteLength > 0) {
        const bad = Uint8Array.from(data);
        bad[bad.byteLength >> 1] ^= 0x10;
        return fh.writeFile(bad);
      }
      return fh.writeFile(data);
    },
    async sync() {
      try { step(`sync ${path}`); } catch (err) { await fh.close().catch(() => {}); throw err; }
      return fh.sync();
    },
    async close() {
      // The OS closes a dead process's files: do that, then report the crash.
      if (dead) { await fh.close().catch(() => {}); throw crash(`close ${path}`); }
      try { step(`close ${path}`); } catch (err) { await fh.close().catch(() => {}); throw err; }
      return fh.close();
    },
  });

  const fs = {
    async open(path, flags) { step(`open ${flags} ${path}`); return wrapHandle(await realFs.open(path, flags), path); },
    async readFile(path) { step(`readFile ${path}`); return realFs.readFile(path); },
    async readdir(path) { step(`readdir ${path}`); return realFs.readdir(path); },
    async rename(from, to) { step(`rename ${from} ${to}`); return realFs.rename(from, to); },
    async unlink(path) { step(`unlink ${path}`); return realFs.unlink(path); },
    async mkdir(path, options) { step(`mkdir ${path}`); return realFs.mkdir(path, options); },
    async rm(path, options) { step(`rm ${path}`); return realFs.rm(path, options); },
    async stat(path) { step(`stat ${path}`); return realFs.stat(path); },
  };
  return { fs, ops, get dead() { return dead; }, get calls() { return calls; } };
}
