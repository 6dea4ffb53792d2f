// src/model/checkpoint/safetensors.ts — safetensors reader (F32/F16/BF16 -> Float32Array) and F32 writer, validated.
//
// Format (huggingface/safetensors): u64 little-endian header length N, N bytes of JSON
// `{ "__metadata__": {str: str}, name: { dtype, shape, data_offsets: [begin, end] } }` padded with spaces so the
// data starts 8-byte aligned, then the raw little-endian tensor bytes; offsets are relative to the data start.

import { readFileSync, statSync } from 'node:fs';
import { writeFileAtomic } from './atomic.js';
import { bf16ToF32, f16ToF32 } from './half.js';

/** A tensor as stored in or loaded from a checkpoint: row-major float32 data and its shape. */
export interface NamedTensor {
  shape: number[];
  data: Float32Array;
}

export interface SafetensorsContent {
  tensors: Map<string, NamedTensor & { dtype: string }>;
  metadata: Record<string, string>;
}

const DTYPE_SIZE: Record<string, number> = { F32: 4, F16: 2, BF16: 2, F64: 8, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };
const READABLE = new Set(['F32', 'F16', 'BF16']);
const MAX_HEADER = 100 * 1024 * 1024; // the reference implementation's limit

/** Parse safetensors bytes; `name` (usually the file path) appears in every error. */
export function parseSafetensors(buf: Uint8Array, name = 'safetensors data'): SafetensorsContent {
  const fail = (why: string): never => {
    throw new Error(`${name}: not a valid safetensors file: ${why}`);
  };
  if (buf.length < 8) fail(`file is ${buf.length} bytes, shorter than the 8-byte header length`);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const n = Number(dv.getBigUint64(0, true));
  if (n > MAX_HEADER) fail(`header length ${n} is implausibly large (corrupt or not safetensors)`);
  if (8 + n > buf.length) fail(`header length ${n} runs past the end of the file (${buf.length} bytes; truncated?)`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(buf.subarray(8, 8 + n)));
  } catch (err) {
    fail(`header is not valid UTF-8 JSON (${(err as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) fail('header is not a JSON object');
  const dataStart = 8 + n;
  const dataLen = buf.length - dataStart;
  const metadata: Record<string, string> = {};
  const entries: { key: string; dtype: string; shape: number[]; begin: number; end: number }[] = [];
  for (const [key, v] of Object.entries(header as Record<string, unknown>)) {
    if (key === '__metadata__') {
      if (typeof v !== 'object' || v === null) fail('__metadata__ is not an object');
      for (const [mk, mv] of Object.entries(v as Record<string, unknown>)) {
        if (typeof mv !== 'string') fail(`__metadata__.${mk} is not a string`);
        metadata[mk] = mv as string;
      }
      continue;
    }
    const t = v as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof t !== 'object' || t === null) fail(`tensor ${key}: entry is not an object`);
    if (typeof t.dtype !== 'string' || !(t.dtype in DTYPE_SIZE)) fail(`tensor ${key}: unknown dtype ${JSON.stringify(t.dtype)}`);
    const dtype = t.dtype as string;
    if (!Array.isArray(t.shape) || !t.shape.every((d) => Number.isInteger(d) && d >= 0)) fail(`tensor ${key}: bad shape ${JSON.stringify(t.shape)}`);
    const off = t.data_offsets;
    if (!Array.isArray(off) || off.length !== 2 || !off.every((d) => Number.isInteger(d) && d >= 0) || off[0] > off[1]) {
      fail(`tensor ${key}: bad data_offsets ${JSON.stringify(off)}`);
    }
    const [begin, end] = off as [number, number];
    const shape = t.shape as number[];
    const want = shape.reduce((a, b) => a * b, 1) * DTYPE_SIZE[dtype]!;
    if (end - begin !== want) fail(`tensor ${key}: data_offsets span ${end - begin} bytes but ${dtype}${JSON.stringify(shape)} needs ${want}`);
    if (end > dataLen) fail(`tensor ${key}: data ends at byte ${end} but the file holds only ${dataLen} data bytes (truncated?)`);
    entries.push({ key, dtype, shape, begin, end });
  }
  // The reference implementation requires the tensors to tile the data region exactly: no overlaps, no holes.
  entries.sort((a, b) => a.begin - b.begin);
  let pos = 0;
  for (const e of entries) {
    if (e.begin !== pos) fail(`tensor ${e.key}: starts at byte ${e.begin}, expected ${pos} (overlap or hole in the data)`);
    pos = e.end;
  }
  if (pos !== dataLen) fail(`data region is ${dataLen} bytes but tensors cover ${pos} (trailing garbage or truncation)`);
  const tensors = new Map<string, NamedTensor & { dtype: string }>();
  for (const e of entries) {
    if (!READABLE.has(e.dtype)) fail(`tensor ${e.key}: dtype ${e.dtype} is not supported (F32, F16, BF16 are)`);
    const count = (e.end - e.begin) / DTYPE_SIZE[e.dtype]!;
    const out = new Float32Array(count);
    const base = dataStart + e.begin;
    if (e.dtype === 'F32') for (let i = 0; i < count; i++) out[i] = dv.getFloat32(base + 4 * i, true);
    else if (e.dtype === 'F16') for (let i = 0; i < count; i++) out[i] = f16ToF32(dv.getUint16(base + 2 * i, true));
    else for (let i = 0; i < count; i++) out[i] = bf16ToF32(dv.getUint16(base + 2 * i, true));
    tensors.set(e.key, { dtype: e.dtype, shape: e.shape, data: out });
  }
  return { tensors, metadata };
}

/** Read and validate a safetensors file. */
export function readSafetensors(file: string): SafetensorsContent {
  let buf: Buffer;
  try {
    // Only regular files: a FIFO would block the read forever.
    if (!statSync(file).isFile()) throw new Error('not a regular file');
    buf = readFileSync(file);
  } catch (err) {
    throw new Error(`${file}: cannot read safetensors file (${(err as Error).message})`);
  }
  return parseSafetensors(buf, file);
}

/** Serialise tensors as F32 safetensors bytes (header chunk + one chunk per tensor, in the given order). */
export function encodeSafetensors(tensors: ReadonlyMap<string, NamedTensor> | Record<string, NamedTensor>, metadata: Record<string, string> = {}): Uint8Array[] {
  const list: [string, NamedTensor][] = tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors as Record<string, NamedTensor>);
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let off = 0;
  for (const [key, t] of list) {
    if (key === '__metadata__') throw new Error('encodeSafetensors: "__metadata__" is reserved and cannot name a tensor');
    const numel = t.shape.reduce((a, b) => a * b, 1);
    if (numel !== t.data.length) throw new Error(`encodeSafetensors: tensor ${key} has ${t.data.length} values but shape ${JSON.stringify(t.shape)}`);
    header[key] = { dtype: 'F32', shape: t.shape, data_offsets: [off, off + 4 * numel] };
    off += 4 * numel;
  }
  let json = JSON.stringify(header);
  const enc = new TextEncoder();
  let bytes = enc.encode(json);
  const pad = (8 - (bytes.length % 8)) % 8; // data must start 8-byte aligned
  if (pad) bytes = enc.encode((json += ' '.repeat(pad)));
  const head = new Uint8Array(8 + bytes.length);
  new DataView(head.buffer).setBigUint64(0, BigInt(bytes.length), true);
  head.set(bytes, 8);
  const chunks: Uint8Array[] = [head];
  for (const [, t] of list) {
    // Float32Array bytes are little-endian on every platform Node supports (x64, arm64).
    chunks.push(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  }
  return chunks;
}

/** Write tensors as an F32 safetensors file atomically (temp file + rename). */
export function writeSafetensors(file: string, tensors: ReadonlyMap<string, NamedTensor> | Record<string, NamedTensor>, metadata: Record<string, string> = {}): void {
  writeFileAtomic(file, encodeSafetensors(tensors, metadata));
}
