// src/tensor/tensor.ts — the Tensor: a shape over a reference-counted float32 storage, plus its autograd tape node.
// Tensors are created by an Engine (src/tensor/engine.ts), which owns the backend, the buffer pool and the scopes.

import type { Engine } from './engine.js';
import type { Shape } from './shape.js';
import { sizeOf } from './shape.js';

/** A float32 buffer shared by a tensor and its reshaped views; returned to the engine's pool when refs reach 0. */
export interface Storage {
  data: Float32Array;
  refs: number;
  /** Pooled storages go back to the engine's pool; others (parameter views, user arrays) are left alone. */
  pooled: boolean;
}

/** Computes input gradients from the output gradient; returns null where an input needs none. */
export type BackwardFn = (dy: Tensor, needs: readonly boolean[]) => readonly (Tensor | null)[];

/** One recorded op on the tape. */
export interface TapeNode {
  readonly op: string;
  readonly inputs: readonly Tensor[];
  readonly backward: BackwardFn;
}

export class Tensor {
  readonly shape: Shape;
  readonly size: number;
  readonly engine: Engine;
  /** Leaves with requiresGrad collect gradients in .grad; results of ops on them require grad too. */
  requiresGrad: boolean;
  /** Accumulated gradient (leaves only), owned by this tensor. */
  grad: Tensor | null = null;
  /** Optional name (parameters carry their dotted path). */
  name: string | null = null;
  /** @internal the op that produced this tensor, while its graph is alive. */
  node: TapeNode | null = null;
  /** @internal kept tensors survive the end of the scope that created them. */
  kept = false;
  private storage: Storage | null;

  /** @internal use engine.empty / engine.tensor / engine.zeros instead. */
  constructor(engine: Engine, shape: Shape, storage: Storage, requiresGrad = false) {
    this.engine = engine;
    this.shape = Object.freeze([...shape]);
    this.size = sizeOf(shape);
    if (storage.data.length !== this.size) {
      throw new RangeError(`tensor: storage holds ${storage.data.length} floats, shape [${shape.join(', ')}] needs ${this.size}`);
    }
    this.storage = storage;
    storage.refs++;
    this.requiresGrad = requiresGrad;
  }

  get ndim(): number {
    return this.shape.length;
  }

  /** The live float32 data (contiguous, row-major). Throws after dispose. */
  get data(): Float32Array {
    if (this.storage === null) throw new Error(`tensor ${this.describe()} used after dispose`);
    return this.storage.data;
  }

  get disposed(): boolean {
    return this.storage === null;
  }

  /** @internal the shared storage (for views). */
  get sharedStorage(): Storage {
    if (this.storage === null) throw new Error(`tensor ${this.describe()} used after dispose`);
    return this.storage;
  }

  /**
   * @internal moves this tensor's values into `data` (same length, not pooled) and makes it the tensor's storage:
   * how parameters are packed into one flat buffer. Views of the old storage keep the old buffer.
   */
  adopt(data: Float32Array): void {
    const s = this.sharedStorage;
    if (data.length !== this.size) throw new RangeError(`adopt: buffer of ${data.length} for ${this.describe()}`);
    data.set(s.data);
    if (--s.refs === 0 && s.pooled) this.engine.release(s.data);
    this.storage = { data, refs: 1, pooled: false };
  }

  /** Releases the storage (to the pool when no other view holds it) and the gradient. Idempotent. */
  dispose(): void {
    if (this.storage === null) return;
    const s = this.storage;
    this.storage = null;
    this.node = null;
    if (--s.refs === 0 && s.pooled) this.engine.release(s.data);
    if (this.grad) {
      this.grad.dispose();
      this.grad = null;
    }
  }

  /** Marks the tensor to survive the end of its scope; returns this. */
  keep(): this {
    this.kept = true;
    return this;
  }

  /** Reverse-mode autodiff from this tensor (a scalar unless a seed gradient of the same shape is given). */
  backward(seed?: Tensor): void {
    this.engine.backward(this, seed);
  }

  /** The single value of a one-element tensor. */
  item(): number {
    if (this.size !== 1) throw new RangeError(`item(): tensor has shape [${this.shape.join(', ')}], not one element`);
    return this.data[0]!;
  }

  /** A plain copy of the data. */
  toArray(): number[] {
    return Array.from(this.data);
  }

  describe(): string {
    return `${this.name ?? 'tensor'}[${this.shape.join(', ')}]`;
  }
}
