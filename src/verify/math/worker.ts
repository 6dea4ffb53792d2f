// src/verify/math/worker.ts — worker-thread entry of MathVerifier: runs the checks of each message in order and
// answers each as soon as it is done (the pool times the running check by these answers).

import { parentPort } from 'node:worker_threads';
import { compareAnswers, isEquivalent, verifyCompletion } from './equiv.js';
import { CELL_TAKEN, CELL_WAITING, type WorkerBatch, type WorkerReply, type WorkerRequest } from './verifier.js';

const port = parentPort;
if (port === null) throw new Error('verify/math/worker.ts must run as a worker thread');

function run(req: WorkerRequest): WorkerReply {
  try {
    const verdict = req.op === 'verify' ? verifyCompletion(req.gold, req.text, req.opts) : compareAnswers(req.gold, req.text, req.opts);
    return { kind: 'done', id: req.id, verdict };
  } catch (e) {
    return { kind: 'error', id: req.id, message: e instanceof Error ? e.message : String(e) };
  }
}

port.on('message', ({ reqs, cells }: WorkerBatch) => {
  reqs.forEach((req, k) => {
    // Unless the pool took it back (for another worker, while this one was busy on a slow check).
    if (Atomics.compareExchange(cells, k, CELL_WAITING, CELL_TAKEN) === CELL_WAITING) port.postMessage(run(req));
  });
});
// Load the computer-algebra library (lazy elsewhere) before saying ready: its start-up must not count
// against the first call's deadline.
isEquivalent('x + 1', '1 + x');
port.postMessage({ kind: 'ready' } satisfies WorkerReply);
