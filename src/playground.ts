import { randomBytes } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { ruruHTML } from "ruru/server";
import { getStaticFile } from "ruru/static";

const STATIC_PATH = "/playground/static/";

/** Browsers asking for a page get the playground; GraphQL clients never send text/html first. */
export const wantsPlayground = (request: FastifyRequest) =>
  request.method === "GET" && /text\/html/.test(request.headers.accept ?? "") && !(request.query as any)?.query;

/** As strict a policy as ruru works under in Chromium (test/platform/playground.test.ts checks it). */
function contentSecurityPolicy(nonce: string) {
  return [
    "default-src 'none'",
    `script-src 'self' 'nonce-${nonce}'`,
    // Monaco sets style attributes and adds <style> elements without a nonce.
    "style-src 'self' 'unsafe-inline'",
    // Monaco's colour picker draws with data: images.
    "img-src 'self' data:",
    // ruru.css embeds its fonts as data: URIs.
    "font-src 'self' data:",
    "connect-src 'self'",
    // Monaco's language workers load from /playground/static/ (no blob: workers).
    "worker-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/** The GraphQL IDE, served entirely from this server: no request leaves for another host. */
export function sendPlayground(reply: FastifyReply) {
  const nonce = randomBytes(16).toString("base64");
  const html = ruruHTML({ endpoint: "/graphql", staticPath: STATIC_PATH })
    .replace(/<script(?=[\s>])/g, `<script nonce="${nonce}"`)
    // An empty icon stops the browser asking for /favicon.ico, which this server does not have.
    .replace(/<head>/, '<head>\n<link rel="icon" href="data:," />');
  return reply
    .header("content-type", "text/html; charset=utf-8")
    .header("content-security-policy", contentSecurityPolicy(nonce))
    .header("x-content-type-options", "nosniff")
    .header("referrer-policy", "no-referrer")
    // The nonce is per response, so no cache may hand the page out again.
    .header("cache-control", "no-store")
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
