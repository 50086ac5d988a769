import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { writeFileAtomic } from '../core/atomic-write.js';
import { gitState } from '../experiments/provenance.js';
import type { StudyStep } from '../experiments/study.js';

/**
 * A finished part of a step as kept on disk: what it produced, the plan it ran under and the code it ran with.
 * `seconds` (its wall time) is missing from accuracy parts written before it was recorded.
 */
export type StudyPart<T extends object> = T & {
  readonly plan: unknown;
  readonly commit: string | null;
  readonly seconds?: number;
};

/** The parts of one step, run or kept in order; each reports one line on stdout, so a log tells where a study stands. */
export interface StudyParts {
  /**
   * The part kept at `path` when an earlier run finished it under `plan`; else runs it and keeps what it returns
   * (atomically: a part is either whole or absent). Either way the part is read back from disk, so a fresh and a
   * resumed step assemble the same section.
   */
  finishedOrRun<T extends object>(
    path: string,
    plan: unknown,
    label: string,
    run: () => Promise<T>,
  ): Promise<StudyPart<T>>;
}

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

/** The parts of `step`, `total` of them: why a step of hours can be interrupted and resumed without redoing it. */
export function studyParts(step: StudyStep, total: number): StudyParts {
  let count = 0;
  const line = (text: string) => process.stdout.write(`study ${step} ${count}/${total} ${text}\n`);
  return {
    async finishedOrRun<T extends object>(path: string, plan: unknown, label: string, run: () => Promise<T>) {
      count++;
      if (existsSync(path)) {
        const kept = JSON.parse(await readFile(path, 'utf8')) as StudyPart<T>;
        if (isDeepStrictEqual(kept.plan, plan)) {
          line(`${label}: kept, finished earlier${kept.seconds === undefined ? '' : ` in ${kept.seconds} s`}`);
          return kept;
        }
      }
      // The code the part runs with (a commit made while it runs does not change its numbers).
      const commit = gitState()?.commit ?? null;
      const started = performance.now();
      const value = await run();
      const seconds = Math.round((performance.now() - started) / 100) / 10;
      await mkdir(dirname(path), { recursive: true });
      await writeFileAtomic(path, json({ plan, commit, seconds, ...value }), `${step} part ${label}`);
      line(`${label}: done in ${seconds} s`);
      return JSON.parse(await readFile(path, 'utf8')) as StudyPart<T>;
    },
  };
}
