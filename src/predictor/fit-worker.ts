// The fit worker of `WorkerTrainer`: runs `fitModel` on each request and posts the checked, serialized result.
import { type FitRequest, fitModel } from './trainer.js';
import { answerCalls } from './worker-calls.js';

answerCalls((request: FitRequest) => fitModel(request));
