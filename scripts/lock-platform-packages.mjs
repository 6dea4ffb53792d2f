// scripts/lock-platform-packages.mjs — after `npm install`, records in package-lock.json the optional
// platform packages of node-llama-cpp that the registry does not serve for its version (npm leaves them out of the
// lock, and `npm ci` then refuses the lock as out of sync). Each entry carries its os/cpu, so npm ci skips it here.
import { readFileSync, writeFileSync } from 'node:fs';

const PLATFORM = {
  'linux-riscv64': ['linux', 'riscv64'], 'linux-arm64': ['linux', 'arm64'], 'linux-armv7l': ['linux', 'arm'],
  'linux-x64': ['linux', 'x64'], 'linux-x64-cuda': ['linux', 'x64'], 'linux-x64-cuda-ext': ['linux', 'x64'],
  'linux-x64-vulkan': ['linux', 'x64'], 'mac-arm64-metal': ['darwin', 'arm64'], 'mac-x64': ['darwin', 'x64'],
  'win-arm64': ['win32', 'arm64'], 'win-x64': ['win32', 'x64'], 'win-x64-cuda': ['win32', 'x64'],
  'win-x64-cuda-ext': ['win32', 'x64'], 'win-x64-vulkan': ['win32', 'x64'],
};

const file = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(file, 'utf8'));
const pkgs = lock.packages;
const owner = pkgs['node_modules/node-llama-cpp'];
if (!owner) throw new Error('package-lock.json has no node-llama-cpp entry');
let added = 0;
for (const [name, version] of Object.entries(owner.optionalDependencies ?? {})) {
  const key = `node_modules/${name}`;
  if (pkgs[key]) continue;
  const plat = PLATFORM[name.split('/')[1]];
  if (!plat) throw new Error(`unknown platform package ${name}`);
  pkgs[key] = { version, cpu: [plat[1]], os: [plat[0]], dev: true, optional: true, license: 'MIT' };
  added++;
}
writeFileSync(file, JSON.stringify(lock, null, 2) + '\n');
console.log(`lock-platform-packages: ${added} entr${added === 1 ? 'y' : 'ies'} added`);
