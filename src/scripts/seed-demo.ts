// Services carry type-graphql decorators: the metadata polyfill goes first.
import "reflect-metadata";
import { eq } from "drizzle-orm";
import { PasswordHasher } from "../auth/passwords.js";
import { ensureInitialAdmin } from "../bootstrap.js";
import { loadConfig } from "../config.js";
import type { Caller } from "../context.js";
import { openDatabase } from "../db/client.js";
import { users } from "../db/schema/index.js";
import { CASE_COUNT, seedDemo } from "../demo/seed.js";

/** `npm run seed:demo`: loads the demo organisation into the configured database and prints logins to try. */
const config = loadConfig();
const database = await openDatabase({ url: config.databaseUrl, dataDir: config.databaseUrl ? undefined : config.dataDir });
try {
  const hasher = new PasswordHasher(config.argon2, config.hashing);
  await ensureInitialAdmin(database.db, hasher, config);
  const [admin] = await database.db.select().from(users).where(eq(users.username, "admin"));
  const caller: Caller = { organisationId: admin.organisationId, actor: { type: "User", id: admin.id }, clientAddress: null };
  const { logins, states, password } = await seedDemo({ db: database.db, hasher, clock: () => new Date(), config }, caller);
  console.log(`Demo organisation ready (${CASE_COUNT} cases). Portal logins to try, all with password ${password}:`);
  for (const l of logins) console.log(`  ${l.login.padEnd(24)} ${l.profile.padEnd(24)} ${l.company}`);
  console.log("Portal logins in each credential state (same password where they have one; explainSignIn shows why):");
  for (const s of states) console.log(`  ${s.login.padEnd(24)} ${s.state.padEnd(24)} ${s.what}`);
} finally {
  await database.close();
}
