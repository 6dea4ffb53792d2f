// src/verify/code/sandbox.bwrap-python.test.ts — the hostile battery, Python under bubblewrap (every case).

import { registerBattery } from './sandbox.case.test.js';

registerBattery('python', 'bubblewrap', async (names) => names);
