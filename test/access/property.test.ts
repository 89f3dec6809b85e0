import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GatehouseError, type GatehouseClient } from "../../client-sdk/src/index.js";
import { company, contact, customerGroup, newPassword, portalProfile, queue, role, unique } from "../helpers/factories.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

/**
 * Property: for random worlds of queues, roles, profiles, companies, contacts and cases,
 * myCases, case and explainCaseAccess agree with a plain in-memory reading of THE rule in
 * ../shared/contract/access.graphql, for every contact and every case of the world.
 *
 * Reproduce a failure with the seed (and path) fast-check prints: FC_SEED=... FC_PATH=... npx vitest run test/access/property.test.ts
 */

const NUM_RUNS = Number(process.env.FC_RUNS ?? 20);

// ---------------------------------------------------------------------------------------
// The world, by index: everything refers to other things by their position in its list.

type Flags = { read: boolean; write: boolean; append: boolean };
type RoleSpec = { perms: Array<Flags | null>; groups: number[]; ownCompany: boolean };
type World = {
  groups: number;
  queues: number;
  roles: RoleSpec[]; // perms[q] null: the role says nothing about queue q
  profiles: number[][]; // role indices
  companies: number[]; // company -> customer group
  contacts: Array<{ company: number; profile: number | null }>;
  cases: Array<{ queue: number; reporter: number }>; // a case's company and group are its reporter's
};

// ---------------------------------------------------------------------------------------
// The model: THE rule, straight from the contract's text.

const groupOfContact = (w: World, c: number) => w.companies[w.contacts[c].company];
const rolesOf = (w: World, c: number): RoleSpec[] => {
  const p = w.contacts[c].profile;
  return p === null ? [] : w.profiles[p].map((r) => w.roles[r]); // no profile: no roles, may do nothing
};

/** C may READ K iff one role R of C's profile grants read on K's queue, K's customer group is among
 *  R's customer groups, and (K's contact is C, or R.accessOwnCompanyCases and K's company is C's company). */
function mayRead(w: World, c: number, k: number): boolean {
  const kase = w.cases[k];
  return rolesOf(w, c).some(
    (r) =>
      r.perms[kase.queue]?.read === true &&
      r.groups.includes(groupOfContact(w, kase.reporter)) &&
      (kase.reporter === c || (r.ownCompany && w.contacts[kase.reporter].company === w.contacts[c].company)),
  );
}

/** C may WRITE on a queue iff a role grants write on it. */
const mayWrite = (w: World, c: number, q: number) => rolesOf(w, c).some((r) => r.perms[q]?.write === true);

/** C may APPEND on K iff C may read K and any role of C's profile grants append on K's queue. */
const mayAppend = (w: World, c: number, k: number) =>
  mayRead(w, c, k) && rolesOf(w, c).some((r) => r.perms[w.cases[k].queue]?.append === true);

// ---------------------------------------------------------------------------------------
// The generator. Sizes are drawn first; references are drawn as naturals and reduced modulo the
// sizes, so every part shrinks on its own.

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
// read is drawn true three times in four, so that enough pairs are readable to test the other conditions.
const flags = fc.record({ read: fc.nat(3).map((n) => n > 0), write: fc.boolean(), append: fc.boolean() });

const worldArb: fc.Arbitrary<World> = fc
  .record({
    groups: fc.integer({ min: 2, max: 3 }),
    queues: fc.integer({ min: 2, max: 3 }),
    roles: fc.array(
      fc.record({
        perms: fc.array(fc.option(flags, { freq: 4, nil: null }), { minLength: 3, maxLength: 3 }),
        groups: fc.array(fc.nat(2).map((n) => n > 0), { minLength: 3, maxLength: 3 }), // covers group g: two times in three
        ownCompany: fc.boolean(),
      }),
      { minLength: 1, maxLength: 4 },
    ),
    profiles: fc.array(fc.array(fc.nat(3).map((n) => n > 0), { minLength: 4, maxLength: 4 }), { minLength: 1, maxLength: 3 }), // holds role r: three times in four
    companies: fc.array(fc.nat(2), { minLength: 2, maxLength: 3 }),
    contacts: fc.array(fc.record({ company: fc.nat(2), profile: fc.option(fc.nat(2), { freq: 8, nil: null }) }), {
      minLength: 3,
      maxLength: 6,
    }),
    cases: fc.array(fc.record({ queue: fc.nat(2), reporter: fc.nat(5) }), { minLength: 4, maxLength: 12 }),
  })
  .map((raw): World => ({
    groups: raw.groups,
    queues: raw.queues,
    roles: raw.roles.map((r) => ({
      perms: r.perms.slice(0, raw.queues),
      groups: range(raw.groups).filter((g) => r.groups[g]),
      ownCompany: r.ownCompany,
    })),
    profiles: raw.profiles.map((p) => range(raw.roles.length).filter((r) => p[r])),
    companies: raw.companies.map((g) => g % raw.groups),
    contacts: raw.contacts.map((c) => ({
      company: c.company % raw.companies.length,
      profile: c.profile === null ? null : c.profile % raw.profiles.length,
    })),
    cases: raw.cases.map((k) => ({ queue: k.queue % raw.queues, reporter: k.reporter % raw.contacts.length })),
  }));

