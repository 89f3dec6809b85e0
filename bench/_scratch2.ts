import "reflect-metadata";
import postgres from "postgres";
import { drizzle } from "drizzle-orm/postgres-js";
import * as schema from "../src/db/schema/index.js";
import { myCases } from "../src/modules/cases/case.service.js";
const url = process.argv[2];
const client = postgres(url, { max: 1, onnotice: () => {} });
const log: { q: string; p: unknown[] }[] = [];
const db = drizzle(client, { schema, logger: { logQuery: (q, p) => log.push({ q, p }) } });
const [c] = await client`select c.id, c.company_id, c.organisation_id, pa.profile_id from contacts c join portal_accounts pa on pa.contact_id = c.id where c.id = ${process.argv[3]}`;
const page = await myCases({ db: db as any }, { kind: "Contact", organisationId: c.organisation_id, contactId: c.id, companyId: c.company_id, profileId: c.profile_id }, null, { first: 20 });
console.log(await page.totalCount, page.edges.length);
for (const { q, p } of log) {
  console.log(q, p);
  for (const r of await client.unsafe(`explain (analyze, buffers) ${q}`, p as any[])) console.log(r["QUERY PLAN"]);
}
await client.end();
