import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { count, eq, sql } from "drizzle-orm";
import type { PasswordHasher } from "./auth/passwords.js";
import { generatePassword } from "./auth/generate-password.js";
import type { Db } from "./db/client.js";
import { auditEvents, organisationGroups, organisations, users } from "./db/schema/index.js";
import { DEFAULT_ORGANISATION_SLUG } from "./db/schema/organisations.js";

/** The default organisation group and organisation; created once, found after. */
export async function ensureDefaultOrganisation(db: Db) {
  await db.insert(organisationGroups).values({ name: "Default" }).onConflictDoNothing();
  const [group] = await db.select().from(organisationGroups).where(sql`lower(${organisationGroups.name}) = 'default'`);
  await db
    .insert(organisations)
    .values({ organisationGroupId: group.id, slug: DEFAULT_ORGANISATION_SLUG, name: "Default organisation" })
    .onConflictDoNothing();
  const [org] = await db.select().from(organisations).where(eq(organisations.slug, DEFAULT_ORGANISATION_SLUG));
  return org;
}

export type InitialAdmin = { username: string; password: string; generated: boolean; passwordFile?: string };

/**
 * On the very first start (no staff user at all) creates the super user `admin`; never again.
 * A generated password is written to <data dir>/initial-admin-password, readable by the owner only.
 */
export async function ensureInitialAdmin(
  db: Db,
  hasher: PasswordHasher,
  options: { adminPassword?: string; dataDir: string },
): Promise<InitialAdmin | null> {
  const org = await ensureDefaultOrganisation(db);
  const [{ n }] = await db.select({ n: count() }).from(users);
  if (n > 0) return null;
  const generated = !options.adminPassword;
  const password = options.adminPassword ?? generatePassword(24);
  const passwordHash = await hasher.hash(password);
  const created = await db.transaction(async (tx) => {
    const [{ n: again }] = await tx.select({ n: count() }).from(users);
    if (again > 0) return false;
    const [admin] = await tx
      .insert(users)
      .values({
        organisationId: org.id,
        username: "admin",
        firstName: "Initial",
        lastName: "Administrator",
        passwordHash,
        passwordChangedAt: new Date(),
        superUser: true,
      })
      .returning({ id: users.id });
    await tx.insert(auditEvents).values({
      organisationId: org.id,
      action: "createInitialAdmin",
      entityType: "User",
      entityId: admin.id,
      changes: { username: { from: null, to: "admin" }, superUser: { from: null, to: true }, passwordChanged: true },
    });
    return true;
  });
  if (!created) return null;
  if (!generated) return { username: "admin", password, generated };
  mkdirSync(resolve(options.dataDir), { recursive: true });
  const passwordFile = join(resolve(options.dataDir), "initial-admin-password");
  writeFileSync(passwordFile, password + "\n", { mode: 0o600 });
  return { username: "admin", password, generated, passwordFile };
}
