// MSTL fit and per-origin forecast time on 14 days of 1-minute data: npx tsx bench/models-mstl.bench.ts
import { mstlModel } from '../src/models/mstl.js';
import { benchModel } from './models-timing.js';

await benchModel(mstlModel, 10);
