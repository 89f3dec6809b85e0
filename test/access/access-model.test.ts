/**
 * Managing the access model through HTTP: queues, roles and portal profiles; the licence
 * seats that cap profiles; who may manage them (the security matrix); and the audit event
 * each mutation writes.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GatehouseClient } from "../../client-sdk/src/index.js";
import { auditCount, expectRefusal, unknownId } from "../customers/support.js";
import { customerGroup, portalProfile, portalUser, queue, role, unique } from "../helpers/factories.js";
import { type Matrix, securityMatrix, signInStaff, staffUser } from "../helpers/principals.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { grant, RWA } from "./support.js";

let server: TestServer;
let admin: GatehouseClient;
let adminId: string;
let matrix: Matrix;
beforeAll(async () => {
  server = await startTestServer();
  admin = await server.admin();
  adminId = (await admin.Me()).me.id;
  matrix = await securityMatrix(server, admin);
});
afterAll(() => server?.close());

type RoleView = { id: string; name: string; accessOwnCompanyCases: boolean };
/** Every role of the caller's organisation (no SDK operation lists them; an administrator would send this). */
async function rolesOf(client: GatehouseClient) {
  const result = await client.execute<{ roles: RoleView[] }>("{ roles { id name accessOwnCompanyCases } }");
  expect(result.errors).toBeUndefined();
  return result.data!.roles;
}
const roleNamed = async (name: string) => (await rolesOf(admin)).find((r) => r.name === name);
const queueNames = async (client: GatehouseClient = admin) => (await client.Queues()).queues.map((q) => q.name);
const profileNamed = async (name: string, client: GatehouseClient = admin) =>
  (await client.PortalProfiles()).portalProfiles.find((p) => p.name === name);

/** A role as UpdateRole answers it, for comparisons: permissions sorted by queue id. */
type PermissionView = { queue: { id: string; name?: string }; read: boolean; write: boolean; append: boolean };
const normalised = (r: { queuePermissions: PermissionView[]; customerGroups: Array<{ id: string; name?: string }> }) => ({
  permissions: [...r.queuePermissions].sort((a, b) => a.queue.id.localeCompare(b.queue.id)),
  groups: r.customerGroups.map((g) => g.id).sort(),
});

describe("queues", () => {
  it("creates a queue and lists it", async () => {
    const name = `Helpdesk ${unique()}`;
    const { createQueue } = await admin.CreateQueue({ input: { name } });
    expect(createQueue).toEqual({ id: expect.any(String), name });
    expect((await admin.Queues()).queues).toContainEqual({ id: createQueue.id, name });
  });

  it("lists queues by name", async () => {
    const tag = unique();
    for (const n of ["b", "a", "c"]) await queue(admin, `Sorted ${tag} ${n}`);
    const names = (await queueNames()).filter((n) => n.startsWith(`Sorted ${tag}`));
    expect(names).toEqual([`Sorted ${tag} a`, `Sorted ${tag} b`, `Sorted ${tag} c`]);
  });

  it("refuses a duplicate name (case-insensitively) with CONFLICT on name, writing nothing", async () => {
    const name = `Dup ${unique()}`;
    await queue(admin, name);
    await expectRefusal(admin.CreateQueue({ input: { name } }), "CONFLICT", "name");
    await expectRefusal(admin.CreateQueue({ input: { name: name.toUpperCase() } }), "CONFLICT", "name");
    expect((await queueNames()).filter((n) => n.toLowerCase() === name.toLowerCase())).toHaveLength(1);
  });

  it("refuses an empty or blank name with BAD_USER_INPUT on name", async () => {
    const before = (await admin.Queues()).queues.length;
    await expectRefusal(admin.CreateQueue({ input: { name: "" } }), "BAD_USER_INPUT", "name");
    await expectRefusal(admin.CreateQueue({ input: { name: "   " } }), "BAD_USER_INPUT", "name");
    expect((await admin.Queues()).queues.length).toBe(before);
  });
});

