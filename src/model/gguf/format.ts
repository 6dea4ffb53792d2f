// src/model/gguf/format.ts — GGUF v3 container reader/writer (metadata key/values, tensor infos, F32/F16 data).
//
// Layout (ggml docs/gguf.md): magic "GGUF", u32 version (3), u64 tensor count, u64 metadata count; metadata as
// (string key, u32 type, value); tensor infos as (string name, u32 n_dims, u64 dims[n_dims] with the fastest-
// varying dim first, u32 ggml type, u64 offset into the data section); padding to `general.alignment` (32 by
// default); the data section, each tensor starting at a multiple of the alignment. Strings are u64 length + UTF-8.

import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../../util/atomic.js';
import { encodeF16, f16ToF32 } from '../checkpoint/half.js';

export const GGUF_MAGIC = 0x46554747; // "GGUF" read as a little-endian u32
export const GGUF_VERSION = 3;
export const GGUF_DEFAULT_ALIGNMENT = 32;

/** GGUF metadata value types, numbered as in the spec. */
export const GgufType = {
  u8: 0, i8: 1, u16: 2, i16: 3, u32: 4, i32: 5, f32: 6, bool: 7, string: 8, array: 9, u64: 10, i64: 11, f64: 12,
} as const;
export type GgufScalarType = Exclude<keyof typeof GgufType, 'array'>;
export type Scalar = number | bigint | boolean | string;

/** One metadata value with its explicit wire type (GGUF distinguishes u32 from i32 from f32). */
export type GgufValue =
  | { type: GgufScalarType; value: Scalar }
  | { type: 'array'; itemType: GgufScalarType; value: Scalar[] };

/** ggml tensor types this module reads and writes. */
export const GgmlType = { F32: 0, F16: 1 } as const;
export type GgmlTypeName = keyof typeof GgmlType;

export interface GgufTensorIn {
  name: string;
  /** Row-major (PyTorch) shape; written reversed, as ggml's ne[] lists the fastest dim first. */
  shape: number[];
  data: Float32Array;
  type: GgmlTypeName;
}

export interface GgufContent {
  version: number;
  metadata: Map<string, GgufValue>;
  tensors: Map<string, { shape: number[]; type: GgmlTypeName; data: Float32Array }>;
}

const SCALAR_SIZE: Record<Exclude<GgufScalarType, 'string'>, number> = { u8: 1, i8: 1, u16: 2, i16: 2, u32: 4, i32: 4, f32: 4, bool: 1, u64: 8, i64: 8, f64: 8 };
const TYPE_NAMES = Object.fromEntries(Object.entries(GgufType).map(([k, v]) => [v, k])) as Record<number, keyof typeof GgufType>;

/** Growable little-endian byte writer. */
class ByteWriter {
  private buf = new Uint8Array(1 << 16);
  private dv = new DataView(this.buf.buffer);
  len = 0;
  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let cap = this.buf.length;
    while (cap < this.len + n) cap *= 2;
    const nb = new Uint8Array(cap);
    nb.set(this.buf.subarray(0, this.len));
    this.buf = nb;
    this.dv = new DataView(nb.buffer);
  }
  u32(v: number): void { this.ensure(4); this.dv.setUint32(this.len, v, true); this.len += 4; }
  u64(v: number | bigint): void { this.ensure(8); this.dv.setBigUint64(this.len, BigInt(v), true); this.len += 8; }
  bytes(b: Uint8Array): void { this.ensure(b.length); this.buf.set(b, this.len); this.len += b.length; }
  string(s: string): void { const b = new TextEncoder().encode(s); this.u64(b.length); this.bytes(b); }
  scalar(type: GgufScalarType, v: Scalar, key: string): void {
    if (type === 'string') {
      if (typeof v !== 'string') throw new Error(`gguf: metadata ${key} declared string but holds ${typeof v}`);
      this.string(v);
      return;
    }
    const n = SCALAR_SIZE[type];
    this.ensure(n);
    const d = this.dv, o = this.len;
    if (type === 'bool') d.setUint8(o, v ? 1 : 0);
    else if (type === 'u64' || type === 'i64') {
      if (typeof v !== 'number' && typeof v !== 'bigint') throw new Error(`gguf: metadata ${key} declared ${type} but holds ${typeof v}`);
      if (type === 'u64') d.setBigUint64(o, BigInt(v), true); else d.setBigInt64(o, BigInt(v), true);
    } else {
      if (typeof v !== 'number') throw new Error(`gguf: metadata ${key} declared ${type} but holds ${typeof v}`);
      if ((type !== 'f32' && type !== 'f64') && !Number.isInteger(v)) throw new Error(`gguf: metadata ${key} declared ${type} but holds non-integer ${v}`);
      switch (type) {
        case 'u8': d.setUint8(o, v); break;
        case 'i8': d.setInt8(o, v); break;
        case 'u16': d.setUint16(o, v, true); break;
        case 'i16': d.setInt16(o, v, true); break;
        case 'u32': d.setUint32(o, v, true); break;
        case 'i32': d.setInt32(o, v, true); break;
        case 'f32': d.setFloat32(o, v, true); break;
        case 'f64': d.setFloat64(o, v, true); break;
      }
    }
    this.len += n;
  }
  pad(align: number): void { const p = (align - (this.len % align)) % align; this.ensure(p); this.len += p; }
  result(): Uint8Array { return this.buf.subarray(0, this.len); }
}

