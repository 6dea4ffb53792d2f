// src/verify/code/sandbox.bwrap-javascript.test.ts — the hostile battery, JavaScript under bubblewrap (every case).

import { registerBattery } from './sandbox.case.test.js';

registerBattery('javascript', 'bubblewrap', async (names) => names);
