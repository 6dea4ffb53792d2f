// bench/check-interop.ts — `npm run check:interop`: r1ts models against Hugging Face transformers and llama.cpp.
//  1. a dense r1ts model exported as a Llama checkpoint loads in transformers (AutoModelForCausalLM +
//     AutoTokenizer) and gives the same logits (max abs diff <= 1e-4);
//  2. tiny Llama and Qwen2 checkpoints written by transformers load into r1ts with the same logits (<= 1e-4) and
//     their tokenizer.json encodes like Hugging Face's;
//  3. an MLA + MoE + MTP model exported in the deepseek_v3 layout loads in transformers with the same logits, and so
//     does the same checkpoint quantized to DeepSeek-V3's block-wise FP8 (in transformers and in r1ts);
//  4. the dense model exported as GGUF gives the same teacher-forced logits in llama.cpp via node-llama-cpp
//     (F32: <= 1e-3; F16 reported against r1ts running the same F16-rounded weights), and so do Qwen2- and
//     Qwen3-layout models exported as qwen2 / qwen3 GGUFs;
//  6. chat templates (R1's, ChatML as Qwen2 writes it, ChatML opening <think>, Llama 3 style, an [INST] template that
//     raises) render and tokenize as transformers' apply_chat_template, on one question, a system prompt with
//     multi-turn history, a finished exchange and text that spells control tokens.
// Each part is skipped with a message when Python, torch/transformers or node-llama-cpp is missing.
// Exit status 1 when a check that ran failed.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createNativeBackend, createRefBackend, nativeAvailable } from '../src/backend/index.js';
import { parseModelConfig, preset, type ModelConfigInput } from '../src/model/config.js';
import { loadHfCheckpoint, saveModelAsHf } from '../src/model/checkpoint/hf.js';
import { exportLlamaGguf, importLlamaGguf } from '../src/model/gguf/llama.js';
import { Transformer } from '../src/model/transformer.js';
import { createEngine, type Engine } from '../src/tensor/index.js';
import { ggufTokenizerOf, loadTokenizer, saveTokenizer, trainTokenizer } from '../src/tokenizer/index.js';
import { renderWithR1ts, renderWithTransformers, templateMismatches, writeTemplateCheckpoints } from '../src/tokenizer/template-check.js';
import { templateCaseTokenizerJson, TEMPLATE_CHECKPOINTS } from '../src/tokenizer/template.cases.js';
import { EXPECTED as STORED_TEMPLATE_RENDERINGS } from '../src/tokenizer/template-expected.cases.js';
import { probePython } from '../src/util/probe.js';
import { Rng } from '../src/util/rng.js';
import { packageRoot } from '../src/util/package-root.js';
import { printBenchHeader } from './header.js';

const here = dirname(fileURLToPath(import.meta.url));
const fromSource = import.meta.url.endsWith('.ts');
const python = process.env.PYTHON ?? 'python3';

const root = packageRoot();

type Status = 'pass' | 'FAIL' | 'skip' | 'info';
const results: { name: string; status: Status; detail: string }[] = [];
function report(name: string, status: Status, detail: string): void {
  results.push({ name, status, detail });
  process.stdout.write(`[${status}] ${name}: ${detail}\n`);
}
function compare(name: string, got: Float32Array, want: Float32Array, tol: number | null): void {
  if (got.length !== want.length) return report(name, 'FAIL', `length ${got.length} vs ${want.length}`);
  let md = 0, mx = 0;
  for (let i = 0; i < got.length; i++) {
    md = Math.max(md, Math.abs(got[i]! - want[i]!));
    mx = Math.max(mx, Math.abs(want[i]!));
  }
  const detail = `max abs diff ${md.toExponential(2)} over ${got.length} logits (max |logit| ${mx.toFixed(2)})${tol !== null ? `, tolerance ${tol}` : ''}`;
  report(name, tol === null ? 'info' : md <= tol && Number.isFinite(md) ? 'pass' : 'FAIL', detail);
}