// ---------------------------------------------------------------------------------------
// Building a world through the admin SDK, under fresh names.

let server: TestServer;
let admin: GatehouseClient;
beforeAll(async () => {
  // Passwords are not what this file tests: cheap argon2 keeps the many sign-ins and accounts quick.
  server = await startTestServer({ env: { GATEHOUSE_ARGON2_MEMORY_KIB: "1024", GATEHOUSE_ARGON2_TIME_COST: "1" } });
  admin = await server.admin();
});
afterAll(() => server?.close());

type Built = {
  queueIds: string[];
  contactIds: string[];
  caseIds: string[];
  logins: Array<{ login: string; password: string }>;
};

async function build(w: World): Promise<Built> {
  const tag = unique();
  const [groups, queues] = await Promise.all([
    Promise.all(range(w.groups).map((g) => customerGroup(admin, { name: `Prop group ${g} ${tag}`, portalEnabled: true }))),
    Promise.all(range(w.queues).map((q) => queue(admin, `Prop queue ${q} ${tag}`))),
  ]);
  const roles = await Promise.all(
    w.roles.map((r, i) =>
      role(admin, {
        name: `Prop role ${i} ${tag}`,
        queuePermissions: r.perms.flatMap((f, q) => (f ? [{ queueId: queues[q].id, ...f }] : [])),
        customerGroupIds: r.groups.map((g) => groups[g].id),
        accessOwnCompanyCases: r.ownCompany,
      }),
    ),
  );
  const profiles = await Promise.all(
    w.profiles.map((p, i) => portalProfile(admin, { name: `Prop profile ${i} ${tag}`, roleIds: p.map((r) => roles[r].id) })),
  );
  const companies = await Promise.all(
    w.companies.map((g, i) => company(admin, { name: `Prop company ${i} ${tag}`, customerGroupId: groups[g].id })),
  );
  const contacts = await Promise.all(
    w.contacts.map((c, i) => contact(admin, { companyId: companies[c.company].id, firstName: `C${i}`, lastName: `Prop ${tag}` })),
  );
  const logins = await Promise.all(
    w.contacts.map(async (c, i) => {
      const login = `prop-${tag}-${i}`;
      const password = newPassword();
      await admin.SetPortalAccess({
        input: { contactId: contacts[i].id, login, password, profileId: c.profile === null ? null : profiles[c.profile].id },
      });
      return { login, password };
    }),
  );
  const cases = await Promise.all(
    w.cases.map(async (k, i) => {
      const { createCase } = await admin.CreateCase({
        input: { queueId: queues[k.queue].id, contactId: contacts[k.reporter].id, subject: `Prop case ${i} ${tag}` },
      });
      return createCase;
    }),
  );
  return { queueIds: queues.map((q) => q.id), contactIds: contacts.map((c) => c.id), caseIds: cases.map((k) => k.id), logins };
}

async function errorCode(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    if (error instanceof GatehouseError) return error.code;
    throw error;
  }
}

// ---------------------------------------------------------------------------------------