describe("roles", () => {
  it("creates a role with queue permissions, customer groups and accessOwnCompanyCases", async () => {
    const [q1, q2] = [await queue(admin), await queue(admin)];
    const [g1, g2] = [await customerGroup(admin), await customerGroup(admin)];
    const name = `Role ${unique()}`;
    const { createRole } = await admin.CreateRole({
      input: {
        name,
        queuePermissions: [grant(q1.id, RWA), grant(q2.id, { read: true, append: true })],
        customerGroupIds: [g1.id, g2.id],
        accessOwnCompanyCases: true,
      },
    });
    expect(createRole).toMatchObject({ name, accessOwnCompanyCases: true });
    expect(normalised(createRole)).toEqual(
      normalised({
        queuePermissions: [
          { queue: { id: q1.id, name: q1.name }, read: true, write: true, append: true },
          { queue: { id: q2.id, name: q2.name }, read: true, write: false, append: true },
        ],
        customerGroups: [g1, g2],
      }),
    );
    expect(createRole.customerGroups.map((g) => g.name).sort()).toEqual([g1.name, g2.name].sort());
    expect(await roleNamed(name)).toEqual({ id: createRole.id, name, accessOwnCompanyCases: true });
  });

  it("defaults to no permissions, no groups and no company access", async () => {
    const { createRole } = await admin.CreateRole({ input: { name: `Bare ${unique()}` } });
    expect(createRole).toMatchObject({ accessOwnCompanyCases: false, queuePermissions: [], customerGroups: [] });
  });

  it("refuses an unknown or malformed queueId with BAD_USER_INPUT naming queuePermissions.N.queueId, writing nothing", async () => {
    const q = await queue(admin);
    const name = `Bad queue ${unique()}`;
    await expectRefusal(admin.CreateRole({ input: { name, queuePermissions: [grant(unknownId(), RWA)] } }), "BAD_USER_INPUT", "queuePermissions.0.queueId");
    await expectRefusal(
      admin.CreateRole({ input: { name, queuePermissions: [grant(q.id, RWA), grant("nope", RWA)] } }),
      "BAD_USER_INPUT",
      "queuePermissions.1.queueId",
    );
    expect(await roleNamed(name)).toBeUndefined();
  });

  it("refuses the same queue twice with BAD_USER_INPUT, writing nothing", async () => {
    const q = await queue(admin);
    const name = `Twice ${unique()}`;
    const error = await expectRefusal(
      admin.CreateRole({ input: { name, queuePermissions: [grant(q.id, { read: true }), grant(q.id, { write: true })] } }),
      "BAD_USER_INPUT",
    );
    expect(error.field).toMatch(/^queuePermissions\.[01]\.queueId$/);
    expect(await roleNamed(name)).toBeUndefined();
  });

  it("refuses an unknown customer group with BAD_USER_INPUT naming customerGroupIds.N, writing nothing", async () => {
    const g = await customerGroup(admin);
    const name = `Bad group ${unique()}`;
    await expectRefusal(admin.CreateRole({ input: { name, customerGroupIds: [unknownId()] } }), "BAD_USER_INPUT", "customerGroupIds.0");
    await expectRefusal(admin.CreateRole({ input: { name, customerGroupIds: [g.id, "nope"] } }), "BAD_USER_INPUT", "customerGroupIds.1");
    expect(await roleNamed(name)).toBeUndefined();
  });

  it("refuses a duplicate name (case-insensitively) with CONFLICT on name, and an empty one with BAD_USER_INPUT", async () => {
    const name = `Same ${unique()}`;
    await role(admin, { name });
    await expectRefusal(admin.CreateRole({ input: { name: name.toLowerCase() } }), "CONFLICT", "name");
    await expectRefusal(admin.CreateRole({ input: { name: " " } }), "BAD_USER_INPUT", "name");
  });

  it("UpdateRole REPLACES the permissions with exactly those given", async () => {
    const [q1, q2, q3] = [await queue(admin), await queue(admin), await queue(admin)];
    const g = await customerGroup(admin);
    const r = await role(admin, { queuePermissions: [grant(q1.id, RWA), grant(q2.id, { read: true })], customerGroupIds: [g.id] });
    const { updateRole } = await admin.UpdateRole({ input: { id: r.id, queuePermissions: [grant(q2.id, { write: true }), grant(q3.id, { append: true })] } });
    expect(normalised(updateRole).permissions).toEqual(
      normalised({
        queuePermissions: [
          { queue: { id: q2.id, name: q2.name }, read: false, write: true, append: false },
          { queue: { id: q3.id, name: q3.name }, read: false, write: false, append: true },
        ],
        customerGroups: [],
      }).permissions,
    );
    // Groups were left out: kept.
    expect(updateRole.customerGroups.map((x) => x.id)).toEqual([g.id]);
    // An empty list removes every permission.
    expect((await admin.UpdateRole({ input: { id: r.id, queuePermissions: [] } })).updateRole.queuePermissions).toEqual([]);
  });

  it("UpdateRole is partial: a field left out keeps its value; customerGroupIds replaces the groups", async () => {
    const q = await queue(admin);
    const [g1, g2] = [await customerGroup(admin), await customerGroup(admin)];
    const r = await role(admin, { queuePermissions: [grant(q.id, RWA)], customerGroupIds: [g1.id], accessOwnCompanyCases: true });
    const name = `Renamed ${unique()}`;
    const renamed = (await admin.UpdateRole({ input: { id: r.id, name } })).updateRole;
    expect(renamed).toMatchObject({ id: r.id, name, accessOwnCompanyCases: true });
    expect(renamed.queuePermissions).toEqual([{ queue: { id: q.id, name: q.name }, ...RWA }]);
    expect(renamed.customerGroups.map((x) => x.id)).toEqual([g1.id]);
    const regrouped = (await admin.UpdateRole({ input: { id: r.id, customerGroupIds: [g2.id], accessOwnCompanyCases: false } })).updateRole;
    expect(regrouped).toMatchObject({ name, accessOwnCompanyCases: false });
    expect(regrouped.customerGroups.map((x) => x.id)).toEqual([g2.id]);
    expect(regrouped.queuePermissions).toHaveLength(1);
  });

  it("UpdateRole with an explicit null clears the permissions or the groups (null clears an optional field)", async () => {
    const q = await queue(admin);
    const g = await customerGroup(admin);
    const r = await role(admin, { queuePermissions: [grant(q.id, RWA)], customerGroupIds: [g.id] });
    const cleared = (await admin.UpdateRole({ input: { id: r.id, queuePermissions: null } })).updateRole;
    expect(cleared.queuePermissions).toEqual([]);
    expect(cleared.customerGroups.map((x) => x.id)).toEqual([g.id]);
    expect((await admin.UpdateRole({ input: { id: r.id, customerGroupIds: null } })).updateRole.customerGroups).toEqual([]);
  });

  it("a refused UpdateRole changes nothing; an unknown or malformed role id is NOT_FOUND", async () => {
    const q = await queue(admin);
    const r = await role(admin, { queuePermissions: [grant(q.id, RWA)] });
    await expectRefusal(admin.UpdateRole({ input: { id: r.id, name: "x", queuePermissions: [grant(unknownId(), RWA)] } }), "BAD_USER_INPUT", "queuePermissions.0.queueId");
    await expectRefusal(admin.UpdateRole({ input: { id: r.id, customerGroupIds: [unknownId()] } }), "BAD_USER_INPUT", "customerGroupIds.0");
    await expectRefusal(admin.UpdateRole({ input: { id: r.id, name: null } }), "BAD_USER_INPUT", "name");
    expect(await roleNamed(r.name)).toMatchObject({ id: r.id });
    const { updateRole } = await admin.UpdateRole({ input: { id: r.id } });
    expect(updateRole.queuePermissions).toEqual([{ queue: { id: q.id, name: q.name }, ...RWA }]);
    await expectRefusal(admin.UpdateRole({ input: { id: unknownId(), name: "x" } }), "NOT_FOUND");
    await expectRefusal(admin.UpdateRole({ input: { id: "nope", name: "x" } }), "NOT_FOUND");
  });
});

