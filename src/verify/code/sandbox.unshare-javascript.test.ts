// src/verify/code/sandbox.unshare-javascript.test.ts — the hostile battery, JavaScript under the unshare backend (every case).

import { registerBattery } from './sandbox.case.test.js';

registerBattery('javascript', 'unshare', async (names) => names);