/** Serialise to GGUF v3 chunks (header, then each tensor's bytes with alignment padding). */
export function encodeGguf(metadata: ReadonlyMap<string, GgufValue>, tensors: readonly GgufTensorIn[]): Uint8Array[] {
  const alignV = metadata.get('general.alignment');
  const align = alignV ? Number(alignV.value) : GGUF_DEFAULT_ALIGNMENT;
  if (!Number.isInteger(align) || align < 8 || (align & (align - 1)) !== 0) throw new Error(`gguf: general.alignment must be a power of two of at least 8 (GGUF needs a multiple of 8; llama.cpp a power of two), got ${align}`);
  const w = new ByteWriter();
  w.u32(GGUF_MAGIC);
  w.u32(GGUF_VERSION);
  w.u64(tensors.length);
  w.u64(metadata.size);
  for (const [key, v] of metadata) {
    w.string(key);
    if (v.type === 'array') {
      w.u32(GgufType.array);
      w.u32(GgufType[v.itemType]);
      w.u64(v.value.length);
      for (const item of v.value) w.scalar(v.itemType, item, key);
    } else {
      w.u32(GgufType[v.type]);
      w.scalar(v.type, v.value, key);
    }
  }
  const payloads = tensors.map((t) => {
    const numel = t.shape.reduce((a, b) => a * b, 1);
    if (numel !== t.data.length) throw new Error(`gguf: tensor ${t.name} has ${t.data.length} values but shape ${JSON.stringify(t.shape)}`);
    return t.type === 'F16' ? encodeF16(t.data) : new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  });
  let off = 0;
  tensors.forEach((t, i) => {
    w.string(t.name);
    w.u32(t.shape.length);
    for (let d = t.shape.length - 1; d >= 0; d--) w.u64(t.shape[d]!);
    w.u32(GgmlType[t.type]);
    w.u64(off);
    off += payloads[i]!.length;
    off += (align - (off % align)) % align;
  });
  w.pad(align);
  const chunks: Uint8Array[] = [w.result()];
  for (const p of payloads) {
    chunks.push(p);
    const pad = (align - (p.length % align)) % align;
    if (pad) chunks.push(new Uint8Array(pad));
  }
  return chunks;
}

/** Write a GGUF v3 file atomically. */
export function writeGguf(file: string, metadata: ReadonlyMap<string, GgufValue>, tensors: readonly GgufTensorIn[]): void {
  writeFileAtomic(file, encodeGguf(metadata, tensors));
}

