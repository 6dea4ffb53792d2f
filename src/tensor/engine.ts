// src/tensor/engine.ts — the Engine: owns a Backend, a buffer pool, the scope stack, grad mode and the autograd tape.
//
// Memory lifetime (the rule every caller follows):
//  - Every tensor an op creates is registered in the innermost open scope. `engine.scope(fn)` runs fn and then
//    disposes every tensor created inside it, except tensors reachable from fn's return value (a Tensor, or
//    arrays / plain objects of them), which move to the enclosing scope, and tensors marked with `.keep()`.
//  - `tensor.dispose()` frees one tensor early. Disposed storage returns to a size-keyed pool, so a training step
//    that repeats the same shapes allocates nothing after its first iteration (steady-state RSS stays flat).
//  - Outside any scope nothing is freed automatically: long-lived tensors (parameters, caches) live there or are
//    kept, and are disposed explicitly.
//  - Call backward() inside the scope that ran the forward pass: the tape holds the forward tensors it needs.
// Grad mode: `engine.noGrad(fn)` records no tape (inference, generation, optimizer math).

import type { Backend } from '../contract/kernels.js';
import { BinaryOp } from '../contract/kernels.js';
import type { Rng } from '../util/rng.js';
import { checkShape, contiguousStrides, fmt, sameShape, sizeOf, type Shape } from './shape.js';
import { Tensor, type BackwardFn, type Storage } from './tensor.js';

export interface EngineStats {
  /** Tensors registered in open scopes and not yet disposed. */
  readonly scopedTensors: number;
  /** Float32 buffers currently idle in the pool and their total bytes. */
  readonly pooledBuffers: number;
  readonly pooledBytes: number;
  /** Buffers created because the pool had none of the right size (grows only while shapes are new). */
  readonly allocations: number;
}

export class Engine {
  readonly backend: Backend;
  private readonly pool = new Map<number, Float32Array[]>();
  private readonly scopes: Tensor[][] = [];
  private gradDepth = 0;
  private allocations = 0;
  private inBackward = false;

  constructor(backend: Backend) {
    // A JavaScript caller may pass anything; without this, the first tensor fails deep inside with a property read.
    const b = backend as Partial<Backend> | null | undefined;
    if (b === null || typeof b !== 'object' || typeof b.gemm !== 'function' || typeof b.binary !== 'function') {
      throw new TypeError(`Engine: backend must be a Backend (createNativeBackend() or createRefBackend()), got ${b === null ? 'null' : typeof b === 'object' ? 'an object without the kernels' : typeof b}`);
    }
    this.backend = backend;
  }

  // ---- buffers -------------------------------------------------------------------------------------------------

  /**
   * @internal a float32 buffer of exactly n elements, reused from the pool when possible (contents stale). The pool
   * keeps buffers by capacity class (poolCapacity), so a step whose ragged sizes differ from the last step's still
   * reuses its buffers; a request below its class gets a view of the class's first n elements.
   */
  acquire(n: number): Float32Array {
    const cap = poolCapacity(n);
    let buf = this.pool.get(cap)?.pop();
    if (!buf) {
      this.allocations++;
      buf = this.allocate(cap);
    }
    return cap === n ? buf : buf.subarray(0, n);
  }

  /** A fresh zero-filled buffer from the backend's allocator (aligned for the native backend), not pooled. */
  allocate(n: number): Float32Array {
    return this.backend.allocate ? this.backend.allocate(n) : new Float32Array(n);
  }

  /** @internal return a buffer from acquire() to the pool (its whole capacity class). */
  release(buf: Float32Array): void {
    const cap = poolCapacity(buf.length);
    const whole = cap === buf.length ? buf : new Float32Array(buf.buffer, buf.byteOffset, cap);
    let list = this.pool.get(cap);
    if (!list) {
      list = [];
      this.pool.set(cap, list);
    }
    list.push(whole);
  }

