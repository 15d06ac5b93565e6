// js/worker/channel.js — the shared-memory channel a WorkerEdgeVec uses for
// searches, beside its messages: one SharedArrayBuffer, written by both
// sides, through which a search goes to the worker and its hits come back
// without a postMessage either way. What it saves is the platform's
// message machinery (cloning, queueing and dispatching a message on each
// side); the search, its checks and its errors are the worker's as before.
//
// When it is used (everything else, and every search when it is not, goes
// as a message, ./protocol.js):
//  - where a SharedArrayBuffer can be made and shared (Node; browsers on
//    cross-origin isolated pages), and the calling side has
//    Atomics.waitAsync (it must not block for long: it is usually a
//    page's main thread, which it holds at most CALLER_SPIN_MS per search
//    while it spins for a quick answer); the worker blocks in
//    Atomics.wait, which workers may do;
//  - for a search with nothing else of this index waiting on the worker,
//    whose query is a Float32Array of the index's dimensions, whose k is a
//    whole number up to K_MAX and whose options are none, {} or { ef }
//    with a number;
//  - when the worker is parked: right after answering a search it waits
//    on the channel for the next one for up to IDLE_MS (no longer, so that
//    its timers, storage callbacks and background compaction are not held
//    up), and answers searches there for at most BUSY_MS before it goes
//    back to its event loop. A caller that finds it not parked sends the
//    search as a message, which wakes it as usual. The wait starts with a
//    short spin (SPIN_MS) where that has been catching requests.
//    When BUSY_MS run out while searches keep coming, the worker visits its
//    event loop for one task and stays parked meanwhile: a search put then
//    waits for that task (or is taken before the next message, whichever
//    comes first) instead of going as a message, so that a caller searching
//    without pause never falls back to messages.
//
// Calls keep their order: a search goes through here only when no other
// call is waiting, and the worker leaves the channel as soon as the caller
// has posted a message (POSTED runs ahead of what it has received), so a
// call sent after a search is run after it. The caller settles a search
// answered here before it handles any later message (#receive in
// ./client.js), whichever of the two its event loop delivers first.
//
// Layout of the buffer (all little-endian, the platform's own order):
//   Int32 words at byte 0:
//     [0] STATE     the worker's: RUNNING 0 (in its event loop), PARKED 1
//                   (waiting here, or visiting its event loop for one task
//                   between two parks), REQUEST 2 (a search was put here),
//                   WAKE 3 (the caller posted a message: go back to the
//                   event loop). The worker moves RUNNING -> PARKED and
//                   back; the caller only PARKED -> REQUEST or -> WAKE.
//     [1] POSTED    messages the caller has posted since the channel's own
//     [2] ANSWERED  the id of the latest search answered here (the caller
//                   waits on this word)
//     [3] OUTCOME   of that answer: HITS 1 (below) or BY_MESSAGE 2 (the
//                   search failed and its error comes as a message)
//     [4] CALL      the id of the search put here
//     [5] K         its k
//     [6] OPTIONS   NONE 0 (no options), EMPTY 1 ({}), EF 2 ({ ef })
//     [7] COUNT     hits written
//   Float64 at byte 32:
//     [0] EF        the search's ef (OPTIONS EF)
//     [1] STAMP     the worker's count of answers when STATE_AT was taken
//     [2..5] STATE_AT  size, deletedCount, tombstoneRatio, memoryBytes
//   Float32 at byte QUERY_AT: the query (dims floats)
//   at byte idsAt(dims): K_MAX ids (u64; float64 for idType 'number')
//   then K_MAX float32 distances.

/** Searches with a larger k go as messages. */
export const K_MAX = 1024;
/** How long a worker that answered a search waits here for the next one. */
export const IDLE_MS = 2;
/** How long a worker answers searches here before it returns to its event loop. */
export const BUSY_MS = 8;
/**
 * How long a worker that answered a search spins (reads STATE in a loop)
 * before it sleeps in Atomics.wait. A caller searching back to back puts its
 * next search here well within it, and a spinning worker takes it without
 * the wake-up a sleeping one needs (a system call on the caller's side, a
 * thread to schedule on an idle core on the worker's), the larger part of
 * what the crossing costs. A spin that catches nothing turns spinning off
 * until requests come that quickly again (MAX_BACKOFF).
 */
const SPIN_MS = 0.1;
/**
 * After a spin that caught nothing, spinning resumes once a request comes
 * within SPIN_MS of the previous answer, then after 2, 4, … such requests
 * each further time, at most this many: where the caller cannot run while
 * this thread spins (one free core for both), a spin only delays it, so it
 * is tried rarely; a spin that catches a request resets the count.
 */
