// ETS fit and per-origin forecast time on 14 days of 1-minute data: npx tsx bench/models-ets.bench.ts
import { etsModel } from '../src/models/ets.js';
import { benchModel } from './models-timing.js';

await benchModel(etsModel, 10);
