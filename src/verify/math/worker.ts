// src/verify/math/worker.ts — worker-thread entry of MathVerifier: runs one verification per message.

import { parentPort } from 'node:worker_threads';
import { compareAnswers, isEquivalent, verifyCompletion } from './equiv.js';
import type { WorkerReply, WorkerRequest } from './verifier.js';

const port = parentPort;
if (port === null) throw new Error('verify/math/worker.ts must run as a worker thread');

port.on('message', (req: WorkerRequest) => {
  let reply: WorkerReply;
  try {
    const verdict = req.op === 'verify' ? verifyCompletion(req.gold, req.text, req.opts) : compareAnswers(req.gold, req.text, req.opts);
    reply = { kind: 'done', id: req.id, verdict };
  } catch (e) {
    reply = { kind: 'error', id: req.id, message: e instanceof Error ? e.message : String(e) };
  }
  port.postMessage(reply);
});
// Load the computer-algebra library (lazy elsewhere) before saying ready: its start-up must not count
// against the first call's deadline.
isEquivalent('x + 1', '1 + x');
port.postMessage({ kind: 'ready' } satisfies WorkerReply);
