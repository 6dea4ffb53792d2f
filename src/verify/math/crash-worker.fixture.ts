// src/verify/math/crash-worker.fixture.ts — a stand-in for worker.ts in tests (verifier.test.ts): the same message
// contract and the real checks, except that a gold of "crash!" ends the thread at once (as a worker killed by its
// heap cap would) and "spin!" never returns (a check past any deadline), whatever the machine's speed.

import { parentPort } from 'node:worker_threads';
import { compareAnswers, isEquivalent, verifyCompletion } from './equiv.js';
import type { WorkerBatch, WorkerReply } from './verifier.js';

const port = parentPort;
if (port === null) throw new Error('crash-worker.fixture.ts must run as a worker thread');

port.on('message', (batch: WorkerBatch) => {
  for (const req of batch) {
    if (req.gold === 'crash!') process.exit(7);
    if (req.gold === 'spin!') for (;;);
    const verdict = req.op === 'verify' ? verifyCompletion(req.gold, req.text, req.opts) : compareAnswers(req.gold, req.text, req.opts);
    port.postMessage({ kind: 'done', id: req.id, verdict } satisfies WorkerReply);
  }
});
isEquivalent('x + 1', '1 + x');
port.postMessage({ kind: 'ready' } satisfies WorkerReply);
