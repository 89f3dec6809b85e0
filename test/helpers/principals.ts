import { randomBytes } from "node:crypto";
import { eq } from "drizzle-orm";
import type { GatehouseClient } from "../../client-sdk/src/index.js";
import { organisationGroups, organisations, users } from "../../src/db/schema/index.js";
import { newPassword, portalUser } from "./factories.js";
import type { TestServer } from "./server.js";

/**
 * Inserts a staff user straight into the database: the API to create staff users arrives
 * with the staff feature, and tests need plain and foreign staff before that.
 */
export async function staffUser(
  server: TestServer,
  options: { organisationSlug?: string; superUser?: boolean; state?: "ACTIVE" | "INACTIVE" } = {},
) {
  const slug = options.organisationSlug ?? "default";
  let [org] = await server.db.select().from(organisations).where(eq(organisations.slug, slug));
  if (!org) {
    const [group] = await server.db.insert(organisationGroups).values({ name: `Group ${slug}` }).returning();
    [org] = await server.db
      .insert(organisations)
      .values({ organisationGroupId: group.id, slug, name: `Organisation ${slug}` })
      .returning();
  }
  const username = `staff-${randomBytes(4).toString("hex")}`;
  const password = newPassword();
  const [user] = await server.db
    .insert(users)
    .values({
      organisationId: org.id,
      username,
      firstName: "Sam",
      lastName: "Staff",
      passwordHash: await server.deps.hasher.hash(password),
      superUser: options.superUser ?? false,
      state: options.state ?? "ACTIVE",
    })
    .returning();
  return { user, username, password, organisationSlug: slug };
}


/** Signs a staff user of any organisation in. */
export async function signInStaff(server: TestServer, who: { username: string; password: string; organisationSlug: string }) {
  const { login } = await server.anonymous.Login({
    input: { audience: "STAFF", login: who.username, password: who.password, organisation: who.organisationSlug },
  });
  return server.anonymous.withToken(login.token);
}

export type Matrix = {
  /** No token at all. */
  anonymous: GatehouseClient;
  /** A contact signed in to the portal. */
  portal: GatehouseClient;
  /** A signed-in staff user who is not a super user. */
  staff: GatehouseClient;
  /** A super user of another organisation: sees nothing of this one. */
  otherOrganisation: GatehouseClient;
};

/** The callers every operation is tried with (unkey-style security matrix). */
export async function securityMatrix(server: TestServer, admin: GatehouseClient): Promise<Matrix> {
  const user = await portalUser(admin);
  const portal = await server.signIn("PORTAL", user.login, user.password);
  const staff = await signInStaff(server, await staffUser(server));
  const otherOrganisation = await signInStaff(server, await staffUser(server, { organisationSlug: `other-${randomBytes(3).toString("hex")}`, superUser: true }));
  return { anonymous: server.anonymous, portal, staff, otherOrganisation };
}
