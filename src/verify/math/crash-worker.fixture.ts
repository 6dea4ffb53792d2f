// src/verify/math/crash-worker.fixture.ts — a stand-in for worker.ts in tests (verifier.test.ts): the same message
// contract and the real checks, except that a gold of "crash!" ends the thread at once (as a worker killed by its
// heap cap would) and "spin!" never returns (a check past any deadline), whatever the machine's speed.

import { parentPort } from 'node:worker_threads';
import { compareAnswers, isEquivalent, verifyCompletion } from './equiv.js';
import { CELL_TAKEN, CELL_WAITING, type WorkerBatch, type WorkerReply } from './verifier.js';

const port = parentPort;
if (port === null) throw new Error('crash-worker.fixture.ts must run as a worker thread');

port.on('message', ({ reqs, cells }: WorkerBatch) => {
  for (const [k, req] of reqs.entries()) {
    if (Atomics.compareExchange(cells, k, CELL_WAITING, CELL_TAKEN) !== CELL_WAITING) continue;
    if (req.gold === 'crash!') process.exit(7);
    if (req.gold === 'spin!') for (;;);
    const verdict = req.op === 'verify' ? verifyCompletion(req.gold, req.text, req.opts) : compareAnswers(req.gold, req.text, req.opts);
    port.postMessage({ kind: 'done', id: req.id, verdict } satisfies WorkerReply);
  }
});
isEquivalent('x + 1', '1 + x');
port.postMessage({ kind: 'ready' } satisfies WorkerReply);
