import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CreateUserInput, GatehouseClient, UserFilter, UsersQuery } from "../../client-sdk/src/index.js";
import { expectRefusal, unknownId } from "../customers/support.js";
import { newPassword, unique } from "../helpers/factories.js";
import { type Matrix, securityMatrix, signInStaff, staffUser } from "../helpers/principals.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

let server: TestServer;
let admin: GatehouseClient;
/** A signed-in staff user who is not a super user. */
let plainStaff: GatehouseClient;
beforeAll(async () => {
  server = await startTestServer();
  admin = await server.admin();
  plainStaff = await signInStaff(server, await staffUser(server));
});
afterAll(() => server?.close());

type Node = UsersQuery["users"]["edges"][number]["node"];

const newUsername = () => `user-${unique()}`;

/** The smallest valid input, with a username of its own. */
const minimal = (input: Partial<CreateUserInput> = {}): CreateUserInput => ({
  username: newUsername(),
  firstName: "Grace",
  lastName: "Hopper",
  ...input,
});

/** Roles have no SDK operation in this feature's files; the raw document is what an administrator would send. */
async function createRole(client: GatehouseClient = admin, name = `Role ${unique()}`) {
  const result = await client.execute<{ createRole: { id: string } }>(
    "mutation CreateRoleForTest($name: String!) { createRole(input: { name: $name }) { id } }",
    { name },
  );
  expect(result.errors).toBeUndefined();
  return { id: result.data!.createRole.id, name };
}

const userCount = async (filter?: UserFilter) => (await admin.Users({ first: 1, filter })).users.totalCount;

/** Every audit event about one user, oldest first. */
async function auditOf(entityId: string) {
  const { auditEvents } = await admin.AuditEvents({ first: 100, filter: { entityId, entityType: "User" } });
  return auditEvents.edges.map((e) => e.node).reverse();
}

/** Walks every page of the user list with the given page size. */
async function walk(first: number, filter: UserFilter) {
  const nodes: Node[] = [];
  let after: string | null = null;
  for (let page = 0; page < 100; page++) {
    const { users }: UsersQuery = await admin.Users({ first, after, filter });
    expect(users.edges.length).toBeLessThanOrEqual(first);
    nodes.push(...users.edges.map((e) => e.node));
    if (!users.pageInfo.hasNextPage) return { nodes, totalCount: users.totalCount };
    expect(users.edges).toHaveLength(first);
    after = users.pageInfo.endCursor;
  }
  throw new Error("the list never ended");
}

