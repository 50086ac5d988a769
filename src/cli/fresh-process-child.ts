// The child side of `runInFreshProcess`: runs the one call it is sent, replies with its value or its error, exits.
import type { FreshProcessCall, FreshProcessReply } from './fresh-process.js';

/** Replies, then exits once the reply is sent (loaded modules such as ONNX Runtime may keep the process alive). */
function reply(message: FreshProcessReply, code: number): void {
  process.send?.(message, () => process.exit(code));
}

// A parent that dies (killed with the study) leaves no orphan running its part.
process.on('disconnect', () => process.exit(1));
process.once('message', async (call: FreshProcessCall) => {
  try {
    const module = (await import(call.moduleUrl)) as Record<string, (...args: unknown[]) => Promise<unknown>>;
    reply({ value: await module[call.exportName](...call.args) }, 0);
  } catch (error) {
    const { message, code, field } = error as { message?: string; code?: string; field?: string };
    reply({ error: { message: message ?? String(error), code, field } }, 1);
  }
});
