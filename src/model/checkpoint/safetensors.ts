// src/model/checkpoint/safetensors.ts — safetensors reader (F32/F16/BF16/FP8 -> Float32Array, read by offset so files of
// any size work) and F32 writer, validated.
//
// Format (huggingface/safetensors): u64 little-endian header length N, N bytes of JSON
// `{ "__metadata__": {str: str}, name: { dtype, shape, data_offsets: [begin, end] } }` padded with spaces so the
// data starts 8-byte aligned, then the raw little-endian tensor bytes; offsets are relative to the data start.

import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { writeFileAtomic } from '../../util/atomic.js';
import { bf16ToF32, f16ToF32 } from './half.js';
import { decodeFp8Into } from './fp8.js';

/** A tensor as stored in or loaded from a checkpoint: row-major float32 data and its shape. */
export interface NamedTensor {
  shape: number[];
  data: Float32Array;
}

export interface SafetensorsContent {
  tensors: Map<string, NamedTensor & { dtype: string }>;
  metadata: Record<string, string>;
}

// Every dtype of the safetensors format (the header of any valid file parses); READABLE_DTYPES are the ones r1ts loads.
const DTYPE_SIZE: Record<string, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, F8_E4M3: 1, F8_E5M2: 1, I64: 8, I32: 4, I16: 2, I8: 1, U64: 8, U32: 4, U16: 2, U8: 1, BOOL: 1 };
/** The dtypes r1ts reads (widened to float32). */
export const READABLE_DTYPES: ReadonlySet<string> = new Set(['F32', 'F16', 'BF16', 'F8_E4M3', 'F8_E5M2']);
const READABLE_LIST = [...READABLE_DTYPES].join(', ');
const MAX_HEADER = 100 * 1024 * 1024; // the reference implementation's limit

/** One tensor's header entry; `begin`/`end` are byte offsets from the start of the data region. */
export interface TensorEntry {
  key: string;
  dtype: string;
  shape: number[];
  begin: number;
  end: number;
}

/** A validated header: where each tensor's bytes are, without having read any of them. */
export interface SafetensorsHeader {
  /** The file (or the name given to parseSafetensors), for messages. */
  name: string;
  entries: Map<string, TensorEntry>;
  metadata: Record<string, string>;
  /** File offset of the data region (8 + header length). */
  dataStart: number;
  /** Total file size in bytes. */
  fileBytes: number;
}

