import type { Command } from 'commander';
import { PrescaleError } from '../core/index.js';

/**
 * Runs a command's action and turns any failure into one clear line on stderr and a non-zero exit:
 * exit 2 for bad input (the user can fix it), 1 for anything unexpected.
 */
export function runCommand<A extends unknown[]>(action: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await action(...args);
    } catch (error) {
      if (error instanceof PrescaleError) {
        process.stderr.write(`prescale: ${error.message}\n`);
        process.exitCode = 2;
      } else {
        process.stderr.write(
          `prescale: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
        );
        process.exitCode = 1;
      }
    }
  };
}

/** Wraps an action so errors are reported, not thrown. */
export type RunCommand = typeof runCommand;

/**
 * Registers one `prescale <command>`; each lives in its own file under `src/cli/` and `commands.ts` lists them.
 * Declared here, not in `commands.ts`, so command files do not import the list that imports them.
 */
export type RegisterCommand = (program: Command, run: RunCommand) => void;