  /** Drops idle pooled buffers (e.g. after a phase with different shapes). */
  clearPool(): void {
    this.pool.clear();
  }

  stats(): EngineStats {
    let pooledBuffers = 0;
    let pooledBytes = 0;
    for (const list of this.pool.values()) {
      pooledBuffers += list.length;
      for (const b of list) pooledBytes += b.byteLength;
    }
    let scopedTensors = 0;
    for (const s of this.scopes) for (const t of s) if (!t.disposed) scopedTensors++;
    return { scopedTensors, pooledBuffers, pooledBytes, allocations: this.allocations };
  }

  // ---- creation ------------------------------------------------------------------------------------------------

  private track(t: Tensor): Tensor {
    const top = this.scopes[this.scopes.length - 1];
    if (top) top.push(t);
    return t;
  }

  /** An uninitialized (pooled) tensor; kernels must overwrite all of it. */
  empty(shape: Shape): Tensor {
    checkShape(shape);
    const storage: Storage = { data: this.acquire(sizeOf(shape)), refs: 0, pooled: true };
    return this.track(new Tensor(this, shape, storage));
  }

  full(shape: Shape, value: number): Tensor {
    const t = this.empty(shape);
    this.backend.fill(t.data, value);
    return t;
  }

  zeros(shape: Shape): Tensor {
    return this.full(shape, 0);
  }

  ones(shape: Shape): Tensor {
    return this.full(shape, 1);
  }

  /** A tensor holding a copy of `values` (shape defaults to 1-D). */
  tensor(values: ArrayLike<number>, shape: Shape = [values.length], opts: { requiresGrad?: boolean } = {}): Tensor {
    if (sizeOf(shape) !== values.length) throw new RangeError(`tensor: ${values.length} values do not fill shape ${fmt(shape)}`);
    const t = this.empty(shape);
    t.data.set(values);
    t.requiresGrad = opts.requiresGrad ?? false;
    return t;
  }

  /** A tensor over an existing buffer without copying (not pooled; the caller keeps ownership of the array). */
  wrap(data: Float32Array, shape: Shape, opts: { requiresGrad?: boolean; scoped?: boolean } = {}): Tensor {
    checkShape(shape);
    const t = new Tensor(this, shape, { data, refs: 0, pooled: false }, opts.requiresGrad ?? false);
    return opts.scoped === false ? t : this.track(t);
  }

  /** Normal(0, std²) samples from a seeded generator. */
  randn(shape: Shape, rng: Rng, std = 1): Tensor {
    const t = this.empty(shape);
    const d = t.data;
    for (let i = 0; i < d.length; i++) d[i] = rng.normal() * std;
    return t;
  }

  /** Uniform samples in [lo, hi) from a seeded generator. */
  uniform(shape: Shape, rng: Rng, lo = 0, hi = 1): Tensor {
    const t = this.empty(shape);
    const d = t.data;
    for (let i = 0; i < d.length; i++) d[i] = lo + (hi - lo) * rng.next();
    return t;
  }

  /** @internal a tensor taking ownership of a buffer obtained from acquire(). */
  wrapPooled(data: Float32Array, shape: Shape): Tensor {
    return this.track(new Tensor(this, shape, { data, refs: 0, pooled: true }));
  }

  /** @internal a tensor sharing x's storage with a new shape (same size). */
  view(x: Tensor, shape: Shape): Tensor {
    return this.track(new Tensor(this, shape, x.sharedStorage));
  }

  // ---- scopes --------------------------------------------------------------------------------------------------

  /** Runs fn in a new scope; disposes what it created except the returned tensors and kept ones. */
  scope<T>(fn: () => T): T {
    this.scopes.push([]);
    let result: T;
    try {
      result = fn();
    } catch (err) {
      this.endScope(undefined);
      throw err;
    }
    this.endScope(result);
    return result;
  }