/** Parse GGUF bytes (v2/v3; F32/F16 tensors); `name` (usually the path) appears in every error. */
export function parseGguf(buf: Uint8Array, name = 'gguf data'): GgufContent {
  const fail = (why: string): never => {
    throw new Error(`${name}: not a valid GGUF file: ${why}`);
  };
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let p = 0;
  const need = (n: number, what: string): void => {
    if (p + n > buf.length) fail(`unexpected end of file reading ${what} at byte ${p} (file is ${buf.length} bytes; truncated?)`);
  };
  const u32 = (what: string): number => { need(4, what); const v = dv.getUint32(p, true); p += 4; return v; };
  const u64 = (what: string): number => {
    need(8, what);
    const v = dv.getBigUint64(p, true);
    p += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) fail(`${what} is ${v}, too large`);
    return Number(v);
  };
  const str = (what: string): string => {
    const n = u64(`${what} length`);
    need(n, what);
    const s = new TextDecoder('utf-8', { fatal: false }).decode(buf.subarray(p, p + n));
    p += n;
    return s;
  };
  const scalar = (t: GgufScalarType, what: string): Scalar => {
    if (t === 'string') return str(what);
    const n = SCALAR_SIZE[t];
    need(n, what);
    let v: Scalar;
    switch (t) {
      case 'u8': v = dv.getUint8(p); break;
      case 'i8': v = dv.getInt8(p); break;
      case 'u16': v = dv.getUint16(p, true); break;
      case 'i16': v = dv.getInt16(p, true); break;
      case 'u32': v = dv.getUint32(p, true); break;
      case 'i32': v = dv.getInt32(p, true); break;
      case 'f32': v = dv.getFloat32(p, true); break;
      case 'f64': v = dv.getFloat64(p, true); break;
      case 'bool': v = dv.getUint8(p) !== 0; break;
      case 'u64': v = dv.getBigUint64(p, true); break;
      case 'i64': v = dv.getBigInt64(p, true); break;
    }
    p += n;
    return v;
  };
  if (buf.length < 4 || dv.getUint32(0, true) !== GGUF_MAGIC) fail('bad magic (expected "GGUF")');
  p = 4;
  const version = u32('version');
  if (version !== 2 && version !== 3) fail(`unsupported version ${version} (2 and 3 are supported)`);
  const nTensors = u64('tensor count');
  const nKv = u64('metadata count');
  const metadata = new Map<string, GgufValue>();
  for (let i = 0; i < nKv; i++) {
    const key = str(`metadata key #${i}`);
    const t = u32(`type of ${key}`);
    const tn = TYPE_NAMES[t];
    if (tn === undefined) fail(`metadata ${key} has unknown type ${t}`);
    if (tn === 'array') {
      const it = u32(`item type of ${key}`);
      const itn = TYPE_NAMES[it];
      if (itn === undefined || itn === 'array') fail(`metadata ${key} has unsupported array item type ${it}`);
      const n = u64(`length of ${key}`);
      const vals: Scalar[] = [];
      for (let j = 0; j < n; j++) vals.push(scalar(itn as GgufScalarType, `${key}[${j}]`));
      metadata.set(key, { type: 'array', itemType: itn as GgufScalarType, value: vals });
    } else {
      metadata.set(key, { type: tn as GgufScalarType, value: scalar(tn as GgufScalarType, key) });
    }
  }
  const infos: { name: string; shape: number[]; type: GgmlTypeName; offset: number }[] = [];
  for (let i = 0; i < nTensors; i++) {
    const tname = str(`tensor name #${i}`);
    const nd = u32(`n_dims of ${tname}`);
    if (nd > 4) fail(`tensor ${tname} has ${nd} dims (max 4)`);
    const ne: number[] = [];
    for (let d = 0; d < nd; d++) ne.push(u64(`dim ${d} of ${tname}`));
    const t = u32(`type of ${tname}`);
    const type = (Object.keys(GgmlType) as GgmlTypeName[]).find((k) => GgmlType[k] === t);
    if (type === undefined) fail(`tensor ${tname} has ggml type ${t}; only F32 (0) and F16 (1) are supported`);
    infos.push({ name: tname, shape: ne.reverse(), type: type!, offset: u64(`offset of ${tname}`) });
  }
  const alignV = metadata.get('general.alignment');
  const align = alignV ? Number(alignV.value) : GGUF_DEFAULT_ALIGNMENT;
  // The GGUF spec: a multiple of 8; llama.cpp also needs a power of two (it rounds offsets up with a bit mask).
  if (!Number.isInteger(align) || align < 8 || (align & (align - 1)) !== 0) fail(`general.alignment ${align} is not a power of two of at least 8 (GGUF needs a multiple of 8; llama.cpp a power of two)`);
  const dataStart = p + ((align - (p % align)) % align);
  const sizeOf = (info: (typeof infos)[number]): number => info.shape.reduce((a, b) => a * b, 1) * (info.type === 'F16' ? 2 : 4);
  // Each tensor owns its bytes: two whose data overlap would alias each other's weights.
  const byOffset = [...infos].sort((a, b) => a.offset - b.offset);
  for (let i = 1; i < byOffset.length; i++) {
    const prev = byOffset[i - 1]!, cur = byOffset[i]!;
    if (cur.offset < prev.offset + sizeOf(prev)) {
      fail(`tensor ${cur.name} data (bytes ${cur.offset}-${cur.offset + sizeOf(cur)} of the data section) overlaps tensor ${prev.name}'s (bytes ${prev.offset}-${prev.offset + sizeOf(prev)})`);
    }
  }
  const tensors = new Map<string, { shape: number[]; type: GgmlTypeName; data: Float32Array }>();
  for (const info of infos) {
    if (info.offset % align !== 0) fail(`tensor ${info.name} offset ${info.offset} is not a multiple of the alignment ${align}`);
    const numel = info.shape.reduce((a, b) => a * b, 1);
    const size = sizeOf(info);
    const base = dataStart + info.offset;
    if (base + size > buf.length) fail(`tensor ${info.name} data (${size} bytes at ${base}) runs past the end of the file (${buf.length} bytes; truncated?)`);
    const data = new Float32Array(numel);
    if (info.type === 'F32') for (let i = 0; i < numel; i++) data[i] = dv.getFloat32(base + 4 * i, true);
    else for (let i = 0; i < numel; i++) data[i] = f16ToF32(dv.getUint16(base + 2 * i, true));
    if (tensors.has(info.name)) fail(`duplicate tensor name ${info.name}`);
    tensors.set(info.name, { shape: info.shape, type: info.type, data });
  }
  return { version, metadata, tensors };
}

/** Read and validate a GGUF file. */
export function readGguf(file: string): GgufContent {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (err) {
    throw new Error(`${file}: cannot read GGUF file (${(err as Error).message})`);
  }
  return parseGguf(buf, file);
}