/** Runs the Python helper; returns its JSON or a skip/failure reason. */
function runPython(args: string[]): { ok: true; out: Record<string, unknown> } | { ok: false; skip: boolean; reason: string } {
  const r = spawnSync(python, [join(root, 'bench', 'check-model-hf.py'), ...args], { encoding: 'utf8', timeout: 600_000, env: { ...process.env, OMP_NUM_THREADS: '2' } });
  if (r.error) return { ok: false, skip: true, reason: `cannot run ${python} (${r.error.message})` };
  const line = r.stdout.trim().split('\n').pop() ?? '';
  let out: Record<string, unknown>;
  try {
    out = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return { ok: false, skip: false, reason: `python failed (exit ${r.status}): ${r.stderr.trim().split('\n').slice(-3).join(' | ')}` };
  }
  if (out.status === 'skipped') return { ok: false, skip: true, reason: String(out.reason) };
  return { ok: true, out };
}

function readF32(file: string): Float32Array {
  const b = readFileSync(file);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

/** Texts for the tokenizer: GSM8K questions when the shared data is present, else a small built-in corpus. */
function corpus(): string[] {
  const dir = process.env.R1_DATA_DIR ?? join(root, '..', 'shared', 'data');
  const file = join(dir, 'gsm8k-test.jsonl');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { question: string }).question);
  const base = ['The quick brown fox jumps over the lazy dog.', 'How many apples are left if she eats three of twelve?', '<think>Add them up.</think><answer>42</answer>'];
  return Array.from({ length: 200 }, (_, i) => `${base[i % 3]} ${i} ${i * 7}`);
}

function makeEngine(): { engine: Engine; name: string } {
  const want = process.env.R1_BACKEND ?? 'ref';
  if (want === 'native' && nativeAvailable()) return { engine: createEngine(createNativeBackend()), name: 'native' };
  return { engine: createEngine(createRefBackend()), name: 'ref' };
}