describe("portal profiles", () => {
  it("creates a profile with roles and lists it", async () => {
    const [r1, r2] = [await role(admin), await role(admin)];
    const name = `Profile ${unique()}`;
    const { createPortalProfile } = await admin.CreatePortalProfile({ input: { name, roleIds: [r1.id, r2.id] } });
    expect(createPortalProfile.name).toBe(name);
    expect(createPortalProfile.roles.map((r) => r.id).sort()).toEqual([r1.id, r2.id].sort());
    const listed = await profileNamed(name);
    expect(listed).toMatchObject({ id: createPortalProfile.id, contactCount: 0 });
    expect(listed!.roles.map((r) => r.name).sort()).toEqual([r1.name, r2.name].sort());
  });

  it("UpdatePortalProfile roleIds replaces the roles; left out keeps them; null clears them", async () => {
    const [r1, r2, r3] = [await role(admin), await role(admin), await role(admin)];
    const p = await portalProfile(admin, { roleIds: [r1.id, r2.id] });
    const replaced = (await admin.UpdatePortalProfile({ input: { id: p.id, roleIds: [r3.id] } })).updatePortalProfile;
    expect(replaced.roles).toEqual([{ id: r3.id, name: r3.name }]);
    const name = `Renamed ${unique()}`;
    const renamed = (await admin.UpdatePortalProfile({ input: { id: p.id, name } })).updatePortalProfile;
    expect(renamed).toEqual({ id: p.id, name, roles: [{ id: r3.id, name: r3.name }] });
    expect((await admin.UpdatePortalProfile({ input: { id: p.id, roleIds: [] } })).updatePortalProfile.roles).toEqual([]);
    await admin.UpdatePortalProfile({ input: { id: p.id, roleIds: [r1.id] } });
    expect((await admin.UpdatePortalProfile({ input: { id: p.id, roleIds: null } })).updatePortalProfile.roles).toEqual([]);
  });

  it("refuses unknown roles (BAD_USER_INPUT roleIds.N), duplicate names (CONFLICT) and unknown ids (NOT_FOUND), writing nothing", async () => {
    const r = await role(admin);
    const name = `Refused ${unique()}`;
    await expectRefusal(admin.CreatePortalProfile({ input: { name, roleIds: [r.id, unknownId()] } }), "BAD_USER_INPUT", "roleIds.1");
    await expectRefusal(admin.CreatePortalProfile({ input: { name, roleIds: ["nope"] } }), "BAD_USER_INPUT", "roleIds.0");
    expect(await profileNamed(name)).toBeUndefined();
    const p = await portalProfile(admin, { roleIds: [r.id] });
    await expectRefusal(admin.CreatePortalProfile({ input: { name: p.name.toUpperCase() } }), "CONFLICT", "name");
    await expectRefusal(admin.UpdatePortalProfile({ input: { id: p.id, roleIds: [unknownId()] } }), "BAD_USER_INPUT", "roleIds.0");
    expect((await profileNamed(p.name))!.roles).toEqual([{ id: r.id, name: r.name }]);
    await expectRefusal(admin.UpdatePortalProfile({ input: { id: unknownId(), name: "x" } }), "NOT_FOUND");
    await expectRefusal(admin.CreatePortalProfile({ input: { name: "" } }), "BAD_USER_INPUT", "name");
  });

  it("PortalProfiles shows how many contacts hold each profile", async () => {
    const p = await portalProfile(admin);
    const empty = await portalProfile(admin);
    const a = await portalUser(admin, { profileId: p.id });
    await portalUser(admin, { profileId: p.id });
    expect((await profileNamed(p.name))!.contactCount).toBe(2);
    expect((await profileNamed(empty.name))!.contactCount).toBe(0);
    await admin.SetPortalAccess({ input: { contactId: a.contact.id, profileId: empty.id } });
    expect((await profileNamed(p.name))!.contactCount).toBe(1);
    expect((await profileNamed(empty.name))!.contactCount).toBe(1);
  });
});

