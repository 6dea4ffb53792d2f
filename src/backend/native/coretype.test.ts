// src/backend/native/coretype.test.ts — the OpenBLAS core-type choice from CPU facts, table-driven (no real CPU).

import test from 'node:test';
import assert from 'node:assert/strict';
import { chooseCoreType, coreTier, cpuTier, parseCpuInfo, readCpuFacts, type CpuFacts } from './coretype.js';

const SSE = 'fpu tsc cx8 cmov mmx fxsr sse sse2 ht syscall nx lm pni ssse3 cx16 sse4_1 sse4_2 popcnt';
const AVX = `${SSE} aes xsave avx`;
const AVX2 = `${AVX} fma f16c bmi1 avx2 bmi2`;
const AVX512 = `${AVX2} avx512f avx512dq avx512cd avx512bw avx512vl`;

/** A /proc/cpuinfo excerpt as the kernel prints it (two processors, the fields the parser reads and some others). */
function cpuinfo(vendor: string, family: number, model: number, name: string, flags: string): string {
  const one = (i: number): string =>
    [`processor\t: ${i}`, `vendor_id\t: ${vendor}`, `cpu family\t: ${family}`, `model\t\t: ${model}`, `model name\t: ${name}`, 'stepping\t: 1', `flags\t\t: ${flags}`, 'bogomips\t: 4800.00', ''].join('\n');
  return one(0) + '\n' + one(1);
}

const cases: { name: string; text: string; tier: string; core: string | null }[] = [
  // The machine of issue 18: unknown to Debian's OpenBLAS 0.3.21, which falls back to Prescott there.
  { name: 'Intel Xeon family 6 model 207 (Emerald Rapids), AVX-512', text: cpuinfo('GenuineIntel', 6, 207, 'INTEL(R) XEON(R) PLATINUM 8581C', `${AVX512} avx512_bf16 amx_tile`), tier: 'avx512', core: 'SkylakeX' },
  { name: 'AMD EPYC Zen 4 (family 25, model 17), AVX-512', text: cpuinfo('AuthenticAMD', 25, 17, 'AMD EPYC', `${AVX512} avx512_bf16 avx512vbmi`), tier: 'avx512', core: 'SkylakeX' },
  { name: 'AMD Zen 5 (family 26)', text: cpuinfo('AuthenticAMD', 26, 2, 'AMD EPYC 9005', `${AVX512} avx512_vp2intersect`), tier: 'avx512', core: 'SkylakeX' },
  { name: 'Intel Skylake-SP', text: cpuinfo('GenuineIntel', 6, 85, 'Intel(R) Xeon(R) Gold 6148', AVX512), tier: 'avx512', core: 'SkylakeX' },
  { name: 'Intel Haswell, AVX2 + FMA', text: cpuinfo('GenuineIntel', 6, 63, 'Intel(R) Xeon(R) CPU E5-2673 v3', AVX2), tier: 'avx2', core: 'Haswell' },
  { name: 'AMD Zen 2, AVX2 + FMA', text: cpuinfo('AuthenticAMD', 23, 49, 'AMD EPYC 7B12', AVX2), tier: 'avx2', core: 'Zen' },
  { name: 'Hygon Dhyana, AVX2 + FMA', text: cpuinfo('HygonGenuine', 24, 0, 'Hygon C86 7185', AVX2), tier: 'avx2', core: 'Zen' },
  { name: 'another vendor with AVX2 + FMA', text: cpuinfo('CentaurHauls', 7, 59, 'ZHAOXIN KaiXian', AVX2), tier: 'avx2', core: 'Haswell' },
  // Knights Landing: AVX-512 F and CD but not BW/DQ/VL, which SkylakeX's kernels use.
  { name: 'Xeon Phi (AVX-512 F/CD only)', text: cpuinfo('GenuineIntel', 6, 87, 'Intel(R) Xeon Phi(TM) CPU 7250', `${AVX2} avx512f avx512cd avx512er avx512pf`), tier: 'avx2', core: 'Haswell' },
  { name: 'AVX2 without FMA (a hypervisor that hides it)', text: cpuinfo('GenuineIntel', 6, 63, 'Intel Xeon', AVX2.replace(' fma', '')), tier: 'avx', core: null },
  { name: 'Sandy Bridge, AVX only', text: cpuinfo('GenuineIntel', 6, 45, 'Intel(R) Xeon(R) CPU E5-2670', AVX), tier: 'avx', core: null },
  { name: 'SSE only', text: cpuinfo('GenuineIntel', 6, 23, 'Intel(R) Core(TM)2 Duo', SSE), tier: 'sse', core: null },
  { name: 'no flags line (not x86)', text: 'processor\t: 0\nBogoMIPS\t: 50.00\nFeatures\t: fp asimd evtstrm\nCPU implementer\t: 0x41\n', tier: 'sse', core: null },
];

for (const c of cases) {
  test(`core type for ${c.name}: ${c.core ?? 'left to OpenBLAS'}`, () => {
    const cpu = parseCpuInfo(c.text);
    assert.equal(cpuTier(cpu), c.tier);
    assert.equal(chooseCoreType(cpu)?.core ?? null, c.core);
  });
}

test('parseCpuInfo reads vendor, family, model, name, flags and the processor count', () => {
  const cpu = parseCpuInfo(cases[0]!.text);
  assert.equal(cpu.vendor, 'GenuineIntel');
  assert.equal(cpu.family, 6);
  assert.equal(cpu.model, 207);
  assert.equal(cpu.modelName, 'INTEL(R) XEON(R) PLATINUM 8581C');
  assert.ok(cpu.flags.has('amx_tile') && cpu.flags.has('avx512bw') && !cpu.flags.has('avx512'));
  assert.equal(cpu.logicalCpus, 2);
  const none = parseCpuInfo('');
  assert.deepEqual([none.vendor, none.family, none.model, none.flags.size, none.logicalCpus], ['', null, null, 0, 0]);
});

test('the reason names the vendor and the instruction sets the kernels need', () => {
  const choice = chooseCoreType(parseCpuInfo(cases[0]!.text))!;
  assert.match(choice.reason, /GenuineIntel CPU with AVX-512 F, AVX-512 CD, AVX-512 BW, AVX-512 DQ, AVX-512 VL/);
  assert.match(chooseCoreType(parseCpuInfo(cases[4]!.text))!.reason, /AVX2, FMA/);
});

test('coreTier ranks OpenBLAS core names, in any case; unknown names are null', () => {
  assert.equal(coreTier('SkylakeX'), 'avx512');
  assert.equal(coreTier('cooperlake'), 'avx512');
  assert.equal(coreTier('Zen'), 'avx2');
  assert.equal(coreTier('HASWELL'), 'avx2');
  assert.equal(coreTier('Sandybridge'), 'avx');
  assert.equal(coreTier('Prescott'), 'sse');
  assert.equal(coreTier('NeoverseN1'), null);
  // Every core the table can choose has a tier, equal to the tier it was chosen for.
  for (const c of cases) if (c.core) assert.equal(coreTier(c.core), c.tier);
});

test('readCpuFacts returns null for an unreadable file', () => {
  assert.equal(readCpuFacts('/nonexistent/cpuinfo'), null);
  const here: CpuFacts | null = readCpuFacts();
  if (here) assert.ok(here.logicalCpus >= 1);
});
