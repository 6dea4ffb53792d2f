// src/backend/native/coretype.ts — which OpenBLAS kernels (OPENBLAS_CORETYPE) suit this CPU: /proc/cpuinfo parsed
// into CPU facts, a table of core types with the instruction sets their kernels need, and the verdict on the core
// OpenBLAS reports after loading. Pure functions of their inputs (tested without the CPU they describe).
//
// Why: a distribution's OpenBLAS (Debian's 0.3.21, built with DYNAMIC_ARCH) picks its kernels by CPU family/model
// and falls back to Prescott (SSE3) on CPUs newer than the build; an AVX-512 Xeon then runs 3-5x slower. The
// instruction-set flags tell which kernels the CPU can run whatever its model number.

import { readFileSync } from 'node:fs';

/** What the kernel choice needs to know about a CPU. */
export interface CpuFacts {
  /** CPUID vendor string: GenuineIntel, AuthenticAMD, HygonGenuine, ... ('' when unknown). */
  vendor: string;
  family: number | null;
  model: number | null;
  modelName: string;
  /** Instruction-set flags as /proc/cpuinfo spells them (avx2, fma, avx512f, ...). */
  flags: ReadonlySet<string>;
  /** Logical CPUs listed. */
  logicalCpus: number;
}

/** Parses /proc/cpuinfo text (the first processor's fields; x86 spelling). */
export function parseCpuInfo(text: string): CpuFacts {
  const field = (name: string): string | undefined => {
    const m = new RegExp(`^${name}\\s*:\\s*(.*)$`, 'm').exec(text);
    return m ? m[1]!.trim() : undefined;
  };
  const int = (v: string | undefined): number | null => (v !== undefined && /^\d+$/.test(v) ? Number(v) : null);
  return {
    vendor: field('vendor_id') ?? '',
    family: int(field('cpu family')),
    model: int(field('model')),
    modelName: field('model name') ?? '',
    flags: new Set((field('flags') ?? '').split(/\s+/).filter(Boolean)),
    logicalCpus: (text.match(/^processor\s*:/gm) ?? []).length,
  };
}

/** This machine's CPU facts, or null where /proc/cpuinfo is not readable (not Linux). */
export function readCpuFacts(path = '/proc/cpuinfo'): CpuFacts | null {
  try {
    return parseCpuInfo(readFileSync(path, 'utf8'));
  } catch {
    return null;
  }
}

/** Vector instruction tiers, lowest first; an OpenBLAS core's kernels need the tier it is listed under. */
export const TIERS = ['sse', 'avx', 'avx2', 'avx512'] as const;
export type Tier = (typeof TIERS)[number];

/** Flags a tier needs (as /proc/cpuinfo spells them). SkylakeX's kernels use AVX-512 F, CD, BW, DQ and VL. */
const TIER_FLAGS: Record<Tier, string[]> = {
  sse: ['sse2'],
  avx: ['avx'],
  avx2: ['avx2', 'fma'],
  avx512: ['avx512f', 'avx512cd', 'avx512bw', 'avx512dq', 'avx512vl'],
};

/** The highest tier whose flags the CPU lists (the tiers are cumulative: AVX-512 implies AVX2 + FMA). */
export function cpuTier(cpu: CpuFacts): Tier {
  let best: Tier = 'sse';
  for (const t of TIERS) if (TIER_FLAGS[t].every((f) => cpu.flags.has(f))) best = t;
  return best;
}

/**
 * The choice table, first match wins: each row names an OpenBLAS core type, the tier its kernels need, and the
 * vendors it is chosen for (undefined = any). Only names every DYNAMIC_ARCH build since 0.3.x knows: an unknown
 * name makes OpenBLAS ignore the variable. SkylakeX, not Cooperlake (known to 0.3.21) or SapphireRapids (not in
 * 0.3.21): their single-precision GEMM kernels are SkylakeX's (the extra kernels are bf16), and measured here on
 * an AMD Zen 4 they run matmul 1024 at the same speed. Below AVX2 nothing is forced: OpenBLAS's own choice stands.
 */
export const CORE_TABLE: readonly { core: string; tier: Tier; vendors?: readonly string[] }[] = [
  { core: 'SkylakeX', tier: 'avx512' }, // Intel Skylake-SP and later; AMD Zen 4 and Zen 5
  { core: 'Zen', tier: 'avx2', vendors: ['AuthenticAMD', 'HygonGenuine'] }, // Zen 1-3 (and Hygon Dhyana)
  { core: 'Haswell', tier: 'avx2' }, // Intel Haswell to Comet Lake; other vendors' AVX2 parts
];

/** The core type to ask OpenBLAS for on this CPU, with the reason; null when OpenBLAS's own choice should stand. */
export function chooseCoreType(cpu: CpuFacts): { core: string; reason: string } | null {
  const tier = cpuTier(cpu);
  const rank = TIERS.indexOf(tier);
  for (const row of CORE_TABLE) {
    if (TIERS.indexOf(row.tier) > rank) continue;
    if (row.vendors && !row.vendors.includes(cpu.vendor)) continue;
    // Only the row for the CPU's own tier: a lower row would ask for older kernels than OpenBLAS may pick itself.
    if (row.tier !== tier) return null;
    const flags = TIER_FLAGS[row.tier].map((f) => f.toUpperCase().replace('AVX512', 'AVX-512 ')).join(', ');
    return { core: row.core, reason: `${cpu.vendor || 'unknown vendor'} CPU with ${flags}` };
  }
  return null;
}

/** The tier of an OpenBLAS core name (as openblas_get_corename() reports it, any case); null when unknown. */
export function coreTier(core: string): Tier | null {
  const c = core.toLowerCase();
  if (['skylakex', 'cooperlake', 'sapphirerapids'].includes(c)) return 'avx512';
  if (['haswell', 'zen', 'excavator', 'steamroller'].includes(c)) return 'avx2';
  if (['sandybridge', 'bulldozer', 'piledriver'].includes(c)) return 'avx';
  if (['prescott', 'core2', 'penryn', 'dunnington', 'nehalem', 'atom', 'nano', 'barcelona', 'opteron', 'opteron_sse3', 'bobcat', 'athlon', 'katmai', 'coppermine', 'northwood', 'banias', 'generic', 'unknown'].includes(c)) return 'sse';
  return null;
}