describe("licence seats (GATEHOUSE_PORTAL_PROFILE_SEATS)", () => {
  let seated: TestServer;
  beforeAll(async () => {
    seated = await startTestServer({ env: { GATEHOUSE_PORTAL_PROFILE_SEATS: "2" } });
  });
  afterAll(() => seated?.close());

  it("allows as many profiles as seats; one more is LIMIT_EXCEEDED and writes nothing", async () => {
    const boss = await seated.admin();
    const r = (await boss.CreateRole({ input: { name: `Seat role ${unique()}` } })).createRole;
    await boss.CreatePortalProfile({ input: { name: "Seat 1", roleIds: [r.id] } });
    await boss.CreatePortalProfile({ input: { name: "Seat 2" } });
    const events = await auditCount(boss);
    const refused = await expectRefusal(boss.CreatePortalProfile({ input: { name: "Seat 3", roleIds: [r.id] } }), "LIMIT_EXCEEDED");
    expect(refused.message).toMatch(/2/);
    const { portalProfiles } = await boss.PortalProfiles();
    expect(portalProfiles.map((p) => p.name).sort()).toEqual(["Seat 1", "Seat 2"]);
    expect(await auditCount(boss)).toBe(events);
    // Updating an existing profile takes no seat.
    expect((await boss.UpdatePortalProfile({ input: { id: portalProfiles[0].id, name: "Seat 1b" } })).updatePortalProfile.name).toBe("Seat 1b");
  });

  it("counts seats per organisation, and concurrent creations cannot take more than the seats", async () => {
    const other = await signInStaff(seated, await staffUser(seated, { organisationSlug: `seats-${unique()}`, superUser: true }));
    const outcomes = await Promise.allSettled([1, 2, 3, 4].map((i) => other.CreatePortalProfile({ input: { name: `Race ${i}` } })));
    expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(2);
    for (const o of outcomes) if (o.status === "rejected") expect(o.reason.code).toBe("LIMIT_EXCEEDED");
    expect((await other.PortalProfiles()).portalProfiles).toHaveLength(2);
  });
});

