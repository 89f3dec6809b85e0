import { randomBytes } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { ruruHTML } from "ruru/server";
import { getStaticFile } from "ruru/static";

const STATIC_PATH = "/playground/static/";

/** Browsers asking for a page get the playground; GraphQL clients never send text/html first. */
export const wantsPlayground = (request: FastifyRequest) =>
  request.method === "GET" && /text\/html/.test(request.headers.accept ?? "") && !(request.query as any)?.query;

/** The GraphQL IDE, served entirely from this server: no request leaves for another host. */
export function sendPlayground(reply: FastifyReply) {
  const nonce = randomBytes(16).toString("base64");
  const html = ruruHTML({ endpoint: "/graphql", staticPath: STATIC_PATH }).replace(/<script(?=[\s>])/g, `<script nonce="${nonce}"`);
  return reply
    .header("content-type", "text/html; charset=utf-8")
    .header(
      "content-security-policy",
      [
        "default-src 'self'",
        `script-src 'self' 'nonce-${nonce}'`,
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "worker-src 'self' blob:",
        "frame-ancestors 'none'",
      ].join("; "),
    )
    .header("x-content-type-options", "nosniff")
    .send(html);
}

export function registerPlayground(app: FastifyInstance) {
  app.get("/playground", async (_request, reply) => sendPlayground(reply));
  app.get(`${STATIC_PATH}*`, async (request, reply) => {
    const file = await getStaticFile({
      staticPath: STATIC_PATH,
      urlPath: request.url.split("?")[0],
      acceptEncoding: request.headers["accept-encoding"],
      disallowDevAssets: true,
    });
    if (!file) return reply.code(404).send({ error: "not found" });
    return reply.headers(file.headers).send(file.content);
  });
}
