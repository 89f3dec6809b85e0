/**
 * The plain endpoint the myCases benchmark compares Gatehouse with: bare Fastify and postgres.js
 * (prepared statements, a pool of 10 like Gatehouse's), no GraphQL, no authentication: the contact
 * is named in the query string. GET /my-cases?contact=<id>&first=20&count=1 answers in the shape of
 * Gatehouse's myCases response. Started by bench/my-cases.bench.ts with PORT and DATABASE_URL.
 */
import Fastify from "fastify";
import postgres from "postgres";
import { asConnection, baselinePage } from "./my-cases-baseline.js";

const sql = postgres(process.env.DATABASE_URL!, { max: Number(process.env.POOL_SIZE ?? 10), onnotice: () => {} });
const app = Fastify({ logger: false });

app.get("/ready", async () => {
  await sql`select 1`;
  return { ok: true };
});

app.get<{ Querystring: { contact: string; first?: string; count?: string } }>("/my-cases", async (request) => {
  const first = Number(request.query.first ?? 20);
  const withCount = request.query.count === "1";
  // One row more than the page, as Gatehouse fetches, to know whether there is a next page.
  const rows = await baselinePage(sql, request.query.contact, first + 1, withCount);
  return asConnection(rows, withCount, first);
});

await app.listen({ port: Number(process.env.PORT), host: "127.0.0.1" });
const stop = async () => {
  await app.close();
  await sql.end({ timeout: 5 });
  process.exit(0);
};
process.on("SIGTERM", () => void stop());
process.on("SIGINT", () => void stop());