describe("who may manage the access model", () => {
  it("anonymous callers are UNAUTHENTICATED and portal users FORBIDDEN, for every operation, writing nothing", async () => {
    const q = await queue(admin);
    const r = await role(admin);
    const p = await portalProfile(admin);
    const events = await auditCount(admin);
    /** Thunks: each call is sent only when its turn comes, and its refusal is handled at once. */
    const calls = (c: GatehouseClient): Array<() => Promise<unknown>> => [
      () => c.Queues(),
      () => c.CreateQueue({ input: { name: `Nope ${unique()}` } }),
      () => c.CreateRole({ input: { name: `Nope ${unique()}`, queuePermissions: [grant(q.id, RWA)] } }),
      () => c.UpdateRole({ input: { id: r.id, name: `Nope ${unique()}` } }),
      () => c.PortalProfiles(),
      () => c.CreatePortalProfile({ input: { name: `Nope ${unique()}` } }),
      () => c.UpdatePortalProfile({ input: { id: p.id, roleIds: [r.id] } }),
      () =>
        c.execute("{ roles { id } }").then((res) => {
          if (res.errors?.length) throw Object.assign(new Error(res.errors[0].message), { errors: res.errors });
          return res;
        }),
    ];
    for (const [who, code] of [
      [matrix.anonymous, "UNAUTHENTICATED"],
      [matrix.portal, "FORBIDDEN"],
    ] as const) {
      for (const call of calls(who)) {
        const outcome = await call().then(
          () => "allowed",
          (e) => e.errors?.map((x: any) => x.extensions?.code).join(","),
        );
        expect(outcome).toBe(code);
      }
    }
    expect(await auditCount(admin)).toBe(events);
    expect(await roleNamed(r.name)).toBeDefined();
    expect((await profileNamed(p.name))!.roles).toEqual([]);
  });

  it("a plain staff user may manage them (staff-only for now)", async () => {
    const staff = matrix.staff;
    const q = (await staff.CreateQueue({ input: { name: `Staff queue ${unique()}` } })).createQueue;
    const r = (await staff.CreateRole({ input: { name: `Staff role ${unique()}`, queuePermissions: [grant(q.id, RWA)] } })).createRole;
    await staff.UpdateRole({ input: { id: r.id, accessOwnCompanyCases: true } });
    const p = (await staff.CreatePortalProfile({ input: { name: `Staff profile ${unique()}`, roleIds: [r.id] } })).createPortalProfile;
    await staff.UpdatePortalProfile({ input: { id: p.id, roleIds: [] } });
    expect((await staff.Queues()).queues.map((x) => x.id)).toContain(q.id);
    expect((await staff.PortalProfiles()).portalProfiles.map((x) => x.id)).toContain(p.id);
  });

  it("another organisation does not see this one's: lists leave them out, ids are NOT_FOUND, references BAD_USER_INPUT", async () => {
    const other = matrix.otherOrganisation;
    const q = await queue(admin);
    const g = await customerGroup(admin);
    const r = await role(admin, { queuePermissions: [grant(q.id, RWA)], customerGroupIds: [g.id] });
    const p = await portalProfile(admin, { roleIds: [r.id] });
    const events = await auditCount(admin);

    expect((await other.Queues()).queues.map((x) => x.id)).not.toContain(q.id);
    expect((await other.PortalProfiles()).portalProfiles.map((x) => x.id)).not.toContain(p.id);
    expect((await rolesOf(other)).map((x) => x.id)).not.toContain(r.id);

    await expectRefusal(other.CreateRole({ input: { name: `X ${unique()}`, queuePermissions: [grant(q.id, RWA)] } }), "BAD_USER_INPUT", "queuePermissions.0.queueId");
    await expectRefusal(other.CreateRole({ input: { name: `X ${unique()}`, customerGroupIds: [g.id] } }), "BAD_USER_INPUT", "customerGroupIds.0");
    await expectRefusal(other.UpdateRole({ input: { id: r.id, name: "Stolen" } }), "NOT_FOUND");
    await expectRefusal(other.CreatePortalProfile({ input: { name: `X ${unique()}`, roleIds: [r.id] } }), "BAD_USER_INPUT", "roleIds.0");
    await expectRefusal(other.UpdatePortalProfile({ input: { id: p.id, name: "Stolen" } }), "NOT_FOUND");
    // The same names are free in the other organisation.
    await other.CreateQueue({ input: { name: q.name } });
    await other.CreateRole({ input: { name: r.name } });
    await other.CreatePortalProfile({ input: { name: p.name } });

    expect(await auditCount(admin)).toBe(events);
    expect(await roleNamed(r.name)).toMatchObject({ id: r.id });
    expect((await profileNamed(p.name))!.roles).toEqual([{ id: r.id, name: r.name }]);
  });
});

