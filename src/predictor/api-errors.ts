import type { FastifyReply } from 'fastify';

/** One problem with a request: the dotted path of the field and what to do. */
export interface ApiIssue {
  readonly path: string;
  readonly message: string;
}

/** The error body of every 4xx/5xx answer. */
export interface ApiErrorBody {
  readonly error: {
    readonly code: string;
    readonly field: string | null;
    readonly message: string;
    readonly issues?: readonly ApiIssue[];
  };
}

/** A 4xx answer with the field named. */
export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    readonly field: string | null,
    message: string,
    readonly issues?: readonly ApiIssue[],
  ) {
    super(message);
  }

  /** A 400 for every issue of a request body; the first names the field. */
  static invalidInput(issues: readonly ApiIssue[]): ApiError {
    const [first] = issues;
    return new ApiError(400, 'invalid-input', first.path, `${first.path}: ${first.message}`, issues);
  }
}

export function sendError(reply: FastifyReply, error: ApiError): FastifyReply {
  const body: ApiErrorBody = {
    error: {
      code: error.code,
      field: error.field,
      message: error.message,
      ...(error.issues !== undefined && { issues: error.issues }),
    },
  };
  return reply.code(error.statusCode).send(body);
}