function idsRequest(rng: Rng, B: number, T: number, V: number, text: string): { ids: number[][]; text: string; vocab: number } {
  return { ids: Array.from({ length: B }, () => Array.from({ length: T }, () => rng.int(0, V - 1))), text, vocab: V };
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'r1ts-interop-'));
  const { engine, name: backend } = makeEngine();
  printBenchHeader(`r1ts interop check (r1ts backend: ${backend}; work dir ${work})`);
  const text = 'Natalia sold 48 clips in April. <think>48 / 2 = 24</think> <answer>72</answer>';
  try {
    // The project tokenizer, trained here so the checkpoint ships a real tokenizer.json.
    const tok = trainTokenizer(corpus(), { vocabSize: 512 });
    const V = tok.vocabSize;
    const refInput: ModelConfigInput = { ...preset('reference'), vocabSize: V, initStd: 0.05 };
    const model = new Transformer(engine, parseModelConfig(refInput), new Rng(2024));
    const req = idsRequest(new Rng(7), 2, 24, V, text);
    const reqFile = join(work, 'request.json');
    writeFileSync(reqFile, JSON.stringify(req));
    const flatIds = Int32Array.from(req.ids.flat());
    const ours = engine.noGrad(() => model.forward(flatIds, 2, 24)).data.slice();

    /** Saves an r1ts model (with the project tokenizer) as a HF checkpoint named `name`; transformers' logits on req. */
    const hfLogits = (m: Transformer, name: string) => {
      const dir = join(work, name);
      saveModelAsHf(dir, m, { bosId: tok.bosId, eosId: tok.eosId });
      saveTokenizer(tok, dir);
      const r = runPython(['logits', dir, reqFile, join(work, `${name}.f32`)]);
      return r.ok ? { ...r, logits: readF32(join(work, `${name}.f32`)) } : r;
    };

    // 1. r1ts -> transformers (Llama).
    const r1 = hfLogits(model, 'r1ts-llama');
    if (!r1.ok) report('r1ts dense -> transformers LlamaForCausalLM', r1.skip ? 'skip' : 'FAIL', r1.reason);
    else {
      compare(`r1ts dense -> transformers ${String(r1.out.model_class)} (transformers ${String(r1.out.transformers)})`, r1.logits, ours, 1e-4);
      const same = JSON.stringify(r1.out.text_ids) === JSON.stringify(tok.encode(text));
      report(`r1ts tokenizer.json -> transformers ${String(r1.out.tokenizer_class)}`, same ? 'pass' : 'FAIL', same ? `same ${(r1.out.text_ids as number[]).length} ids for a sample text` : `ids differ: ${JSON.stringify(r1.out.text_ids)} vs ${JSON.stringify(tok.encode(text))}`);
    }

    // 2. transformers -> r1ts (Llama and Qwen2 written by save_pretrained).
    for (const arch of ['llama', 'qwen2', 'llama3', 'qwen3', 'qwen2-yarn'] as const) {
      const dir = join(work, `hf-${arch}`);
      const hreq = idsRequest(new Rng(11), 2, 20, 320, text);
      const hreqFile = join(work, `request-${arch}.json`);
      writeFileSync(hreqFile, JSON.stringify({ ...hreq, vocab_size: 320 }));
      const r = runPython(['make', arch, dir, hreqFile, join(work, `${arch}.f32`)]);
      if (!r.ok) {
        report(`transformers ${arch} -> r1ts`, r.skip ? 'skip' : 'FAIL', r.reason);
        continue;
      }
      const loaded = loadHfCheckpoint(dir, engine);
      const lg = engine.noGrad(() => loaded.model.forward(Int32Array.from(hreq.ids.flat()), 2, 20)).data.slice();
      const lc = loaded.model.config;
      if (arch === 'llama3' && lc.ropeScaling?.type !== 'llama3') report('transformers llama3 -> r1ts', 'FAIL', `rope scaling read as ${JSON.stringify(lc.ropeScaling)}`);
      compare(`transformers ${String(r.out.model_class)} -> r1ts (${loaded.architecture}, ${lc.attention.kind === 'mha' && lc.attention.qkvBias ? 'q/k/v biases, ' : ''}${lc.attention.kind === 'mha' && lc.attention.qkNorm ? 'q/k norms, head dim 24, ' : ''}${lc.ropeScaling ? `${lc.ropeScaling.type} RoPE scaling, ` : ''}${lc.tieEmbeddings ? 'tied' : 'untied'})`, lg, readF32(join(work, `${arch}.f32`)), 1e-4);
      if (arch === 'qwen2-yarn' && lc.ropeScaling?.type !== 'yarn') report('transformers qwen2-yarn -> r1ts', 'FAIL', `rope scaling read as ${JSON.stringify(lc.ropeScaling)}`);
      if (arch === 'llama3' || arch === 'qwen2-yarn') continue; // the same tokenizers as the llama and qwen2 cases
      const htok = loadTokenizer(dir);
      const ids = htok.encode(text);
      const same = JSON.stringify(ids) === JSON.stringify(r.out.text_ids);
      report(`transformers ${arch} tokenizer.json -> r1ts tokenizer`, same ? 'pass' : 'FAIL', same ? `same ${ids.length} ids for a sample text` : `ids differ: ${JSON.stringify(ids)} vs ${JSON.stringify(r.out.text_ids)}`);
    }

    // 2b. r1ts with Qwen3's per-head q/k norms -> transformers Qwen3ForCausalLM (non-trivial norm gains).
    {
      const q3 = new Transformer(engine, parseModelConfig({ ...refInput, attention: { kind: 'mha', nKvHeads: 2, headDim: 24, qkNorm: true } }), new Rng(31));
      const grng = new Rng(6);
      for (const [k, t] of q3.stateDict()) if (/_norm\.weight$/.test(k)) t.data.forEach((_, i) => (t.data[i] = 0.5 + grng.next()));
      const r = hfLogits(q3, 'r1ts-qwen3');
      if (!r.ok) report('r1ts qwen3 -> transformers Qwen3ForCausalLM', r.skip ? 'skip' : 'FAIL', r.reason);
      else compare(`r1ts q/k-norm model -> transformers ${String(r.out.model_class)}`, r.logits, engine.noGrad(() => q3.forward(flatIds, 2, 24)).data, 1e-4);
    }

    // 3. r1ts MLA + MoE + MTP -> transformers DeepseekV3ForCausalLM.
    {
      const dsInput: ModelConfigInput = { ...preset('tiny-moe-mla'), vocabSize: V, initStd: 0.1 };
      const ds = new Transformer(engine, parseModelConfig(dsInput), new Rng(99));
      // Non-zero routing biases so the checkpoint's e_score_correction_bias matters.
      const brng = new Rng(5);
      for (const m of ds.moeLayers()) for (let i = 0; i < m.gate.bias.length; i++) m.gate.bias[i] = 0.05 * brng.normal();
      const r = hfLogits(ds, 'r1ts-deepseek-v3');
      if (!r.ok) report('r1ts MLA+MoE -> transformers DeepseekV3ForCausalLM', r.skip ? 'skip' : 'FAIL', r.reason);
      else {
        const dsOurs = engine.noGrad(() => ds.forward(flatIds, 2, 24)).data;
        compare(`r1ts MLA+MoE+MTP -> transformers ${String(r.out.model_class)}`, r.logits, dsOurs, 1e-4);
        // 3c. With DeepSeek-V3's YaRN settings (mscale = mscale_all_dim = 1: the softmax scale grows by
        // (0.1 ln 4 + 1)^2); a 2,000-token original context puts the ramp inside the 4 rotary frequencies.
        const yarn = new Transformer(engine, parseModelConfig({ ...dsInput, ropeScaling: { type: 'yarn', factor: 4, originalMaxPositionEmbeddings: 2000, mscale: 1, mscaleAllDim: 1 } }), new Rng(99));
        for (const [k, t] of ds.stateDict()) yarn.stateDict().get(k)!.data.set(t.data);
        for (const [i, m] of yarn.moeLayers().entries()) m.gate.bias.set(ds.moeLayers()[i]!.gate.bias);
        const ry = hfLogits(yarn, 'r1ts-deepseek-v3-yarn');
        if (!ry.ok) report('r1ts MLA+MoE with yarn -> transformers', ry.skip ? 'skip' : 'FAIL', ry.reason);
        else {
          const yOurs = engine.noGrad(() => yarn.forward(flatIds, 2, 24)).data;
          const moved = yOurs.reduce((m, x, i) => Math.max(m, Math.abs(x - dsOurs[i]!)), 0);
          compare(`r1ts MLA+MoE with yarn RoPE scaling -> transformers ${String(ry.out.model_class)} (yarn moved the logits by ${moved.toExponential(1)})`, ry.logits, yOurs, 1e-4);
        }
        // 3b. The same checkpoint quantized as DeepSeek-V3 ships its weights (block-wise FP8) by Python, loaded by
        // transformers (dequantized) and by r1ts: the same logits, which differ from the unquantized ones.
        const fp8Dir = join(work, 'deepseek-v3-fp8');
        const q = runPython(['fp8', join(work, 'r1ts-deepseek-v3'), fp8Dir, reqFile, join(work, 'fp8.f32')]);
        if (!q.ok) report('block-FP8 deepseek_v3 -> r1ts', q.skip ? 'skip' : 'FAIL', q.reason);
        else {
          const fm = loadHfCheckpoint(fp8Dir, engine).model;
          const fOurs = engine.noGrad(() => fm.forward(flatIds, 2, 24)).data;
          const theirs = readF32(join(work, 'fp8.f32'));
          const moved = fOurs.reduce((m, x, i) => Math.max(m, Math.abs(x - dsOurs[i]!)), 0);
          compare(`block-FP8 deepseek_v3 (${String(q.out.quantized)} F8_E4M3 matrices) -> transformers dequantized and r1ts (FP8 moved the logits by ${moved.toExponential(1)})`, fOurs, theirs, 1e-4);
        }
      }
    }

    // 4. GGUF -> llama.cpp (node-llama-cpp), teacher-forced on the same ids.
    const gtok = ggufTokenizerOf(tok, V);
    const llamaCpp = (file: string, out: string): { ok: true; logits: Float32Array } | { ok: false; status: Status; reason: string } => {
      const child = fromSource ? ['--import', 'tsx', join(here, 'gguf-logits.ts')] : [join(here, 'gguf-logits.js')];
      const r = spawnSync(process.execPath, [...child, file, reqFile, out], { encoding: 'utf8', timeout: 600_000, env: { ...process.env, UV_THREADPOOL_SIZE: '1' } });
      let res: { status?: string; reason?: string } = {};
      try {
        res = JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as typeof res;
      } catch {
        res = { status: 'error', reason: `exit ${r.status}: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}` };
      }
      if (res.status !== 'ok') return { ok: false, status: res.status === 'skipped' ? 'skip' : 'FAIL', reason: res.reason ?? 'unknown error' };
      return { ok: true, logits: readF32(out) };
    };
    for (const dtype of ['F32', 'F16'] as const) {
      const file = join(work, `r1ts-${dtype}.gguf`);
      exportLlamaGguf(file, model.config, model.stateDict(), gtok, { dtype, name: 'r1ts-reference' });
      const g = llamaCpp(file, join(work, `gguf-${dtype}.f32`));
      if (!g.ok) {
        report(`GGUF ${dtype} -> llama.cpp`, g.status, g.reason);
        continue;
      }
      const got = g.logits;
      if (dtype === 'F32') compare('GGUF F32 -> llama.cpp (node-llama-cpp, F32 KV cache)', got, ours, 1e-3);
      else {
        // Against r1ts running the same F16-rounded weights (read back from the GGUF file).
        const back = importLlamaGguf(file);
        const m16 = new Transformer(engine, back.config, new Rng(0));
        m16.loadStateDict(back.weights, file);
        const want = engine.noGrad(() => m16.forward(flatIds, 2, 24)).data;
        compare('GGUF F16 -> llama.cpp vs r1ts on the same F16-rounded weights (llama.cpp rounds activations to F16 in its F16 matmuls)', got, want, null);
      }
    }

    // 4b. Qwen2 (q/k/v biases) and Qwen3 (per-head q/k norms, head dim 24) models as qwen2 / qwen3 GGUFs.
    for (const [arch, attention] of [['qwen2', { kind: 'mha', nKvHeads: 2, qkvBias: true }], ['qwen3', { kind: 'mha', nKvHeads: 2, headDim: 24, qkNorm: true }]] as const) {
      const m = new Transformer(engine, parseModelConfig({ ...refInput, attention }), new Rng(77));
      const grng = new Rng(78);
      for (const [k, t] of m.stateDict()) if (/(_norm\.weight|_proj\.bias)$/.test(k)) t.data.forEach((_, i) => (t.data[i] = (k.endsWith('bias') ? 0 : 0.5) + grng.next()));
      const file = join(work, `r1ts-${arch}.gguf`);
      exportLlamaGguf(file, m.config, m.stateDict(), gtok, { dtype: 'F32', name: `r1ts-${arch}` });
      const g = llamaCpp(file, join(work, `gguf-${arch}.f32`));
      if (!g.ok) report(`GGUF ${arch} -> llama.cpp`, g.status, g.reason);
      else compare(`GGUF F32 ${arch} (${arch === 'qwen2' ? 'q/k/v biases' : 'q/k norms, head dim 24'}) -> llama.cpp`, g.logits, engine.noGrad(() => m.forward(flatIds, 2, 24)).data, 1e-3);
    }

    // 5. Llama 3.1-style RoPE scaling written by r1ts: config.json rope_scaling read by transformers, and the
    // rope_freqs factors read by llama.cpp.
    {
      const scaled = new Transformer(engine, parseModelConfig({ ...refInput, ropeScaling: { type: 'llama3', factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositionEmbeddings: 256 } }), new Rng(2025));
      const want = engine.noGrad(() => scaled.forward(flatIds, 2, 24)).data.slice();
      const r = hfLogits(scaled, 'r1ts-llama3');
      if (!r.ok) report('r1ts llama3 RoPE scaling -> transformers', r.skip ? 'skip' : 'FAIL', r.reason);
      else compare(`r1ts dense, llama3 RoPE scaling -> transformers ${String(r.out.model_class)}`, r.logits, want, 1e-4);
      const file = join(work, 'r1ts-llama3.gguf');
      exportLlamaGguf(file, scaled.config, scaled.stateDict(), gtok, { dtype: 'F32', name: 'r1ts-llama3' });
      const g = llamaCpp(file, join(work, 'gguf-llama3.f32'));
      if (!g.ok) report('GGUF F32 with rope_freqs -> llama.cpp', g.status, g.reason);
      else compare('GGUF F32, llama3 RoPE scaling as rope_freqs -> llama.cpp', g.logits, want, 1e-3);
    }

    // 6. Chat templates: r1ts's rendering and ids against apply_chat_template's, per template family.
    await checkChatTemplates(work);
  } finally {
    if (!process.env.R1_KEEP_INTEROP) rmSync(work, { recursive: true, force: true });
  }
  const failed = results.filter((r) => r.status === 'FAIL').length;
  const skipped = results.filter((r) => r.status === 'skip').length;
  process.stdout.write(`\n${results.length} checks: ${results.filter((r) => r.status === 'pass').length} passed, ${failed} failed, ${skipped} skipped\n`);
  if (failed > 0) process.exitCode = 1;
}

