import { Transform } from "node:stream";
import { errorCodes, type FastifyRequest, type preParsingAsyncHookHandler } from "fastify";
import { principalForToken } from "./auth/sessions.js";
import type { Deps } from "./context.js";

/**
 * A preParsing hook for a route whose bodyLimit is the staff limit: bodies over the general
 * limit pass only with a valid staff session (bulk imports), others get the usual 413.
 */
export function staffBodyLimit(deps: Pick<Deps, "db" | "clock" | "config">, tokenOf: (request: FastifyRequest) => string | null): preParsingAsyncHookHandler {
  const { bodyBytes, staffBodyBytes } = deps.config.limits;
  const isStaff = async (request: FastifyRequest) => {
    const token = tokenOf(request);
    return token !== null && (await principalForToken(deps, token))?.kind === "User";
  };
  return async (request, _reply, payload) => {
    if (staffBodyBytes <= bodyBytes) return payload;
    const header = request.headers["content-length"];
    const length = header === undefined ? undefined : Number(header);
    // Most requests say how long they are: small ones cost no session lookup here.
    if (length !== undefined && length <= bodyBytes) return payload;
    if (await isStaff(request)) return payload;
    if (length !== undefined) throw new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE();
    return capped(payload, bodyBytes);
  };
}

/** Passes a body of unknown length through, failing with the 413 error once it exceeds `limit` bytes. */
function capped(payload: NodeJS.ReadableStream, limit: number) {
  let received = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      received += chunk.length;
      if (received > limit) done(new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE());
      else done(null, chunk);
    },
  });
  payload.on("error", (error) => counter.destroy(error));
  return payload.pipe(counter);
}
