// The fit worker of `WorkerTrainer`: runs `fitModel` on each request and posts the checked, serialized result.
import { FIT_THREAD_NICE_STEP, lowerThreadPriority } from './thread-priority.js';
import { type FitRequest, fitModel } from './trainer.js';
import { answerCalls } from './worker-calls.js';

lowerThreadPriority(FIT_THREAD_NICE_STEP);
answerCalls((request: FitRequest) => fitModel(request));