describe("the access rule, property-based", () => {
  it(
    "myCases, case and explainCaseAccess agree with the in-memory rule for every contact and case",
    { timeout: 600_000 },
    async () => {
      const seen = {
        worlds: 0,
        readable: 0,
        unreadable: 0,
        ownCompanyReads: 0,
        appendWithoutReadDenied: 0,
        writeOnCaseQueue: 0,
        readWithoutAppend: 0,
        appendable: 0,
        profileless: 0,
        // why unreadable pairs were denied, by the first missing piece
        deniedNoQueueRead: 0,
        deniedGroupNotCovered: 0,
        deniedNotOwnNorCompany: 0,
      };

      async function checkContact(w: World, built: Built, c: number) {
        const explain = (k: number) =>
          admin.ExplainCaseAccess({ contactId: built.contactIds[c], caseId: built.caseIds[k] }).then((r) => r.explainCaseAccess);

        if (w.contacts[c].profile === null) {
          // No profile: may not sign in, and explainCaseAccess says nothing is allowed.
          seen.profileless++;
          expect(await errorCode(server.signIn("PORTAL", built.logins[c].login, built.logins[c].password))).toBe("ACCOUNT_DISABLED");
          for (const d of await Promise.all(range(w.cases.length).map(explain))) {
            expect({ read: d.read, write: d.write, append: d.append }).toEqual({ read: false, write: false, append: false });
            expect(d.reasons.length).toBeGreaterThan(0);
          }
          return;
        }

        const portal = await server.signIn("PORTAL", built.logins[c].login, built.logins[c].password);
        const expected = range(w.cases.length).filter((k) => mayRead(w, c, k));

        // myCases lists exactly the readable cases of the world.
        const { myCases } = await portal.MyCases({ first: 100 });
        expect(new Set(myCases.edges.map((e) => e.node.id)), `myCases of contact ${c}`).toEqual(new Set(expected.map((k) => built.caseIds[k])));
        expect(myCases.edges).toHaveLength(expected.length);
        expect(myCases.totalCount).toBe(expected.length);
        expect(myCases.pageInfo.hasNextPage).toBe(false);

        await Promise.all(
          range(w.cases.length).map(async (k) => {
            const read = mayRead(w, c, k);
            const write = mayWrite(w, c, w.cases[k].queue);
            const append = mayAppend(w, c, k);
            const where = `contact ${c}, case ${k}`;
            const id = built.caseIds[k];

            // case(id): the case iff readable, NOT_FOUND otherwise; explainCaseAccess (as admin): the same three decisions.
            const [single, d] = await Promise.all([
              portal.Case({ id }).then((r) => r.case, (error: unknown) => errorCode(Promise.reject(error))),
              explain(k),
            ]);
            if (read) {
              expect(single, where).toMatchObject({
                id,
                queue: { id: built.queueIds[w.cases[k].queue] },
                contact: { id: built.contactIds[w.cases[k].reporter] },
              });
            } else {
              expect(single, where).toBe("NOT_FOUND");
            }
            expect({ read: d.read, write: d.write, append: d.append }, where).toEqual({ read, write, append });
            expect(d.reasons.length, where).toBeGreaterThan(0);

            if (read) seen.readable++;
            else {
              seen.unreadable++;
              const readers = rolesOf(w, c).filter((r) => r.perms[w.cases[k].queue]?.read);
              if (!readers.length) seen.deniedNoQueueRead++;
              else if (!readers.some((r) => r.groups.includes(groupOfContact(w, w.cases[k].reporter)))) seen.deniedGroupNotCovered++;
              else seen.deniedNotOwnNorCompany++;
            }
            if (read && w.cases[k].reporter !== c) seen.ownCompanyReads++;
            if (!read && rolesOf(w, c).some((r) => r.perms[w.cases[k].queue]?.append)) seen.appendWithoutReadDenied++;
            if (read && !append) seen.readWithoutAppend++;
            if (append) seen.appendable++;
            if (write) seen.writeOnCaseQueue++;
          }),
        );
      }

      await fc.assert(
        fc.asyncProperty(worldArb, async (w) => {
          seen.worlds++;
          const built = await build(w);

          // Every contact at once (each check is independent): the world's requests overlap.
          await Promise.all(range(w.contacts.length).map((c) => checkContact(w, built, c)));
        }),
        {
          numRuns: NUM_RUNS,
          // A failure shrinks by building whole worlds again (minutes): stop in time to print the
          // seed and the smallest counterexample so far before the test's own timeout; an
          // interrupt without a failure fails too, so a slow machine never passes on fewer runs.
          interruptAfterTimeLimit: 480_000,
          markInterruptAsFailure: true,
          ...(process.env.FC_SEED ? { seed: Number(process.env.FC_SEED) } : {}),
          ...(process.env.FC_PATH ? { path: process.env.FC_PATH } : {}),
        },
      );

      console.log(`access property: ${JSON.stringify(seen)}`);
      // The generated worlds exercised both outcomes and the rule's interesting branches.
      expect(seen.readable).toBeGreaterThan(0);
      expect(seen.unreadable).toBeGreaterThan(0);
      expect(seen.ownCompanyReads).toBeGreaterThan(0);
      expect(seen.appendWithoutReadDenied).toBeGreaterThan(0);
      expect(seen.readWithoutAppend).toBeGreaterThan(0);
      expect(seen.appendable).toBeGreaterThan(0);
      expect(seen.writeOnCaseQueue).toBeGreaterThan(0);
      expect(seen.profileless).toBeGreaterThan(0);
      expect(seen.deniedNoQueueRead).toBeGreaterThan(0);
      expect(seen.deniedGroupNotCovered).toBeGreaterThan(0);
      expect(seen.deniedNotOwnNorCompany).toBeGreaterThan(0);
    },
  );
});
