// src/verify/code/sandbox.unshare-python.test.ts — the hostile battery, Python under the unshare backend (every case).

import { registerBattery } from './sandbox.case.test.js';

registerBattery('python', 'unshare', async (names) => names);