describe("createUser, user, users and updateUser", () => {
  it("creates a user with every field, reads it back, finds it in the list and updates it", async () => {
    const role = await createRole();
    const username = `Ada.${unique()}`;
    const input: CreateUserInput = {
      username,
      firstName: "Ada",
      lastName: "Lovelace",
      email: "Ada.Lovelace@Example.com",
      password: newPassword(),
      state: "ACTIVE",
      systemLanguage: "en",
      nativeLanguage: "en-GB",
      homeScreen: "dashboard",
      title: "Countess",
      gender: "female",
      dateOfBirth: "1815-12-10",
      nameDay: "12-16",
      countryOfResidence: "GB",
      superUser: false,
      developer: true,
      ctiEnabled: true,
      phoneExtension: "1815",
      roleIds: [role.id],
    };
    const { createUser } = await admin.CreateUser({ input });
    const expected = {
      id: expect.any(String),
      username,
      firstName: "Ada",
      lastName: "Lovelace",
      email: "ada.lovelace@example.com",
      state: "ACTIVE",
      superUser: false,
      developer: true,
      ctiEnabled: true,
      phoneExtension: "1815",
      systemLanguage: "en",
      nativeLanguage: "en-GB",
      homeScreen: "dashboard",
      title: "Countess",
      gender: "female",
      dateOfBirth: "1815-12-10",
      nameDay: "12-16",
      countryOfResidence: "GB",
      passwordExpiresAt: null,
      lastLoginAt: null,
      securityProfile: null,
      roles: [{ id: role.id, name: role.name }],
      units: [],
    };
    expect(createUser).toEqual(expected);

    const { user } = await admin.User({ id: createUser.id });
    expect(user).toEqual({ ...expected, id: createUser.id });

    const { users } = await admin.Users({ filter: { search: username } });
    expect(users.totalCount).toBe(1);
    expect(users.edges.map((e) => e.node)).toEqual([user]);

    const { updateUser } = await admin.UpdateUser({ input: { id: createUser.id, lastName: "King", title: null, dateOfBirth: null } });
    expect(updateUser).toEqual({ ...expected, id: createUser.id, lastName: "King", title: null, dateOfBirth: null });
    expect((await admin.User({ id: createUser.id })).user).toEqual(updateUser);
  });

  it("defaults: ACTIVE, no flags, no roles, and empty optional fields", async () => {
    const { createUser } = await plainStaff.CreateUser({ input: minimal({ superUser: false, developer: false, ctiEnabled: false, phoneExtension: "" }) });
    expect(createUser).toMatchObject({
      state: "ACTIVE",
      superUser: false,
      developer: false,
      ctiEnabled: false,
      phoneExtension: null,
      email: null,
      dateOfBirth: null,
      roles: [],
      units: [],
      securityProfile: null,
    });
  });

  it("is partial on update: fields left out keep their value, an explicit null clears optional fields", async () => {
    const { createUser: made } = await admin.CreateUser({
      input: minimal({ email: "grace@example.com", title: "Rear Admiral", systemLanguage: "en", countryOfResidence: "US", dateOfBirth: "1906-12-09" }),
    });
    const { updateUser } = await admin.UpdateUser({ input: { id: made.id, firstName: "Amazing Grace" } });
    expect(updateUser).toEqual({ ...made, firstName: "Amazing Grace" });

    const { updateUser: cleared } = await admin.UpdateUser({
      input: { id: made.id, email: null, title: null, systemLanguage: null, countryOfResidence: null, dateOfBirth: null, securityProfileId: null, units: [] },
    });
    expect(cleared).toEqual({ ...made, firstName: "Amazing Grace", email: null, title: null, systemLanguage: null, countryOfResidence: null, dateOfBirth: null });

    await expectRefusal(admin.UpdateUser({ input: { id: made.id, firstName: null } }), "BAD_USER_INPUT", "firstName");
    await expectRefusal(admin.UpdateUser({ input: { id: made.id, lastName: " " } }), "BAD_USER_INPUT", "lastName");
    await expectRefusal(admin.UpdateUser({ input: { id: made.id, email: "nope" } }), "BAD_USER_INPUT", "email");
    expect((await admin.User({ id: made.id })).user).toEqual(cleared);
  });

  it("lets a created user sign in as STAFF with its password, case-insensitively; not without one, nor when inactive", async () => {
    const password = newPassword();
    const { createUser } = await admin.CreateUser({ input: minimal({ password }) });
    const client = await server.signIn("STAFF", createUser.username.toUpperCase(), password);
    expect((await client.Me()).me).toMatchObject({ __typename: "User", id: createUser.id, superUser: false });
    expect((await admin.User({ id: createUser.id })).user?.lastLoginAt).toEqual(expect.any(String));

    const { createUser: noPassword } = await admin.CreateUser({ input: minimal() });
    await expectRefusal(server.signIn("STAFF", noPassword.username, password), "INVALID_CREDENTIALS");

    const inactivePassword = newPassword();
    const { createUser: inactive } = await admin.CreateUser({ input: minimal({ password: inactivePassword, state: "INACTIVE" }) });
    expect(inactive.state).toBe("INACTIVE");
    await expectRefusal(server.signIn("STAFF", inactive.username, inactivePassword), "ACCOUNT_DISABLED");
  });

  it("checks the password against the policy (PASSWORD_POLICY), writing nothing", async () => {
    const before = await userCount();
    const username = newUsername();
    const short = await expectRefusal(admin.CreateUser({ input: minimal({ username, password: "short" }) }), "PASSWORD_POLICY");
    expect(short.violations?.length).toBeGreaterThan(0);
    await expectRefusal(admin.CreateUser({ input: minimal({ username, password: `a-long-password-${username}` }) }), "PASSWORD_POLICY");
    expect(await userCount()).toBe(before);
  });
});