const MAX_BACKOFF = 64;

/**
 * Whether a side of the channel spins before it waits: on until a spin
 * catches nothing, then off for 1, 2, 4, … MAX_BACKOFF chances (what counts
 * as one is the side's own), on again after them; a spin that catches
 * something starts the count again at one.
 */
class SpinBackoff {
  spinning = true;
  /** Chances still to pass before spinning resumes. */
  #owed = 0;
  /** What #owed is set to after the next spin that catches nothing. */
  #backoff = 1;

  /** A chance passed without spinning: spinning resumes after the last one owed. */
  pass() {
    if (!this.spinning && --this.#owed <= 0) this.spinning = true;
  }

  caught() {
    this.#backoff = 1;
  }

  missed() {
    this.spinning = false;
    this.#owed = this.#backoff;
    this.#backoff = Math.min(this.#backoff * 2, MAX_BACKOFF);
  }
}

/**
 * How long the caller spins for a search's answer before it waits in
 * Atomics.waitAsync. Waking a caller from its event loop costs a system
 * call and, on a core that went idle, the time to run that core again; a
 * search answered within the spin is taken without it. The calling thread
 * (a page's main thread) is held at most this long per search; a spin that
 * catches nothing turns the caller's spinning off as the worker's does.
 */
const CALLER_SPIN_MS = 0.5;
/**
 * A search answered during the spin settles in a microtask, so a caller
 * that awaits searches in a loop would run on without returning to its
 * event loop: its task would grow with every search. Once this much spin
 * has been spent in one task of the caller, the next searches wait for
 * their answers without spinning, which returns to the event loop; a
 * timer started at the first spin of a task marks the next task.
 */
const CALLER_TASK_SPIN_MS = 4;

const STATE = 0, POSTED = 1, ANSWERED = 2, OUTCOME = 3, CALL = 4, K = 5, OPTIONS = 6, COUNT = 7;
const RUNNING = 0, PARKED = 1, REQUEST = 2, WAKE = 3;
const HITS = 1, BY_MESSAGE = 2;
const NONE = 0, EMPTY = 1, EF = 2;
const F64_AT = 32;
const EF_SLOT = 0, STAMP_SLOT = 1, STATE_SLOT = 2;
const QUERY_AT = F64_AT + 8 * 6;

/** @param {number} dims @returns {number} */
const idsAt = (dims) => Math.ceil((QUERY_AT + 4 * dims) / 8) * 8;

/**
 * @typedef {object} Views
 * @property {Int32Array} words
 * @property {Float64Array} f64
 * @property {Float32Array} query
 * @property {Float64Array | BigUint64Array} ids
 * @property {Float32Array} distances
 */

/**
 * @param {SharedArrayBuffer} buffer
 * @param {number} dims
 * @param {boolean} numberIds
 * @returns {Views}
 */
function viewsOf(buffer, dims, numberIds) {
  const at = idsAt(dims);
  return {
    words: new Int32Array(buffer, 0, 8),
    f64: new Float64Array(buffer, F64_AT, 6),
    query: new Float32Array(buffer, QUERY_AT, dims),
    ids: numberIds ? new Float64Array(buffer, at, K_MAX) : new BigUint64Array(buffer, at, K_MAX),
    distances: new Float32Array(buffer, at + 8 * K_MAX, K_MAX),
  };
}

const nodeProcess = /** @type {{ process?: { versions?: { node?: string } } }} */ (globalThis).process;
const IS_NODE = typeof nodeProcess?.versions?.node === 'string';

/**
 * @typedef {(words: Int32Array, index: number, value: number) =>
 *   { async: false, value: string } | { async: true, value: Promise<string> }} WaitAsync
 */

/** @returns {WaitAsync | undefined} Atomics.waitAsync, where the engine has it */
function waitAsyncOf() {
  const fn = /** @type {{ waitAsync?: WaitAsync }} */ (/** @type {unknown} */ (Atomics)).waitAsync;
  return typeof fn === 'function' ? fn : undefined;
}

/**
 * Whether this side can have a channel: shared memory it may send, and a
 * wait that does not block.
 * @returns {boolean}
 */
export function channelAvailable() {
  if (typeof SharedArrayBuffer !== 'function' || !waitAsyncOf()) return false;
  return IS_NODE || /** @type {{ crossOriginIsolated?: boolean }} */ (globalThis).crossOriginIsolated === true;
}

/**
 * @typedef {object} ChannelMessage  what the caller posts once to hand the
 *   worker the channel (the first message counted by neither side)
 * @property {SharedArrayBuffer} channel
 */

/** @typedef {import('./protocol.js').IndexState} IndexState */
/** @typedef {{ id: bigint | number, distance: number }} Hit */

/** The calling side of a channel (./client.js). */
export class ChannelClient {
  /** @type {SharedArrayBuffer} */
  buffer;
  /** @type {Views} */
  #v;
  #dims;
  #numberIds;
  /** The search put here and not yet settled, 0 if none. */
  #waiting = 0;
  #closed = false;
  /** @type {WaitAsync} */
  #waitAsync;
  #spinMs;
  #taskSpinMs;
  /** Spin spent since the caller's current task began. */
  #spentThisTask = 0;
  /** Whether a timer will mark the caller's next task. */
  #taskTimer = false;
  /** Whether to spin for the answer before waiting (see CALLER_SPIN_MS); a
   * chance is a search. */
  #spin = new SpinBackoff();