/** Elements of a shape (the product of its dimensions). */
export function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Validate the header JSON against the file size; every check the reference implementation makes. */
function parseHeader(json: Uint8Array, fileBytes: number, name: string): SafetensorsHeader {
  const fail = (why: string): never => {
    throw new Error(`${name}: not a valid safetensors file: ${why}`);
  };
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(json));
  } catch (err) {
    fail(`header is not valid UTF-8 JSON (${(err as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) fail('header is not a JSON object');
  const dataStart = 8 + json.length;
  const dataLen = fileBytes - dataStart;
  const metadata: Record<string, string> = {};
  const entries: TensorEntry[] = [];
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
    if (typeof t.dtype !== 'string' || !Object.hasOwn(DTYPE_SIZE, t.dtype)) fail(`tensor ${key}: unknown dtype ${JSON.stringify(t.dtype)}`);
    const dtype = t.dtype as string;
    if (!Array.isArray(t.shape) || !t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) fail(`tensor ${key}: bad shape ${JSON.stringify(t.shape)}`);
    const off = t.data_offsets;
    if (!Array.isArray(off) || off.length !== 2 || !off.every((d) => Number.isSafeInteger(d) && d >= 0) || off[0] > off[1]) {
      fail(`tensor ${key}: bad data_offsets ${JSON.stringify(off)}`);
    }
    const [begin, end] = off as [number, number];
    const shape = t.shape as number[];
    const want = numel(shape) * DTYPE_SIZE[dtype]!;
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
  return { name, entries: new Map(entries.map((e) => [e.key, e])), metadata, dataStart, fileBytes };
}

function checkHeaderLength(n: number, fileBytes: number, name: string): void {
  const fail = (why: string): never => {
    throw new Error(`${name}: not a valid safetensors file: ${why}`);
  };
  if (fileBytes < 8) fail(`file is ${fileBytes} bytes, shorter than the 8-byte header length`);
  if (n > MAX_HEADER) fail(`header length ${n} is implausibly large (corrupt or not safetensors)`);
  if (8 + n > fileBytes) fail(`header length ${n} runs past the end of the file (${fileBytes} bytes; truncated?)`);
}

/** Convert `count` stored values of `dtype` from `bytes` into `out` starting at `at` (F16/BF16/FP8 widen to F32). */
function convertInto(bytes: Uint8Array, dtype: string, count: number, out: Float32Array, at: number): void {
  if (dtype === 'F8_E4M3' || dtype === 'F8_E5M2') return decodeFp8Into(bytes, dtype, count, out, at);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (dtype === 'F32') for (let i = 0; i < count; i++) out[at + i] = dv.getFloat32(4 * i, true);
  else if (dtype === 'F16') for (let i = 0; i < count; i++) out[at + i] = f16ToF32(dv.getUint16(2 * i, true));
  else for (let i = 0; i < count; i++) out[at + i] = bf16ToF32(dv.getUint16(2 * i, true));
}

function requireReadable(h: SafetensorsHeader, e: TensorEntry): void {
  if (!READABLE_DTYPES.has(e.dtype)) throw new Error(`${h.name}: not a valid safetensors file: tensor ${e.key}: dtype ${e.dtype} is not supported (${READABLE_LIST} are)`);
}

/** Parse safetensors bytes held in memory; `name` (usually the file path) appears in every error. */
export function parseSafetensors(buf: Uint8Array, name = 'safetensors data'): SafetensorsContent {
  const n = buf.length < 8 ? 0 : Number(new DataView(buf.buffer, buf.byteOffset, buf.byteLength).getBigUint64(0, true));
  checkHeaderLength(n, buf.length, name);
  const h = parseHeader(buf.subarray(8, 8 + n), buf.length, name);
  const tensors = new Map<string, NamedTensor & { dtype: string }>();
  for (const e of h.entries.values()) {
    requireReadable(h, e);
    const count = numel(e.shape);
    const out = new Float32Array(count);
    convertInto(buf.subarray(h.dataStart + e.begin, h.dataStart + e.end), e.dtype, count, out, 0);
    tensors.set(e.key, { dtype: e.dtype, shape: e.shape, data: out });
  }
  return { tensors, metadata: h.metadata };
}

/** Open a file for reading, refusing anything but a regular file (a FIFO would block forever). */
function openRegular(file: string): { fd: number; size: number } {
  let fd: number;
  try {
    // Checked before opening too: opening a FIFO for reading blocks until a writer appears.
    if (!statSync(file).isFile()) throw new Error('not a regular file');
    fd = openSync(file, 'r');
  } catch (err) {
    throw new Error(`${file}: cannot read safetensors file (${(err as Error).message})`);
  }
  const st = fstatSync(fd);
  if (!st.isFile()) {
    closeSync(fd);
    throw new Error(`${file}: cannot read safetensors file (not a regular file)`);
  }
  return { fd, size: st.size };
}

/** Read exactly `len` bytes at `pos` (files over 2 GiB are read by offset, never as one buffer). */
function readExactly(fd: number, into: Uint8Array, pos: number, name: string): void {
  let got = 0;
  while (got < into.length) {
    const n = readSync(fd, into, got, into.length - got, pos + got);
    if (n === 0) throw new Error(`${name}: file ended at byte ${pos + got} while reading (truncated while open?)`);
    got += n;
  }
}

/** Read and validate only the header of a safetensors file: cheap for a file of any size. */
export function readSafetensorsHeader(file: string): SafetensorsHeader {
  const { fd, size } = openRegular(file);
  try {
    const lenBytes = new Uint8Array(8);
    if (size >= 8) readExactly(fd, lenBytes, 0, file);
    const n = size < 8 ? 0 : Number(new DataView(lenBytes.buffer).getBigUint64(0, true));
    checkHeaderLength(n, size, file);
    const json = new Uint8Array(n);
    readExactly(fd, json, 8, file);
    return parseHeader(json, size, file);
  } finally {
    closeSync(fd);
  }
}

const CHUNK_BYTES = 8 << 20;

/**
 * Read one tensor of a file whose header was read by readSafetensorsHeader into `out` (a new Float32Array when
 * omitted), in chunks at its offset; F16, BF16 and FP8 are widened to F32 on the way.
 */
export function readSafetensorsTensor(h: SafetensorsHeader, key: string, out?: Float32Array): Float32Array {
  const e = h.entries.get(key);
  if (e === undefined) throw new Error(`${h.name}: no tensor ${key}`);
  requireReadable(h, e);
  const count = numel(e.shape);
  const dst = out ?? new Float32Array(count);
  if (dst.length !== count) throw new Error(`${h.name}: tensor ${key} has ${count} values, the destination ${dst.length}`);
  const size = DTYPE_SIZE[e.dtype]!;
  const { fd } = openRegular(h.name);
  try {
    if (e.dtype === 'F32') {
      // Little-endian on every platform Node supports: read straight into the destination's bytes.
      readExactly(fd, new Uint8Array(dst.buffer, dst.byteOffset, dst.byteLength), h.dataStart + e.begin, h.name);
      return dst;
    }
    const perChunk = Math.floor(CHUNK_BYTES / size);
    const buf = new Uint8Array(Math.min(count, perChunk) * size);
    for (let i = 0; i < count; i += perChunk) {
      const n = Math.min(perChunk, count - i);
      const view = buf.subarray(0, n * size);
      readExactly(fd, view, h.dataStart + e.begin + i * size, h.name);
      convertInto(view, e.dtype, n, dst, i);
    }
    return dst;
  } finally {
    closeSync(fd);
  }
}

/** Read and validate a safetensors file, tensor by tensor (never the whole file as one buffer). */
export function readSafetensors(file: string): SafetensorsContent {
  const h = readSafetensorsHeader(file);
  const tensors = new Map<string, NamedTensor & { dtype: string }>();
  for (const e of h.entries.values()) tensors.set(e.key, { dtype: e.dtype, shape: e.shape, data: readSafetensorsTensor(h, e.key) });
  return { tensors, metadata: h.metadata };
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
