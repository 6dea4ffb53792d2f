import test from 'node:test';
import assert from 'node:assert/strict';
import { checkGrpoSizes, checkSftSizes, memoryLimitBytes } from './limits.js';

const GiB = 2 ** 30;

test('SFT sizes: a step at most the training set (or 256 examples of a smaller one); a micro-batch whose logits fit in memory', () => {
  const sft = { batchSize: 8, gradAccum: 1, packing: false };
  checkSftSizes(sft, 190, 40, 64, 300, 8 * GiB);
  checkSftSizes({ ...sft, batchSize: 250 }, 190, 40, 64, 300, 8 * GiB); // a tiny set repeated within a step
  checkSftSizes({ ...sft, batchSize: 1000 }, 5000, 40, 64, 300, 8 * GiB);
  assert.throws(() => checkSftSizes({ ...sft, batchSize: 100000 }, 190, 40, 64, 300, 8 * GiB), /100000 × 1 = 100000 examples is more than the 190 training examples \(at most 256 per step\)/);
  assert.throws(() => checkSftSizes({ ...sft, batchSize: 64, gradAccum: 100 }, 5000, 40, 64, 300, 8 * GiB), /64 × 100 = 6400 examples is more than the 5000 training examples \(at most 5000 per step\)/);
  // 1000 rows × 4095 tokens × 150k vocabulary: 4.9 TB of logits and gradient.
  assert.throws(
    () => checkSftSizes({ ...sft, batchSize: 1000, packing: true }, 1e6, 40, 4096, 150_000, 64 * GiB),
    /a micro-batch of 1000 rows × 4095 tokens \(logits and their gradient over a vocabulary of 150000\) needs about [\d.]+ GiB, more than this machine's 64\.0 GiB: lower --batch-size/,
  );
});

test('GRPO sizes: the rollout and a training micro-batch must fit in memory', () => {
  const grpo = { promptsPerStep: 8, groupSize: 8, minibatches: 1, microBatch: 16, maxNewTokens: 1024 };
  const model = { maxSeqLen: 4096, vocabSize: 150_000 };
  checkGrpoSizes(grpo, model, 64 * GiB);
  assert.throws(() => checkGrpoSizes({ ...grpo, promptsPerStep: 1e7 }, model, 64 * GiB), /a step's rollout of promptsPerStep × groupSize = 80000000 completions of up to 1025 tokens needs about/);
  assert.throws(() => checkGrpoSizes({ ...grpo, microBatch: 64 }, model, 64 * GiB), /a training micro-batch of 64 completions × 1025 tokens .* lower microBatch/);
  // The micro-batch is at most a minibatch's rows.
  checkGrpoSizes({ ...grpo, microBatch: 1e9, promptsPerStep: 1, groupSize: 2 }, model, 64 * GiB);
  assert.ok(memoryLimitBytes() > 0);
});
