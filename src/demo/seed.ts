import { and, count, eq, inArray, sql } from "drizzle-orm";
import { passwordExpiresAt, policyFor } from "../auth/policy.js";
import type { Caller, Deps } from "../context.js";
import {
  authenticationPolicies,
  cases,
  companies,
  contacts,
  customerGroups,
  organisations,
  portalAccounts,
  portalProfiles,
  queues,
  roles,
} from "../db/schema/index.js";
import { updateAuthenticationPolicy } from "../modules/auth/policy.service.js";
import { createPortalProfile } from "../modules/access/portal-profile.service.js";
import { createQueue } from "../modules/access/queue.service.js";
import { createRole } from "../modules/access/role.service.js";
import { createCompany } from "../modules/customers/company.service.js";
import { createContact } from "../modules/customers/contact.service.js";
import { createCustomerGroup } from "../modules/customers/customer-group.service.js";
import { setPortalAccess } from "../modules/customers/portal-account.service.js";

/**
 * A demo organisation after the CM/Track documents: profile cmtrack_basiccustomers with role
 * TrackAll on Helpdesk_2nd_Level and ServiceDesk for three customer groups, a Sales profile,
 * a company-wide role, companies with contacts, and a few hundred cases; and one portal
 * account in each interesting credential state (locked, expiring soon, must change, never
 * expires, pending verification, no password), under a policy whose passwords expire.
 * Idempotent: every thing is found by name before it is created, and cases are made only once.
 */
const DEMO_PASSWORD = "Portal-demo-2026!";
const GROUPS = ["Key accounts", "Standard customers", "Partners"];
const QUEUES = ["Helpdesk_2nd_Level", "ServiceDesk", "Sales"];
const COMPANIES: Array<[string, string, string[]]> = [
  ["Acme Corporation", "Key accounts", ["Ada Lovelace", "Charles Babbage", "Grace Hopper", "Alan Turing"]],
  ["Globex", "Key accounts", ["Edsger Dijkstra", "Barbara Liskov", "Donald Knuth"]],
  ["Initech", "Standard customers", ["Peter Gibbons", "Samir Nagheenanajar", "Michael Bolton", "Joanna Smith"]],
  ["Umbrella Services", "Standard customers", ["Claire Redfield", "Leon Kennedy", "Jill Valentine"]],
  ["Stark Partners", "Partners", ["Pepper Potts", "Happy Hogan", "James Rhodes"]],
];
export const CASE_COUNT = 300;

/** The credential states a demo account can be in, besides the plain ones above. */
export type DemoAccountState = "locked" | "expiring" | "mustChange" | "neverExpires" | "pendingVerification" | "noPassword";
/** One contact per state, in a company of their own, each with a portal account in that state. */
const STATE_COMPANY: [string, string] = ["Cyberdyne Systems", "Standard customers"];
const STATE_ACCOUNTS: Array<{ person: string; state: DemoAccountState; what: string }> = [
  { person: "Sarah Connor", state: "locked", what: "locked by staff: sign-in is refused (ACCOUNT_LOCKED)" },
  { person: "Miles Dyson", state: "expiring", what: "password expires 3 days after the first seed run: signs in with a warning" },
  { person: "John Connor", state: "mustChange", what: "must change the password: signs in with CHANGE_PASSWORD required" },
  { person: "Kyle Reese", state: "neverExpires", what: "password never expires (account setting)" },
  { person: "Peter Silberman", state: "pendingVerification", what: "self-registered, email not verified: sign-in is refused (ACCOUNT_DISABLED)" },
  { person: "Marcus Wright", state: "noPassword", what: "no password set: cannot sign in with one" },
];
/** The demo policy when the organisation still has the default one: passwords expire, so expiry can be shown. */
const DEMO_POLICY = { password: { maxAgeDays: 90, expiryWarningDays: 14 } };
/** The expiring account's password expires this many days after the seed first ran. */
export const EXPIRING_IN_DAYS = 3;
const DAY = 86_400_000;

async function findOrCreate<T>(find: () => Promise<T | undefined>, create: () => Promise<T>): Promise<T> {
  return (await find()) ?? (await create());
}