describe("roles of staff users", () => {
  it("stores roleIds in roles, and updateUser replaces them (left out keeps, [] or null clears)", async () => {
    const [a, b, c] = [await createRole(admin, `A ${unique()}`), await createRole(admin, `B ${unique()}`), await createRole(admin, `C ${unique()}`)];
    const names = (roles: Array<{ name: string }>) => roles.map((r) => r.name);
    const { createUser } = await admin.CreateUser({ input: minimal({ roleIds: [b.id, a.id, b.id] }) });
    expect(names(createUser.roles)).toEqual([a.name, b.name]);

    const { updateUser } = await admin.UpdateUser({ input: { id: createUser.id, roleIds: [c.id] } });
    expect(updateUser.roles).toEqual([{ id: c.id, name: c.name }]);
    expect((await admin.UpdateUser({ input: { id: createUser.id, title: "Dr" } })).updateUser.roles.map((r) => r.id)).toEqual([c.id]);
    expect((await admin.UpdateUser({ input: { id: createUser.id, roleIds: [] } })).updateUser.roles).toEqual([]);
    await admin.UpdateUser({ input: { id: createUser.id, roleIds: [a.id] } });
    expect((await admin.UpdateUser({ input: { id: createUser.id, roleIds: null } })).updateUser.roles).toEqual([]);
    expect((await admin.User({ id: createUser.id })).user?.roles).toEqual([]);
  });

  it("refuses roleIds that name no role of the organisation with BAD_USER_INPUT on roleIds.<index>, writing nothing", async () => {
    const role = await createRole();
    const foreign = await signInStaff(server, await staffUser(server, { organisationSlug: `elsewhere-${unique()}`, superUser: true }));
    const foreignRole = await createRole(foreign);
    const before = await userCount();
    const username = newUsername();
    await expectRefusal(admin.CreateUser({ input: minimal({ username, roleIds: [unknownId()] }) }), "BAD_USER_INPUT", "roleIds.0");
    await expectRefusal(admin.CreateUser({ input: minimal({ username, roleIds: [role.id, "not-an-id"] }) }), "BAD_USER_INPUT", "roleIds.1");
    await expectRefusal(admin.CreateUser({ input: minimal({ username, roleIds: [foreignRole.id] }) }), "BAD_USER_INPUT", "roleIds.0");
    expect(await userCount()).toBe(before);

    const { createUser } = await admin.CreateUser({ input: minimal({ roleIds: [role.id] }) });
    await expectRefusal(admin.UpdateUser({ input: { id: createUser.id, title: "X", roleIds: [role.id, unknownId()] } }), "BAD_USER_INPUT", "roleIds.1");
    expect((await admin.User({ id: createUser.id })).user).toMatchObject({ title: null, roles: [{ id: role.id }] });
  });
});

describe("refusals of createUser and updateUser", () => {
  it("refuses a username taken in another case with CONFLICT on username, writing nothing", async () => {
    const username = `Taken-${unique()}`;
    await admin.CreateUser({ input: minimal({ username }) });
    const before = await userCount();
    await expectRefusal(admin.CreateUser({ input: minimal({ username: username.toUpperCase(), password: newPassword() }) }), "CONFLICT", "username");
    await expectRefusal(admin.CreateUser({ input: minimal({ username: username.toLowerCase() }) }), "CONFLICT", "username");
    expect(await userCount()).toBe(before);
  });

  it("refuses a bad email, username or name with BAD_USER_INPUT naming the field, writing nothing", async () => {
    const before = await userCount();
    for (const email of ["not-an-email", "ada@", "@example.com", "ada lovelace@example.com"]) {
      await expectRefusal(admin.CreateUser({ input: minimal({ email }) }), "BAD_USER_INPUT", "email");
    }
    for (const username of ["ab", "with space", "tab\there", "line\nbreak", "x".repeat(65), ""]) {
      await expectRefusal(admin.CreateUser({ input: minimal({ username }) }), "BAD_USER_INPUT", "username");
    }
    await expectRefusal(admin.CreateUser({ input: minimal({ firstName: " " }) }), "BAD_USER_INPUT", "firstName");
    await expectRefusal(admin.CreateUser({ input: minimal({ lastName: "" }) }), "BAD_USER_INPUT", "lastName");
    await expectRefusal(admin.CreateUser({ input: minimal({ dateOfBirth: "2999-01-01" }) }), "BAD_USER_INPUT", "dateOfBirth");
    await expectRefusal(admin.CreateUser({ input: minimal({ dateOfBirth: "2001-02-30" }) }), "BAD_USER_INPUT");
    expect(await userCount()).toBe(before);
  });

  it("refuses superUser, developer, ctiEnabled and phoneExtension from a plain staff user with FORBIDDEN, writing nothing", async () => {
    const before = await userCount();
    const attempts: Array<Partial<CreateUserInput>> = [{ superUser: true }, { developer: true }, { ctiEnabled: true }, { phoneExtension: "42" }];
    for (const attempt of attempts) {
      await expectRefusal(plainStaff.CreateUser({ input: minimal({ password: newPassword(), ...attempt }) }), "FORBIDDEN");
    }
    expect(await userCount()).toBe(before);

    const { createUser } = await admin.CreateUser({ input: minimal({ superUser: true, developer: true, ctiEnabled: true, phoneExtension: "42" }) });
    expect(createUser).toMatchObject({ superUser: true, developer: true, ctiEnabled: true, phoneExtension: "42" });
    // A plain staff user may create and update plain users.
    const { createUser: plain } = await plainStaff.CreateUser({ input: minimal() });
    expect((await plainStaff.UpdateUser({ input: { id: plain.id, title: "Ms" } })).updateUser.title).toBe("Ms");
  });

  it("refuses templateId, securityProfileId and units, which come with the staff feature, with BAD_USER_INPUT naming the field", async () => {
    const before = await userCount();
    const refusals: Array<[Partial<CreateUserInput>, string]> = [
      [{ templateId: unknownId() }, "templateId"],
      [{ securityProfileId: unknownId() }, "securityProfileId"],
      [{ units: [{ unitId: unknownId(), isDefault: true }] }, "units"],
    ];
    for (const [attempt, field] of refusals) {
      const error = await expectRefusal(admin.CreateUser({ input: minimal(attempt) }), "BAD_USER_INPUT", field);
      expect(error.message).toMatch(/not available yet/);
    }
    expect(await userCount()).toBe(before);

    const { createUser } = await admin.CreateUser({ input: minimal({ units: [], securityProfileId: null }) });
    await expectRefusal(admin.UpdateUser({ input: { id: createUser.id, securityProfileId: unknownId() } }), "BAD_USER_INPUT", "securityProfileId");
    await expectRefusal(admin.UpdateUser({ input: { id: createUser.id, units: [{ unitId: unknownId() }] } }), "BAD_USER_INPUT", "units");
  });

  it("answers NOT_FOUND for an unknown or malformed id (user answers null data with the error)", async () => {
    for (const id of [unknownId(), "not-an-id"]) {
      const error = await expectRefusal(admin.User({ id }), "NOT_FOUND");
      expect(error.data).toEqual({ user: null });
      await expectRefusal(admin.UpdateUser({ input: { id, firstName: "X" } }), "NOT_FOUND");
    }
  });
});