  /**
   * @param {number} dims
   * @param {boolean} numberIds  idType 'number': ids cross as float64
   * @param {{ spinMs?: number, taskSpinMs?: number }} [spin]  the spin's
   *   bounds, CALLER_SPIN_MS and CALLER_TASK_SPIN_MS unless given (tests)
   */
  constructor(dims, numberIds, { spinMs = CALLER_SPIN_MS, taskSpinMs = CALLER_TASK_SPIN_MS } = {}) {
    this.#spinMs = spinMs;
    this.#taskSpinMs = taskSpinMs;
    this.buffer = new SharedArrayBuffer(idsAt(dims) + 12 * K_MAX);
    this.#v = viewsOf(this.buffer, dims, numberIds);
    this.#dims = dims;
    this.#numberIds = numberIds;
    this.#waitAsync = /** @type {WaitAsync} */ (waitAsyncOf());
  }

  /**
   * Puts a search here if the channel can carry it and the worker is
   * parked; false leaves it to a message.
   * @param {number} id
   * @param {unknown[]} args  search's (query, k, options)
   * @returns {boolean}
   */
  trySearch(id, args) {
    if (this.#closed || this.#waiting !== 0 || args.length > 3) return false;
    const [query, k, options] = args;
    if (!(query instanceof Float32Array) || query.length !== this.#dims) return false;
    if (typeof k !== 'number' || !Number.isInteger(k) || k < 1 || k > K_MAX) return false;
    let mode = NONE, ef = 0;
    if (options !== undefined) {
      if (options === null || typeof options !== 'object' || Object.getPrototypeOf(options) !== Object.prototype) {
        return false;
      }
      const keys = Object.keys(options);
      if (keys.length === 0) mode = EMPTY;
      else if (keys.length === 1 && keys[0] === 'ef' && typeof (/** @type {{ ef?: unknown }} */ (options).ef) === 'number') {
        mode = EF;
        ef = /** @type {{ ef: number }} */ (options).ef;
      } else return false;
    }
    const { words, f64 } = this.#v;
    if (Atomics.load(words, STATE) !== PARKED) return false;
    // Written before the worker may look: it reads them only after it sees
    // REQUEST, which the exchange below publishes.
    this.#v.query.set(query);
    words[CALL] = id;
    words[K] = k;
    words[OPTIONS] = mode;
    f64[EF_SLOT] = ef;
    if (Atomics.compareExchange(words, STATE, PARKED, REQUEST) !== PARKED) return false;
    Atomics.notify(words, STATE);
    this.#waiting = id;
    return true;
  }

  /**
   * Settles when the worker has answered search `id`: 'hits' (read them
   * with hits() and state()), 'message' (its error comes as a message) or
   * 'closed' (the channel was closed first).
   * @param {number} id
   * @returns {Promise<'hits' | 'message' | 'closed'>}
   */
  async answer(id) {
    const { words } = this.#v;
    this.#spinFor(words, id);
    for (;;) {
      if (this.#closed) return 'closed';
      const answered = Atomics.load(words, ANSWERED);
      if (answered === id) return Atomics.load(words, OUTCOME) === HITS ? 'hits' : 'message';
      const r = this.#waitAsync(words, ANSWERED, answered);
      if (r.async) await r.value;
    }
  }

  /**
   * Spins (when spinning pays here, see CALLER_SPIN_MS, and this task of
   * the caller has spin left, see CALLER_TASK_SPIN_MS) until search `id`
   * is answered or CALLER_SPIN_MS pass.
   * @param {Int32Array} words
   * @param {number} id
   */
  #spinFor(words, id) {
    if (this.#spentThisTask >= this.#taskSpinMs) return;
    if (!this.#spin.spinning) {
      this.#spin.pass();
      return;
    }
    if (!this.#taskTimer) {
      this.#taskTimer = true;
      setTimeout(() => {
        this.#taskTimer = false;
        this.#spentThisTask = 0;
      }, 0);
    }
    const start = performance.now();
    const end = start + this.#spinMs;
    for (let i = 1; ; i++) {
      if (Atomics.load(words, ANSWERED) === id) {
        this.#spentThisTask += performance.now() - start;
        this.#spin.caught();
        return;
      }
      if ((i & 15) === 0 && performance.now() >= end) break;
    }
    this.#spentThisTask += performance.now() - start;
    // The answer takes longer than a spin: searches this slow (a large
    // index or ef, or a worker busy elsewhere) wait without spinning, and
    // spinning is tried again after more searches each time.
    this.#spin.missed();
  }

  /**
   * How search `id` (put here) has been answered by now, if it has: a
   * message read after that was posted after the answer.
   * @param {number} id
   * @returns {'hits' | 'message' | null}
   */
  answered(id) {
    const { words } = this.#v;
    if (Atomics.load(words, ANSWERED) !== id) return null;
    return words[OUTCOME] === HITS ? 'hits' : 'message';
  }

  /** Search `id` is settled: the next one may be put here. @param {number} id */
  done(id) {
    if (this.#waiting === id) this.#waiting = 0;
  }

  /** @returns {Hit[]} the hits of the search answered here */
  hits() {
    const { words, ids, distances } = this.#v;
    const n = words[COUNT];
    /** @type {Hit[]} */
    const out = new Array(n);
    for (let i = 0; i < n; i++) out[i] = { id: ids[i], distance: distances[i] };
    return out;
  }

  /** @returns {{ stamp: number, state: IndexState }} the counts that came with it */
  state() {
    const f = this.#v.f64;
    return {
      stamp: f[STAMP_SLOT],
      state: { size: f[STATE_SLOT], deletedCount: f[STATE_SLOT + 1], tombstoneRatio: f[STATE_SLOT + 2],
        memoryBytes: f[STATE_SLOT + 3] },
    };
  }

  /**
   * Before each message the caller posts: counted, so that a parked
   * worker knows to go back to its event loop.
   */
  willPost() {
    if (!this.#closed) Atomics.add(this.#v.words, POSTED, 1);
  }

  /** After it: wakes the worker if it is parked. */
  posted() {
    const { words } = this.#v;
    if (!this.#closed && Atomics.compareExchange(words, STATE, PARKED, WAKE) === PARKED) {
      Atomics.notify(words, STATE);
    }
  }

  /** The worker is gone or going: releases a wait on an answer. */
  close() {
    if (this.#closed) return;
    this.#closed = true;
    Atomics.store(this.#v.words, ANSWERED, -1);
    Atomics.notify(this.#v.words, ANSWERED);
  }
}

/**
 * @typedef {object} ServedSearch
 * @property {number} call
 * @property {[Float32Array, number, ({ ef?: number } | undefined)]} args
 */

/** The worker's side of a channel (./worker.js). */
export class ChannelServer {
  /** @type {Views} */
  #v;
  /** Messages received since the channel's own. */
  received = 0;
  /** Whether to spin for the next request before sleeping (see SPIN_MS); a
   * chance is a request that came within SPIN_MS of the previous answer. */
  #spin = new SpinBackoff();
  #idleMs;
  #busyMs;

  /**
   * @param {SharedArrayBuffer} buffer
   * @param {number} dims
   * @param {boolean} numberIds
   * @param {{ idleMs?: number, busyMs?: number }} [bounds]  IDLE_MS and
   *   BUSY_MS unless given (tests)
   */
  constructor(buffer, dims, numberIds, { idleMs = IDLE_MS, busyMs = BUSY_MS } = {}) {
    this.#v = viewsOf(buffer, dims, numberIds);
    this.#idleMs = idleMs;
    this.#busyMs = busyMs;
  }

  /**
   * Waits here for searches and runs `serve` on each, until a message is
   * posted, IDLE_MS pass with none, or BUSY_MS have passed; then returns
   * (to the event loop, which delivers the messages).
   *
   * Returns true when it stopped because BUSY_MS ran out: the worker is
   * left parked, so the caller may put its next search here while the
   * event loop runs, and should park again after one task (a search put
   * meanwhile is taken first). Before then, any message is preceded by
   * takeWaiting().
   * @param {(search: ServedSearch) => void} serve  answers it with
   *   answerHits or answerByMessage
   * @returns {boolean}
   */
  park(serve) {
    const { words } = this.#v;
    const until = performance.now() + this.#busyMs;
    let answeredAt = performance.now();
    if (this.takeWaiting(serve)) {
      answeredAt = performance.now();
      if (answeredAt >= until) return this.#leaveParked();
    }
    for (;;) {
      if (Atomics.load(words, POSTED) !== this.received) return false;
      Atomics.store(words, STATE, PARKED);
      // A message posted after the check above finds PARKED and wakes us;
      // one posted before it is seen by this second check.
      if (Atomics.load(words, POSTED) === this.received && !this.#spinFor(words)) {
        Atomics.wait(words, STATE, PARKED, this.#idleMs);
      }
      const was = Atomics.exchange(words, STATE, RUNNING);
      if (was !== REQUEST) return false;
      if (!this.#spin.spinning && performance.now() - answeredAt < SPIN_MS) this.#spin.pass();
      serve(this.#request());
      answeredAt = performance.now();
      if (answeredAt >= until) return this.#leaveParked();
    }
  }

  /**
   * Ends a park whose busy time ran out, leaving the worker parked for the
   * caller's next search (see park). A message posted before the store is
   * already counted, and the event loop handles it next: false.
   * @returns {boolean}
   */
  #leaveParked() {
    const { words } = this.#v;
    Atomics.store(words, STATE, PARKED);
    return Atomics.load(words, POSTED) === this.received;
  }

  /**
   * Takes the worker off the channel (RUNNING), first answering the search
   * put here while it was left parked by park(), if there is one: it was put
   * before any message not yet handled, so it goes first.
   * @param {(search: ServedSearch) => void} serve
   * @returns {boolean} whether there was one
   */
  takeWaiting(serve) {
    if (Atomics.exchange(this.#v.words, STATE, RUNNING) !== REQUEST) return false;
    serve(this.#request());
    return true;
  }

  /**
   * Spins (when spinning pays here, see SPIN_MS) until the caller moves
   * STATE off PARKED or SPIN_MS pass.
   * @param {Int32Array} words
   * @returns {boolean} whether the caller did: no need to wait
   */
  #spinFor(words) {
    if (!this.#spin.spinning) return false;
    const end = performance.now() + SPIN_MS;
    for (let i = 1; ; i++) {
      if (Atomics.load(words, STATE) !== PARKED) {
        this.#spin.caught();
        return true;
      }
      // The clock is read every few loads only: a load is far cheaper.
      if ((i & 15) === 0 && performance.now() >= end) break;
    }
    // Nothing came: the caller is not searching back to back, or cannot
    // run while this thread spins (fewer free cores than threads). Spin
    // again only after more quick requests each time this happens.
    this.#spin.missed();
    return false;
  }

  /** @returns {ServedSearch} the search the caller put here */
  #request() {
    const { words, f64, query } = this.#v;
    const mode = words[OPTIONS];
    const options = mode === NONE ? undefined : mode === EMPTY ? {} : { ef: f64[EF_SLOT] };
    // A copy: the caller's next search reuses this memory.
    return { call: words[CALL], args: [query.slice(), words[K], options] };
  }

  /**
   * @param {number} call
   * @param {Hit[]} hits
   * @param {number} stamp
   * @param {IndexState} state
   */
  answerHits(call, hits, stamp, state) {
    const { words, f64, ids, distances } = this.#v;
    const n = Math.min(hits.length, K_MAX);
    for (let i = 0; i < n; i++) {
      ids[i] = /** @type {never} */ (hits[i].id);
      distances[i] = hits[i].distance;
    }
    words[COUNT] = n;
    f64[STAMP_SLOT] = stamp;
    f64[STATE_SLOT] = state.size;
    f64[STATE_SLOT + 1] = state.deletedCount;
    f64[STATE_SLOT + 2] = state.tombstoneRatio;
    f64[STATE_SLOT + 3] = state.memoryBytes;
    this.#publish(call, HITS);
  }

  /** The search failed; its error was posted as a message. @param {number} call */
  answerByMessage(call) {
    this.#publish(call, BY_MESSAGE);
  }

  /**
   * @param {number} call
   * @param {number} outcome
   */
  #publish(call, outcome) {
    const { words } = this.#v;
    words[OUTCOME] = outcome;
    Atomics.store(words, ANSWERED, call);
    Atomics.notify(words, ANSWERED);
  }
}
