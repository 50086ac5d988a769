// CEEMDAN forecasters' fit and per-origin forecast time on 14 days of 1-minute data: npx tsx bench/models-ceemdan.bench.ts
import { ceemdanDenoiseModel, ceemdanEtsModel } from '../src/models/ceemdan.js';
import { benchModel } from './models-timing.js';

await benchModel(ceemdanEtsModel, 5);
await benchModel(ceemdanDenoiseModel, 5);
