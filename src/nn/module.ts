// src/nn/module.ts — Module: a tree of named parameters and child modules (PyTorch-style dotted names), and
// Parameter creation. Parameters are long-lived tensors outside any scope; packParameters() later moves them into
// one flat buffer (src/nn/parameters.ts).

import type { Engine, Tensor } from '../tensor/index.js';
import type { Rng } from '../util/rng.js';

/** How a parameter is initialized. */
export type Init =
  | { kind: 'normal'; std: number }
  | { kind: 'uniform'; bound: number }
  | { kind: 'constant'; value: number };

export class Module {
  readonly engine: Engine;
  private readonly params = new Map<string, Tensor>();
  private readonly children = new Map<string, Module>();

  constructor(engine: Engine) {
    this.engine = engine;
  }

  /** Creates and registers a trainable parameter. */
  protected param(name: string, shape: readonly number[], init: Init, rng: Rng | null): Tensor {
    if (this.params.has(name) || this.children.has(name)) throw new Error(`Module: duplicate name '${name}'`);
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    if (init.kind === 'constant') data.fill(init.value);
    else {
      if (!rng) throw new Error(`Module: parameter '${name}' needs an Rng for ${init.kind} init`);
      for (let i = 0; i < n; i++) data[i] = init.kind === 'normal' ? rng.normal() * init.std : (2 * rng.next() - 1) * init.bound;
    }
    const t = this.engine.wrap(data, shape, { requiresGrad: true, scoped: false }).keep();
    t.name = name;
    this.params.set(name, t);
    return t;
  }

  /** Registers a child module under `name`; returns it. */
  protected child<M extends Module>(name: string, m: M): M {
    if (this.params.has(name) || this.children.has(name)) throw new Error(`Module: duplicate name '${name}'`);
    this.children.set(name, m);
    return m;
  }

  /** All parameters with dotted names, in registration order (depth first). */
  namedParameters(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [n, p] of this.params) out.push([prefix + n, p]);
    for (const [n, c] of this.children) out.push(...c.namedParameters(`${prefix}${n}.`));
    return out;
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /** Total number of parameter elements. */
  numParameters(): number {
    let n = 0;
    for (const p of this.parameters()) n += p.size;
    return n;
  }
}