describe("users", () => {
  it("orders by last name, first name and id, and pages of any size walk the same list", async () => {
    const tag = unique();
    const people: Array<[string, string]> = [
      ["Zed", `Adams${tag}`],
      ["Ann", `Baker${tag}`],
      ["Bob", `Adams${tag}`],
      ["Ann", `Adams${tag}`],
      ["Ann", `Adams${tag}`],
      ["Ann", `Carter${tag}`],
    ];
    const created = [];
    for (const [firstName, lastName] of people) created.push((await admin.CreateUser({ input: minimal({ firstName, lastName }) })).createUser);
    const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
    const expected = [...created].sort((a, b) => cmp(a.lastName, b.lastName) || cmp(a.firstName, b.firstName) || cmp(a.id, b.id));
    const filter = { search: tag };
    for (const first of [1, 2, 4, 100]) {
      const { nodes, totalCount } = await walk(first, filter);
      expect(nodes.map((n) => n.id)).toEqual(expected.map((u) => u.id));
      expect(totalCount).toBe(people.length);
    }
  });

  it("filters by search (username, names, full name, email; case-insensitive), state and unitId", async () => {
    const tag = unique();
    const { createUser: ada } = await admin.CreateUser({
      input: minimal({ username: `adal-${tag}`, firstName: "Ada", lastName: `Lovelace${tag}`, email: `countess-${tag}@example.com` }),
    });
    const { createUser: alan } = await admin.CreateUser({
      input: minimal({ username: `turing-${tag}`, firstName: "Alan", lastName: `Turing${tag}`, state: "INACTIVE" }),
    });
    const ids = async (filter: UserFilter) => (await admin.Users({ first: 100, filter })).users.edges.map((e) => e.node.id);
    expect(await ids({ search: `ADAL-${tag}` })).toEqual([ada.id]);
    expect(await ids({ search: `ada lovelace${tag}` })).toEqual([ada.id]);
    expect(await ids({ search: `COUNTESS-${tag}@` })).toEqual([ada.id]);
    expect(await ids({ search: `turing${tag}` })).toEqual([alan.id]);
    expect((await ids({ search: tag })).sort()).toEqual([ada.id, alan.id].sort());
    expect(await ids({ search: `%${tag}` })).toEqual([]);
    expect(await ids({ search: tag, state: "INACTIVE" })).toEqual([alan.id]);
    expect(await ids({ search: tag, state: "ACTIVE" })).toEqual([ada.id]);
    expect(await userCount({ unitId: unknownId() })).toBe(0);
    expect(await userCount({ unitId: "not-an-id" })).toBe(0);
  });

  it("refuses first outside 1..100 and a cursor it did not give out with BAD_USER_INPUT", async () => {
    await expectRefusal(admin.Users({ first: 1000 }), "BAD_USER_INPUT", "first");
    await expectRefusal(admin.Users({ first: 0 }), "BAD_USER_INPUT", "first");
    await expectRefusal(admin.Users({ first: 1, after: "garbage" }), "BAD_USER_INPUT", "after");
    expect((await admin.Users({})).users.edges.length).toBeLessThanOrEqual(20);
  });
});