describe("audit", () => {
  /** Runs one mutation and expects exactly one new audit event in the organisation, the one described. */
  async function audited<T>(perform: () => Promise<T>, want: (result: T) => { action: string; entityType: string; entityId: string }) {
    const before = await auditCount(admin);
    const result = await perform();
    const w = want(result);
    expect(await auditCount(admin)).toBe(before + 1);
    const { auditEvents } = await admin.AuditEvents({ first: 5, filter: { entityId: w.entityId, action: w.action } });
    expect(auditEvents.totalCount).toBe(1);
    const event = auditEvents.edges[0].node;
    expect(event).toMatchObject({ ...w, clientAddress: "127.0.0.1", actor: { __typename: "User" } });
    const byActor = await admin.AuditEvents({ first: 1, filter: { entityId: w.entityId, action: w.action, actorId: adminId } });
    expect(byActor.auditEvents.totalCount).toBe(1);
    return { result, event };
  }

  it("createQueue, createRole, updateRole, createPortalProfile and updatePortalProfile each write one event", async () => {
    const { result: q } = await audited(
      () => admin.CreateQueue({ input: { name: `Audited ${unique()}` } }),
      (r) => ({ action: "createQueue", entityType: "Queue", entityId: r.createQueue.id }),
    );
    const g = await customerGroup(admin);
    const { result: r, event: created } = await audited(
      () => admin.CreateRole({ input: { name: `Audited ${unique()}`, queuePermissions: [grant(q.createQueue.id, RWA)], customerGroupIds: [g.id] } }),
      (x) => ({ action: "createRole", entityType: "Role", entityId: x.createRole.id }),
    );
    expect(created.changes).toMatchObject({ name: { from: null, to: r.createRole.name } });
    const { event: updated } = await audited(
      () => admin.UpdateRole({ input: { id: r.createRole.id, queuePermissions: [grant(q.createQueue.id, { read: true })] } }),
      () => ({ action: "updateRole", entityType: "Role", entityId: r.createRole.id }),
    );
    // The change names what the permissions were and what they became.
    expect(updated.changes).toEqual({
      queuePermissions: {
        from: [{ queueId: q.createQueue.id, ...RWA }],
        to: [{ queueId: q.createQueue.id, read: true, write: false, append: false }],
      },
    });
    const { result: p } = await audited(
      () => admin.CreatePortalProfile({ input: { name: `Audited ${unique()}`, roleIds: [r.createRole.id] } }),
      (x) => ({ action: "createPortalProfile", entityType: "PortalProfile", entityId: x.createPortalProfile.id }),
    );
    const { event: profileUpdated } = await audited(
      () => admin.UpdatePortalProfile({ input: { id: p.createPortalProfile.id, roleIds: [] } }),
      () => ({ action: "updatePortalProfile", entityType: "PortalProfile", entityId: p.createPortalProfile.id }),
    );
    expect(profileUpdated.changes).toEqual({ roleIds: { from: [r.createRole.id], to: [] } });
  });

  it("createCase and addCaseComment each write one event", async () => {
    const q = await queue(admin);
    const person = await portalUser(admin);
    const { result: c } = await audited(
      () => admin.CreateCase({ input: { queueId: q.id, contactId: person.contact.id, subject: "Audited" } }),
      (x) => ({ action: "createCase", entityType: "Case", entityId: x.createCase.id }),
    );
    await audited(
      () => admin.AddCaseComment({ input: { caseId: c.createCase.id, body: "Audited comment" } }),
      (x) => ({ action: "addCaseComment", entityType: "CaseComment", entityId: x.addCaseComment.id }),
    );
    // A portal user's case is recorded with the contact as actor.
    const r = await role(admin, { queuePermissions: [grant(q.id, RWA)] });
    const writer = await portalUser(admin, { profileId: (await portalProfile(admin, { roleIds: [r.id] })).id });
    const client = await server.signIn("PORTAL", writer.login, writer.password);
    const before = await auditCount(admin);
    const own = (await client.CreateCase({ input: { queueId: q.id, subject: "Mine" } })).createCase;
    expect(await auditCount(admin)).toBe(before + 1);
    const { auditEvents } = await admin.AuditEvents({ first: 1, filter: { entityId: own.id, actorId: writer.contact.id } });
    expect(auditEvents.edges[0].node).toMatchObject({ action: "createCase", entityType: "Case", actor: { __typename: "Contact" } });
  });

  it("a refused mutation writes no event", async () => {
    const before = await auditCount(admin);
    const q = (await admin.Queues()).queues[0];
    await expectRefusal(admin.CreateQueue({ input: { name: q.name } }), "CONFLICT");
    await expectRefusal(admin.CreateRole({ input: { name: `X ${unique()}`, customerGroupIds: [unknownId()] } }), "BAD_USER_INPUT");
    await expectRefusal(admin.UpdatePortalProfile({ input: { id: unknownId() } }), "NOT_FOUND");
    await expectRefusal(admin.CreateCase({ input: { queueId: unknownId(), contactId: unknownId(), subject: "x" } }), "BAD_USER_INPUT");
    expect(await auditCount(admin)).toBe(before);
  });
});
