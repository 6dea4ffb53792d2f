// src/backend/ref/decode.ts — reference ragged decode attention (Backend.decodeAttention): each batch entry appends
// its new key/value to its own cache row at its own position, then attends to that row's prefix. Plain loops,
// float64 accumulation: the oracle for native/decode.cc.
// B = batch entries, H = query heads, Hkv = kv heads, D = head dim, R = cache rows, L = cache capacity per row.

export function decodeAttention(
  q: Float32Array, kNew: Float32Array, vNew: Float32Array, kCache: Float32Array, vCache: Float32Array,
  rows: Int32Array, pos: Int32Array, geom: Int32Array, scale: number, out: Float32Array,
): void {
  if (geom.length !== 6) throw new RangeError('decodeAttention: geom must hold 6 integers [B, H, Hkv, D, R, L]');
  const [B, H, Hkv, D, R, L] = Array.from(geom) as [number, number, number, number, number, number];
  if ([B, H, Hkv, D, R, L].some((x) => x < 0)) throw new RangeError('decodeAttention: geom has a negative entry');
  if (Hkv === 0 || H % Hkv !== 0) throw new RangeError(`decodeAttention: H=${H} is not a multiple of Hkv=${Hkv}`);
  if (!Number.isFinite(scale)) throw new RangeError('decodeAttention: scale must be finite');
  const need = (a: { length: number }, n: number, what: string): void => {
    if (a.length < n) throw new RangeError(`decodeAttention: ${what} holds ${a.length} values, needs ${n}`);
  };
  need(q, B * H * D, 'q');
  need(out, B * H * D, 'out');
  need(kNew, B * Hkv * D, 'kNew');
  need(vNew, B * Hkv * D, 'vNew');
  need(kCache, R * Hkv * L * D, 'kCache');
  need(vCache, R * Hkv * L * D, 'vCache');
  need(rows, B, 'rows');
  need(pos, B, 'pos');
  const seen = new Set<number>();
  for (let b = 0; b < B; b++) {
    const r = rows[b]!, p = pos[b]!;
    if (r < 0 || r >= R) throw new RangeError(`decodeAttention: rows[${b}] = ${r} outside [0, ${R})`);
    if (seen.has(r)) throw new RangeError(`decodeAttention: cache row ${r} appears twice in rows`);
    seen.add(r);
    if (p < 0 || p >= L) throw new RangeError(`decodeAttention: pos[${b}] = ${p} outside [0, ${L})`);
  }
  const group = H / Hkv;
  for (let b = 0; b < B; b++) {
    const r = rows[b]!, p = pos[b]!;
    // Time-major cache: position j of kv head g in row r starts at ((r·L + j)·Hkv + g)·D.
    const at = (j: number, g: number): number => ((r * L + j) * Hkv + g) * D;
    for (let g = 0; g < Hkv; g++) {
      for (let d = 0; d < D; d++) {
        kCache[at(p, g) + d] = kNew[(b * Hkv + g) * D + d]!;
        vCache[at(p, g) + d] = vNew[(b * Hkv + g) * D + d]!;
      }
    }
    for (let h = 0; h < H; h++) {
      const g = Math.floor(h / group);
      const qo = (b * H + h) * D;
      const s = new Float64Array(p + 1);
      let m = -Infinity;
      for (let j = 0; j <= p; j++) {
        let dot = 0;
        for (let d = 0; d < D; d++) dot += q[qo + d]! * kCache[at(j, g) + d]!;
        s[j] = dot * scale;
        if (s[j]! > m) m = s[j]!;
      }
      let sum = 0;
      for (let j = 0; j <= p; j++) {
        s[j] = Math.exp(s[j]! - m);
        sum += s[j]!;
      }
      for (let d = 0; d < D; d++) {
        let acc = 0;
        for (let j = 0; j <= p; j++) acc += s[j]! * vCache[at(j, g) + d]!;
        out[qo + d] = acc / sum;
      }
    }
  }
}