  private endScope(result: unknown): void {
    const created = this.scopes.pop() ?? [];
    const keep = new Set<Tensor>();
    collectTensors(result, keep);
    const parent = this.scopes[this.scopes.length - 1];
    for (const t of created) {
      if (keep.has(t) || t.kept) {
        if (parent && !t.kept) parent.push(t);
      } else {
        t.dispose();
      }
    }
  }

  // ---- grad mode -----------------------------------------------------------------------------------------------

  get gradEnabled(): boolean {
    return this.gradDepth === 0;
  }

  /** Runs fn without recording the tape. */
  noGrad<T>(fn: () => T): T {
    this.gradDepth++;
    try {
      return fn();
    } finally {
      this.gradDepth--;
    }
  }

  /** True when an op on these inputs must be recorded. */
  needsGrad(...inputs: readonly Tensor[]): boolean {
    if (this.gradDepth !== 0) return false;
    for (const t of inputs) if (t.requiresGrad) return true;
    return false;
  }

  /** Records `out = op(inputs)` on the tape when any input requires grad; returns out. */
  record(op: string, out: Tensor, inputs: readonly Tensor[], backward: BackwardFn): Tensor {
    if (!this.needsGrad(...inputs)) return out;
    out.requiresGrad = true;
    out.node = { op, inputs, backward };
    return out;
  }

  // ---- autograd ------------------------------------------------------------------------------------------------

  /**
   * Inside an op's backward: the gradient buffer of a leaf that already owns one (parameters, whose grads are views
   * into the flat grad buffer), so the op can accumulate into it directly (GEMM with beta = 1, scatter-add, the
   * norms' dw) and return null for that input instead of a temporary. Null when the op must return a tensor.
   */
  leafGradBuffer(t: Tensor): Float32Array | null {
    if (!this.inBackward || t.node !== null || !t.requiresGrad || t.grad === null) return null;
    return t.grad.data;
  }

  /**
   * Reverse-mode autodiff: walks the tape from root in reverse topological order, calling each op's backward
   * under no-grad and accumulating into leaf `.grad` (parameters accumulate into their flat grad views).
   * Intermediate gradients are disposed as soon as they have been consumed; the graph is freed afterwards.
   */
  backward(root: Tensor, seed?: Tensor): void {
    if (!root.requiresGrad) throw new Error(`backward: ${root.describe()} does not require grad (no recorded ops reach a parameter)`);
    if (seed && !sameShape(seed.shape, root.shape)) throw new RangeError(`backward: seed shape ${fmt(seed.shape)} != ${fmt(root.shape)}`);
    if (!seed && root.size !== 1) throw new RangeError(`backward: ${root.describe()} is not a scalar; pass a seed gradient`);

    // Topological order by iterative DFS.
    const order: Tensor[] = [];
    const seen = new Set<Tensor>();
    const stack: [Tensor, number][] = [[root, 0]];
    seen.add(root);
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const [t, i] = top;
      const inputs = t.node?.inputs ?? [];
      if (i < inputs.length) {
        top[1]++;
        const inp = inputs[i]!;
        if (inp.requiresGrad && !seen.has(inp)) {
          seen.add(inp);
          stack.push([inp, 0]);
        }
      } else {
        stack.pop();
        order.push(t);
      }
    }

    // uses counts how many pending slots hold each gradient tensor; at 0 it is disposed.
    const uses = new Map<Tensor, number>();
    const pinned = new Set<Tensor>();
    const hold = (g: Tensor): void => void uses.set(g, (uses.get(g) ?? 0) + 1);
    const release = (g: Tensor): void => {
      const n = (uses.get(g) ?? 1) - 1;
      if (n > 0) uses.set(g, n);
      else {
        uses.delete(g);
        if (!pinned.has(g)) g.dispose();
      }
    };
    const grads = new Map<Tensor, Tensor>();
    const rootGrad = seed ?? this.ones(root.shape);
    if (seed) pinned.add(seed);
    grads.set(root, rootGrad);
    hold(rootGrad);

