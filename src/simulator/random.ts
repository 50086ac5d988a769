// The generator moved to core so the preprocessor (CEEMDAN's noise) draws from the same one; the simulator keeps
// importing it from here.
export { createRandom, type Random } from '../core/random.js';