async function checkChatTemplates(work: string): Promise<void> {
  const probe = await probePython(['transformers', 'jinja2'], python);
  const missing = Object.entries(probe.modules).filter(([, m]) => !m.ok).map(([name, m]) => `${name}: ${m.ok ? '' : m.error}`);
  if (missing.length > 0) return report('chat templates -> transformers apply_chat_template', 'skip', missing.join('; '));
  const folders = writeTemplateCheckpoints(join(work, 'templates'), templateCaseTokenizerJson());
  const hf = renderWithTransformers(python, folders, work);
  if (hf.status === 'skipped') return report('chat templates -> transformers apply_chat_template', 'skip', hf.reason);
  const ours = renderWithR1ts(folders);
  for (const ck of TEMPLATE_CHECKPOINTS) {
    const want = hf.rows.filter((r) => r.checkpoint === ck.name);
    const bad = templateMismatches(want, ours);
    const raised = want.filter((r) => r.error !== undefined).length;
    report(`chat template ${ck.name} -> transformers ${hf.transformers} apply_chat_template`, bad.length === 0 ? 'pass' : 'FAIL',
      bad.length === 0 ? `same text and ids on ${want.length - raised} conversations${raised ? `, same error on ${raised}` : ''}` : bad.slice(0, 3).join('; '));
  }
  // The unit tests' stored renderings (template-expected.cases.ts) still agree with this transformers.
  const stale = templateMismatches(hf.rows, STORED_TEMPLATE_RENDERINGS);
  report('stored chat-template fixtures vs this transformers', stale.length === 0 ? 'pass' : 'FAIL', stale.length === 0 ? `${hf.rows.length} renderings agree` : `regenerate with bench/chat-template-cases.ts: ${stale.slice(0, 2).join('; ')}`);
}

await main();