    const accumulateLeaf = (leaf: Tensor, g: Tensor): void => {
      if (leaf.grad === null) {
        const owned = new Tensor(this, leaf.shape, { data: new Float32Array(leaf.size), refs: 0, pooled: false });
        owned.data.set(g.data);
        leaf.grad = owned;
      } else {
        addInto(this, leaf.grad, g);
      }
    };
    const accumulate = (t: Tensor, g: Tensor): void => {
      if (!sameShape(t.shape, g.shape)) {
        throw new Error(`backward: gradient ${fmt(g.shape)} does not match ${t.describe()} (op ${t.node?.op ?? 'leaf'})`);
      }
      if (t.node === null) {
        accumulateLeaf(t, g);
        return;
      }
      const existing = grads.get(t);
      if (!existing) {
        grads.set(t, g);
        hold(g);
      } else if (uses.get(existing) === 1 && !pinned.has(existing) && existing.sharedStorage.refs === 1) {
        addInto(this, existing, g);
      } else {
        const sum = this.empty(t.shape);
        const s = new Int32Array(contiguousStrides(t.shape));
        this.backend.binary(BinaryOp.add, existing.data, s, g.data, s, sum.data, new Int32Array(t.shape));
        grads.set(t, sum);
        hold(sum);
        release(existing);
      }
    };

    this.inBackward = true;
    try {
      this.noGrad(() => this.runBackward(order, grads, accumulate, accumulateLeaf, hold, release));
    } finally {
      this.inBackward = false;
    }
  }

  private runBackward(
    order: Tensor[], grads: Map<Tensor, Tensor>, accumulate: (t: Tensor, g: Tensor) => void,
    accumulateLeaf: (t: Tensor, g: Tensor) => void, hold: (g: Tensor) => void, release: (g: Tensor) => void,
  ): void {
    {
      for (let oi = order.length - 1; oi >= 0; oi--) {
        const t = order[oi]!;
        const g = grads.get(t);
        if (!g) continue;
        grads.delete(t);
        const node = t.node;
        if (node === null) {
          accumulateLeaf(t, g);
          release(g);
          continue;
        }
        const needs = node.inputs.map((x) => x.requiresGrad);
        const gs = node.backward(g, needs);
        for (const gi of gs) if (gi) hold(gi);
        node.inputs.forEach((x, i) => {
          const gi = gs[i];
          if (gi && needs[i]) accumulate(x, gi);
        });
        for (const gi of gs) if (gi) release(gi);
        release(g);
        // Free the graph as we go (like PyTorch's retain_graph=False); saved tensors die with their scope.
        t.node = null;
      }
    }
  }
}

/**
 * The pool's capacity class for n floats: n itself up to 4,096, else n rounded up to an eighth of its power of two
 * (at most 12.5% of a buffer unused). Exact sizes made every GRPO step, whose prompt and completion lengths differ
 * from the last step's, allocate (and page-fault) its activations afresh.
 */
export function poolCapacity(n: number): number {
  if (n <= 4096) return n;
  const log2 = n < 2 ** 31 ? 31 - Math.clz32(n) : Math.floor(Math.log2(n));
  const step = 2 ** (log2 - 3);
  return Math.ceil(n / step) * step;
}

/** dst += src element-wise (same shape). */
function addInto(engine: Engine, dst: Tensor, src: Tensor): void {
  const s = new Int32Array([1]);
  const shape = new Int32Array([dst.size]);
  engine.backend.binary(BinaryOp.add, dst.data, s, src.data, s, dst.data, shape);
}

/** Finds tensors in a scope's result: a Tensor, or arrays / plain objects holding them (one level of nesting each). */
function collectTensors(v: unknown, into: Set<Tensor>): void {
  if (v instanceof Tensor) into.add(v);
  else if (Array.isArray(v)) for (const x of v) collectTensors(x, into);
  else if (v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    for (const x of Object.values(v)) collectTensors(x, into);
  }
}

/** Creates an engine over the given backend. */
export function createEngine(backend: Backend): Engine {
  return new Engine(backend);
}