describe("who may", () => {
  let m: Matrix;
  let target: { id: string; username: string };
  beforeAll(async () => {
    m = await securityMatrix(server, admin);
    target = (await admin.CreateUser({ input: minimal() })).createUser;
  });

  it("refuses anonymous callers with UNAUTHENTICATED and portal contacts with FORBIDDEN", async () => {
    for (const [client, code] of [
      [m.anonymous, "UNAUTHENTICATED"],
      [m.portal, "FORBIDDEN"],
    ] as const) {
      await expectRefusal(client.Users({}), code);
      await expectRefusal(client.User({ id: target.id }), code);
      await expectRefusal(client.CreateUser({ input: minimal() }), code);
      await expectRefusal(client.UpdateUser({ input: { id: target.id, title: "X" } }), code);
    }
    expect((await admin.User({ id: target.id })).user?.title).toBeNull();
  });

  it("lets plain staff read and list users", async () => {
    expect((await m.staff.User({ id: target.id })).user?.id).toBe(target.id);
    expect((await m.staff.Users({ filter: { search: target.username } })).users.totalCount).toBe(1);
  });

  it("hides this organisation's users from another organisation's super user (NOT_FOUND, absent from its list)", async () => {
    const error = await expectRefusal(m.otherOrganisation.User({ id: target.id }), "NOT_FOUND");
    expect(error.data).toEqual({ user: null });
    await expectRefusal(m.otherOrganisation.UpdateUser({ input: { id: target.id, title: "X" } }), "NOT_FOUND");
    expect((await m.otherOrganisation.Users({ filter: { search: target.username } })).users.totalCount).toBe(0);
    // Usernames are unique per organisation: the other one may use the same.
    const { createUser } = await m.otherOrganisation.CreateUser({ input: minimal({ username: target.username }) });
    await expectRefusal(admin.User({ id: createUser.id }), "NOT_FOUND");
    expect((await admin.User({ id: target.id })).user?.title).toBeNull();
  });
});

describe("the audit of staff users", () => {
  it("writes exactly one event per mutation, with passwordChanged and never the password", async () => {
    const role = await createRole();
    const password = newPassword();
    const { createUser } = await admin.CreateUser({ input: minimal({ password, email: "audit@example.com", roleIds: [role.id] }) });
    const created = await auditOf(createUser.id);
    expect(created).toHaveLength(1);
    expect(created[0]).toMatchObject({ action: "createUser", entityType: "User", entityId: createUser.id, actor: { __typename: "User" } });
    expect(created[0].changes).toMatchObject({
      passwordChanged: true,
      username: { from: null, to: createUser.username },
      email: { from: null, to: "audit@example.com" },
      roleIds: { from: null, to: [role.id] },
    });

    await admin.UpdateUser({ input: { id: createUser.id, email: null, roleIds: [] } });
    const events = await auditOf(createUser.id);
    expect(events).toHaveLength(2);
    expect(events[1]).toMatchObject({ action: "updateUser", entityType: "User", entityId: createUser.id });
    expect(events[1].changes).toEqual({ email: { from: "audit@example.com", to: null }, roleIds: { from: [role.id], to: [] } });

    const text = JSON.stringify(events);
    expect(text).not.toContain(password);
    expect(text).not.toContain("$argon2");
    expect(text).not.toMatch(/passwordHash/);
  });

  it("writes no event when a mutation is refused", async () => {
    const { createUser } = await admin.CreateUser({ input: minimal() });
    await expectRefusal(admin.UpdateUser({ input: { id: createUser.id, roleIds: [unknownId()] } }), "BAD_USER_INPUT", "roleIds.0");
    expect(await auditOf(createUser.id)).toHaveLength(1);
  });
});