const byName = <T extends { name: string }>(rows: T[], name: string) => rows.find((r) => r.name.toLowerCase() === name.toLowerCase());

export async function seedDemo(deps: Pick<Deps, "db" | "hasher" | "clock" | "config">, caller: Caller) {
  const { db } = deps;
  const org = caller.organisationId;
  const inOrg = <T extends { organisationId: any }>(table: T) => eq(table.organisationId, org);

  const groupRows = await db.select().from(customerGroups).where(inOrg(customerGroups));
  const groups = new Map<string, string>();
  for (const name of GROUPS) {
    const group = await findOrCreate(async () => byName(groupRows, name), () => createCustomerGroup(deps, caller, { name, portalEnabled: true }));
    groups.set(name, group.id);
  }

  const queueRows = await db.select().from(queues).where(inOrg(queues));
  const queueIds = new Map<string, string>();
  for (const name of QUEUES) queueIds.set(name, (await findOrCreate(async () => byName(queueRows, name), () => createQueue(deps, caller, { name }))).id);

  const allGroups = [...groups.values()];
  const rw = (name: string) => ({ queueId: queueIds.get(name)!, read: true, write: true, append: true });
  const roleRows = await db.select().from(roles).where(inOrg(roles));
  const roleSpecs = [
    { name: "TrackAll", queuePermissions: [rw("Helpdesk_2nd_Level"), rw("ServiceDesk")], customerGroupIds: allGroups, accessOwnCompanyCases: false },
    { name: "TrackCompany", queuePermissions: [{ ...rw("ServiceDesk"), write: false }], customerGroupIds: allGroups, accessOwnCompanyCases: true },
    { name: "TrackSales", queuePermissions: [rw("Sales")], customerGroupIds: allGroups, accessOwnCompanyCases: false },
  ];
  const roleIds = new Map<string, string>();
  for (const spec of roleSpecs) roleIds.set(spec.name, (await findOrCreate(async () => byName(roleRows, spec.name), () => createRole(deps, caller, spec))).id);

  const profileRows = await db.select().from(portalProfiles).where(inOrg(portalProfiles));
  const profileSpecs = [
    { name: "cmtrack_basiccustomers", roleIds: [roleIds.get("TrackAll")!] },
    { name: "cmtrack_companyview", roleIds: [roleIds.get("TrackAll")!, roleIds.get("TrackCompany")!] },
    { name: "cmtrack_sales", roleIds: [roleIds.get("TrackSales")!] },
  ];
  const profileIds = new Map<string, string>();
  for (const spec of profileSpecs) {
    profileIds.set(spec.name, (await findOrCreate(async () => byName(profileRows, spec.name), () => createPortalProfile(deps, caller, spec))).id);
  }

  const logins: Array<{ login: string; profile: string; company: string }> = [];
  const companyRows = await db.select().from(companies).where(inOrg(companies));
  for (const [companyName, groupName, people] of COMPANIES) {
    const company = await findOrCreate(
      async () => byName(companyRows, companyName),
      () => createCompany(deps, caller, { name: companyName, customerGroupId: groups.get(groupName)! }),
    );
    const existing = await db.select().from(contacts).where(eq(contacts.companyId, company.id));
    for (const [i, person] of people.entries()) {
      const [firstName, lastName] = person.split(" ");
      const contact = await findOrCreate(
        async () => existing.find((c) => c.firstName === firstName && c.lastName === lastName),
        () => createContact(deps, caller, { firstName, lastName, companyId: company.id, email: `${firstName}.${lastName}@example.com`.toLowerCase() }),
      );
      const login = `${firstName}.${lastName}`.toLowerCase();
      const profile = i === 0 ? "cmtrack_companyview" : companyName === "Globex" && i === 2 ? "cmtrack_sales" : "cmtrack_basiccustomers";
      const [account] = await db.select().from(portalAccounts).where(eq(portalAccounts.contactId, contact.id));
      if (!account) await setPortalAccess(deps, caller, { contactId: contact.id, login, password: DEMO_PASSWORD, profileId: profileIds.get(profile)! });
      logins.push({ login, profile, company: companyName });
    }
  }

  // Passwords expire under the demo policy, unless the organisation group already has a policy of its own.
  const [{ groupId }] = await db.select({ groupId: organisations.organisationGroupId }).from(organisations).where(eq(organisations.id, org));
  const [ownPolicy] = await db.select().from(authenticationPolicies).where(eq(authenticationPolicies.organisationGroupId, groupId));
  if (!ownPolicy) await updateAuthenticationPolicy(deps, caller, groupId, DEMO_POLICY);
  const policy = await policyFor(db, org);

  const states: Array<{ login: string; state: DemoAccountState; what: string }> = [];
  const [stateCompanyName, stateGroupName] = STATE_COMPANY;
  const stateCompany = await findOrCreate(
    async () => byName(companyRows, stateCompanyName),
    () => createCompany(deps, caller, { name: stateCompanyName, customerGroupId: groups.get(stateGroupName)! }),
  );
  const stateContacts = await db.select().from(contacts).where(eq(contacts.companyId, stateCompany.id));
  for (const { person, state, what } of STATE_ACCOUNTS) {
    const [firstName, lastName] = person.split(" ");
    const contact = await findOrCreate(
      async () => stateContacts.find((c) => c.firstName === firstName && c.lastName === lastName),
      () => createContact(deps, caller, { firstName, lastName, companyId: stateCompany.id, email: `${firstName}.${lastName}@example.com`.toLowerCase() }),
    );
    const login = `${firstName}.${lastName}`.toLowerCase();
    const [account] = await db.select().from(portalAccounts).where(eq(portalAccounts.contactId, contact.id));
    // The state is given when the account is made and never again, so a second run changes nothing.
    if (!account) {
      await setPortalAccess(deps, caller, {
        contactId: contact.id,
        login,
        password: state === "noPassword" ? null : DEMO_PASSWORD,
        profileId: profileIds.get("cmtrack_basiccustomers")!,
        locked: state === "locked" ? true : null,
        mustChangePassword: state === "mustChange" ? true : null,
        passwordNeverExpires: state === "neverExpires" ? true : null,
      });
      // No operation sets a password's age or a pending registration: the demo writes them directly.
      if (state === "expiring" && policy.password.maxAgeDays !== null) {
        const changedAt = new Date(deps.clock().getTime() - (policy.password.maxAgeDays - EXPIRING_IN_DAYS) * DAY);
        await db.update(portalAccounts).set({ passwordChangedAt: changedAt }).where(eq(portalAccounts.contactId, contact.id));
      }
      if (state === "pendingVerification") {
        await db.update(portalAccounts).set({ pendingVerification: true }).where(eq(portalAccounts.contactId, contact.id));
      }
    }
    const [row] = await db.select().from(portalAccounts).where(eq(portalAccounts.contactId, contact.id));
    const expiresAt = state === "expiring" ? passwordExpiresAt(row, policy) : null;
    const note = state !== "expiring" ? "" : expiresAt ? ` (${expiresAt.toISOString()})` : " (not here: the organisation's own policy sets no maxAgeDays)";
    states.push({ login, state, what: `${what}${note}` });
  }

  const demoQueueIds = [...queueIds.values()];
  const [{ n: existingCases }] = await db.select({ n: count() }).from(cases).where(and(inOrg(cases), inArray(cases.queueId, demoQueueIds)));
  if (existingCases === 0) {
    const people = await db.select().from(contacts).where(and(inOrg(contacts), sql`${contacts.companyId} is not null`));
    const topics = ["Printer offline", "VPN drops every hour", "Invoice question", "Password expired", "New laptop", "Licence renewal", "Slow email", "Access to share"];
    const now = Date.now();
    const rows = Array.from({ length: CASE_COUNT }, (_, i) => {
      const reporter = people[(i * 7) % people.length];
      return {
        organisationId: org,
        queueId: demoQueueIds[i % demoQueueIds.length],
        contactId: reporter.id,
        companyId: reporter.companyId,
        customerGroupId: reporter.customerGroupId,
        subject: `${topics[i % topics.length]} #${i + 1}`,
        status: (i % 5 === 0 ? "CLOSED" : "OPEN") as "OPEN" | "CLOSED",
        createdAt: new Date(now - i * 3_600_000),
      };
    });
    await db.insert(cases).values(rows);
  }
  return { logins, states, password: DEMO_PASSWORD };
}
