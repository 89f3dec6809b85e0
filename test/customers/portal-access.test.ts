import { count, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GatehouseClient } from "../../client-sdk/src/index.js";
import { portalAccounts } from "../../src/db/schema/index.js";
import { company, contact, customerGroup, newPassword, portalProfile, portalUser, unique } from "../helpers/factories.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { expectRefusal, unknownId } from "./support.js";

let server: TestServer;
let admin: GatehouseClient;
/** A company in a portal-enabled group: its contacts may get portal accounts. */
let portalCompanyId: string;
beforeAll(async () => {
  server = await startTestServer();
  admin = await server.admin();
  portalCompanyId = (await company(admin, { customerGroupId: (await customerGroup(admin, { portalEnabled: true })).id })).id;
});
afterAll(() => server?.close());

const newContact = () => contact(admin, { companyId: portalCompanyId });
const accountOf = async (contactId: string) => (await admin.Contact({ id: contactId })).contact!.portalAccount;
const accountsWithLogin = async (login: string) =>
  (await server.db.select({ n: count() }).from(portalAccounts).where(sql`lower(${portalAccounts.login}) = lower(${login})`))[0].n;

describe("setPortalAccess: creating", () => {
  it("creates an account with a login: enabled by default, every flag off, no generated password", async () => {
    const person = await newContact();
    const login = `ada-${unique()}`;
    const { setPortalAccess } = await admin.SetPortalAccess({ input: { contactId: person.id, login } });
    expect(setPortalAccess.generatedPassword).toBeNull();
    expect(setPortalAccess.contact).toEqual({
      id: person.id,
      portalAccount: {
        login,
        enabled: true,
        locked: false,
        lockedUntil: null,
        authMode: "DATABASE",
        externalId: null,
        passwordNeverExpires: false,
        cannotChangePassword: false,
        mustChangePassword: false,
        passwordResetDate: null,
        passwordExpiresAt: null,
        lastLoginAt: null,
        failedLoginCount: 0,
        profile: null,
      },
    });
    expect(await accountOf(person.id)).toEqual(setPortalAccess.contact.portalAccount);
  });

  it("requires a valid login on creation (BAD_USER_INPUT on login), writing nothing", async () => {
    const person = await newContact();
    await expectRefusal(admin.SetPortalAccess({ input: { contactId: person.id } }), "BAD_USER_INPUT", "login");
    await expectRefusal(admin.SetPortalAccess({ input: { contactId: person.id, enabled: true } }), "BAD_USER_INPUT", "login");
    await expectRefusal(admin.SetPortalAccess({ input: { contactId: person.id, login: "" } }), "BAD_USER_INPUT", "login");
    await expectRefusal(admin.SetPortalAccess({ input: { contactId: person.id, login: "has space" } }), "BAD_USER_INPUT", "login");
    expect(await accountOf(person.id)).toBeNull();
  });

  it("stores and returns every flag", async () => {
    const person = await newContact();
    const input = {
      contactId: person.id,
      login: `flags-${unique()}`,
      enabled: false,
      locked: true,
      passwordNeverExpires: true,
      cannotChangePassword: true,
      mustChangePassword: true,
      passwordResetDate: "2030-01-02T03:04:05.000Z",
      externalId: "crm-4711",
    };
    const expected = {
      login: input.login,
      enabled: false,
      locked: true,
      lockedUntil: null,
      authMode: "DATABASE",
      externalId: "crm-4711",
      passwordNeverExpires: true,
      cannotChangePassword: true,
      mustChangePassword: true,
      passwordResetDate: "2030-01-02T03:04:05.000Z",
      passwordExpiresAt: null,
      lastLoginAt: null,
      failedLoginCount: 0,
      profile: null,
    };
    const { setPortalAccess } = await admin.SetPortalAccess({ input });
    expect(setPortalAccess.contact.portalAccount).toEqual(expected);
    expect(await accountOf(person.id)).toEqual(expected);
  });

  it("refuses a passwordResetDate that is not a date with BAD_USER_INPUT, writing nothing", async () => {
    const person = await newContact();
    await expectRefusal(
      admin.SetPortalAccess({ input: { contactId: person.id, login: `date-${unique()}`, passwordResetDate: "next tuesday" } }),
      "BAD_USER_INPUT",
    );
    expect(await accountOf(person.id)).toBeNull();
  });

  it("answers NOT_FOUND for an unknown or malformed contactId", async () => {
    await expectRefusal(admin.SetPortalAccess({ input: { contactId: unknownId(), login: `x-${unique()}` } }), "NOT_FOUND");
    await expectRefusal(admin.SetPortalAccess({ input: { contactId: "nope", login: `x-${unique()}` } }), "NOT_FOUND");
  });

  it("refuses a contact whose customer group is not portal-enabled with BAD_USER_INPUT, writing nothing", async () => {
    const group = await customerGroup(admin, { portalEnabled: false });
    const person = await contact(admin, { customerGroupId: group.id });
    await expectRefusal(admin.SetPortalAccess({ input: { contactId: person.id, login: `off-${unique()}` } }), "BAD_USER_INPUT");
    expect(await accountOf(person.id)).toBeNull();
  });

  it("refuses emailCredentials for a contact without an email address with BAD_USER_INPUT, writing nothing", async () => {
    const { createContact: person } = await admin.CreateContact({ input: { firstName: "No", lastName: `Mail-${unique()}`, companyId: portalCompanyId } });
    await expectRefusal(
      admin.SetPortalAccess({ input: { contactId: person.id, login: `nomail-${unique()}`, generatePassword: true, emailCredentials: true } }),
      "BAD_USER_INPUT",
      "emailCredentials",
    );
    expect(await accountOf(person.id)).toBeNull();
  });

  it("queues the portal-credentials email with emailCredentials, in the same change", async () => {
    const person = await newContact();
    const login = `mailed-${unique()}`;
    const { setPortalAccess } = await admin.SetPortalAccess({ input: { contactId: person.id, login, emailCredentials: true } });
    expect(setPortalAccess.generatedPassword).toBeNull();
    const { outboundEmails } = await admin.OutboundEmails({ filter: { to: person.email!.toUpperCase(), templateKey: "portal-credentials" } });
    expect(outboundEmails.edges.map((e) => e.node.status)).toEqual(["PENDING"]);
  });

  it("refuses a profileId that names no portal profile of the organisation with BAD_USER_INPUT, writing nothing", async () => {
    const person = await newContact();
    for (const profileId of ["00000000-0000-4000-8000-000000000003", "not-an-id"]) {
      await expectRefusal(admin.SetPortalAccess({ input: { contactId: person.id, login: `np-${unique()}`, profileId } }), "BAD_USER_INPUT", "profileId");
    }
    expect(await accountOf(person.id)).toBeNull();
  });
});

describe("setPortalAccess: updating", () => {
  it("is partial: fields left out keep their value; an explicit null clears externalId and passwordResetDate", async () => {
    const person = await newContact();
    const login = `partial-${unique()}`;
    await admin.SetPortalAccess({
      input: {
        contactId: person.id,
        login,
        passwordNeverExpires: true,
        mustChangePassword: true,
        externalId: "ext-1",
        passwordResetDate: "2031-05-06T07:08:09.000Z",
      },
    });
    const { setPortalAccess } = await admin.SetPortalAccess({ input: { contactId: person.id, cannotChangePassword: true } });
    expect(setPortalAccess.contact.portalAccount).toMatchObject({
      login,
      enabled: true,
      locked: false,
      passwordNeverExpires: true,
      cannotChangePassword: true,
      mustChangePassword: true,
      externalId: "ext-1",
      passwordResetDate: "2031-05-06T07:08:09.000Z",
    });

    await admin.SetPortalAccess({ input: { contactId: person.id, externalId: null, passwordResetDate: null, mustChangePassword: false } });
    expect(await accountOf(person.id)).toMatchObject({
      login,
      passwordNeverExpires: true,
      cannotChangePassword: true,
      mustChangePassword: false,
      externalId: null,
      passwordResetDate: null,
    });

    const renamed = `renamed-${unique()}`;
    await admin.SetPortalAccess({ input: { contactId: person.id, login: renamed } });
    expect(await accountOf(person.id)).toMatchObject({ login: renamed, passwordNeverExpires: true, cannotChangePassword: true });
    await expectRefusal(admin.SetPortalAccess({ input: { contactId: person.id, login: null } }), "BAD_USER_INPUT", "login");
    expect((await accountOf(person.id))?.login).toBe(renamed);
  });
});

describe("setPortalAccess: passwords", () => {
  it("generatePassword returns a password once, and the contact signs in with it", async () => {
    const person = await newContact();
    const login = `generated-${unique()}`;
    const profileId = (await portalProfile(admin)).id;
    const { setPortalAccess } = await admin.SetPortalAccess({ input: { contactId: person.id, login, generatePassword: true, profileId } });
    const generated = setPortalAccess.generatedPassword;
    expect(generated).toEqual(expect.any(String));
    expect([...generated!].length).toBeGreaterThanOrEqual(15);

    const { setPortalAccess: later } = await admin.SetPortalAccess({ input: { contactId: person.id, externalId: "x" } });
    expect(later.generatedPassword).toBeNull();

    const portal = await server.signIn("PORTAL", login, generated!);
    expect((await portal.Me()).me).toMatchObject({ __typename: "Contact", id: person.id });
    expect((await accountOf(person.id))?.lastLoginAt).toEqual(expect.any(String));
  });

  it("refuses a password together with generatePassword (BAD_USER_INPUT), writing nothing", async () => {
    const person = await newContact();
    await expectRefusal(
      admin.SetPortalAccess({ input: { contactId: person.id, login: `both-${unique()}`, password: newPassword(), generatePassword: true } }),
      "BAD_USER_INPUT",
    );
    expect(await accountOf(person.id)).toBeNull();
  });

  it("refuses a password against the policy with PASSWORD_POLICY and its violations, writing nothing", async () => {
    const person = await newContact();
    const login = `policy-${unique()}`;
    const short = await expectRefusal(admin.SetPortalAccess({ input: { contactId: person.id, login, password: "q7#Lm2v" } }), "PASSWORD_POLICY");
    expect(short.violations).toEqual([expect.stringMatching(/at least 15/)]);
    expect(short.errors[0].extensions?.violations).toEqual(short.violations);

    const withLogin = await expectRefusal(
      admin.SetPortalAccess({ input: { contactId: person.id, login, password: `my-${login.toUpperCase()}-password` } }),
      "PASSWORD_POLICY",
    );
    expect(withLogin.violations).toEqual([expect.stringMatching(/login/)]);
    expect(await accountOf(person.id)).toBeNull();
    expect(await accountsWithLogin(login)).toBe(0);
  });
});

describe("setPortalAccess: logins are unique case-insensitively", () => {
  it("refuses a login taken in another case with CONFLICT on login", async () => {
    const tag = unique();
    const alice = await newContact();
    const other = await newContact();
    await admin.SetPortalAccess({ input: { contactId: alice.id, login: `Alice-${tag}` } });
    await expectRefusal(admin.SetPortalAccess({ input: { contactId: other.id, login: `alice-${tag}` } }), "CONFLICT", "login");
    expect(await accountOf(other.id)).toBeNull();

    await admin.SetPortalAccess({ input: { contactId: other.id, login: `bob-${tag}` } });
    await expectRefusal(admin.SetPortalAccess({ input: { contactId: other.id, login: `ALICE-${tag}` } }), "CONFLICT", "login");
    expect((await accountOf(other.id))?.login).toBe(`bob-${tag}`);

    // Its own login in another case is no conflict.
    await admin.SetPortalAccess({ input: { contactId: alice.id, login: `ALICE-${tag}` } });
    expect((await accountOf(alice.id))?.login).toBe(`ALICE-${tag}`);
    expect(await accountsWithLogin(`alice-${tag}`)).toBe(1);
  });

  it("two concurrent calls for two contacts with one login: exactly one wins, the other is CONFLICT", async () => {
    for (let round = 0; round < 4; round++) {
      const login = `race-${unique()}`;
      const [a, b] = [await newContact(), await newContact()];
      const results = await Promise.allSettled([
        admin.SetPortalAccess({ input: { contactId: a.id, login, password: newPassword() } }),
        admin.SetPortalAccess({ input: { contactId: b.id, login: login.toUpperCase(), password: newPassword() } }),
      ]);
      const won = results.filter((r) => r.status === "fulfilled");
      const lost = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      expect(lost[0].reason).toMatchObject({ code: "CONFLICT", field: "login" });
      expect(await accountsWithLogin(login)).toBe(1);
      const winner = results[0].status === "fulfilled" ? a : b;
      const loser = winner === a ? b : a;
      expect((await accountOf(winner.id))?.login.toLowerCase()).toBe(login);
      expect(await accountOf(loser.id)).toBeNull();
    }
  });

  it("two concurrent creations for one contact with two free logins: no false CONFLICT, one account", async () => {
    for (let round = 0; round < 4; round++) {
      const person = await newContact();
      const logins = [`first-${unique()}`, `second-${unique()}`];
      const results = await Promise.allSettled(
        logins.map((login) => admin.SetPortalAccess({ input: { contactId: person.id, login } })),
      );
      expect(results.map((r) => (r.status === "fulfilled" ? "ok" : (r.reason as { code?: string }).code))).toEqual(["ok", "ok"]);
      const account = await accountOf(person.id);
      expect(logins).toContain(account?.login);
      expect((await accountsWithLogin(logins[0])) + (await accountsWithLogin(logins[1]))).toBe(1);
    }
  });
});

describe("setPortalAccess: states that stop sign-in", () => {
  it("enabled:false ends the contact's sessions and refuses sign-in with ACCOUNT_DISABLED", async () => {
    const user = await portalUser(admin, { companyId: portalCompanyId });
    const portal = await server.signIn("PORTAL", user.login, user.password);
    expect((await portal.Me()).me).toMatchObject({ id: user.contact.id });

    await admin.SetPortalAccess({ input: { contactId: user.contact.id, enabled: false } });
    await expectRefusal(portal.Me(), "UNAUTHENTICATED");
    await expectRefusal(server.signIn("PORTAL", user.login, user.password), "ACCOUNT_DISABLED");

    await admin.SetPortalAccess({ input: { contactId: user.contact.id, enabled: true } });
    await expectRefusal(portal.Me(), "UNAUTHENTICATED");
    const again = await server.signIn("PORTAL", user.login, user.password);
    expect((await again.Me()).me).toMatchObject({ id: user.contact.id });
  });

  it("locked:true ends the sessions and refuses sign-in with ACCOUNT_LOCKED; locked:false unlocks and resets the failures", async () => {
    const user = await portalUser(admin, { companyId: portalCompanyId });
    const portal = await server.signIn("PORTAL", user.login, user.password);
    await expectRefusal(server.signIn("PORTAL", user.login, "a-wrong-password-entirely"), "INVALID_CREDENTIALS");
    expect((await accountOf(user.contact.id))?.failedLoginCount).toBe(1);

    const { setPortalAccess } = await admin.SetPortalAccess({ input: { contactId: user.contact.id, locked: true } });
    expect(setPortalAccess.contact.portalAccount).toMatchObject({ locked: true, enabled: true });
    await expectRefusal(portal.Me(), "UNAUTHENTICATED");
    await expectRefusal(server.signIn("PORTAL", user.login, user.password), "ACCOUNT_LOCKED");

    const { setPortalAccess: unlocked } = await admin.SetPortalAccess({ input: { contactId: user.contact.id, locked: false } });
    expect(unlocked.contact.portalAccount).toMatchObject({ locked: false, lockedUntil: null, failedLoginCount: 0 });
    await expectRefusal(portal.Me(), "UNAUTHENTICATED");
    const again = await server.signIn("PORTAL", user.login, user.password);
    expect((await again.Me()).me).toMatchObject({ id: user.contact.id });
  });

  it("a new password ends the account's sessions; a change that keeps sign-in possible does not", async () => {
    const user = await portalUser(admin, { companyId: portalCompanyId });
    const portal = await server.signIn("PORTAL", user.login, user.password);

    await admin.SetPortalAccess({ input: { contactId: user.contact.id, externalId: "kept-session", passwordNeverExpires: true } });
    expect((await portal.Me()).me).toMatchObject({ id: user.contact.id });

    const password = newPassword();
    await admin.SetPortalAccess({ input: { contactId: user.contact.id, password } });
    await expectRefusal(portal.Me(), "UNAUTHENTICATED");
    await expectRefusal(server.signIn("PORTAL", user.login, user.password), "INVALID_CREDENTIALS");
    const again = await server.signIn("PORTAL", user.login, password);
    expect((await again.Me()).me).toMatchObject({ id: user.contact.id });
  });
});

describe("revokePortalAccess", () => {
  it("removes the account, ends its sessions at once and frees the login", async () => {
    const user = await portalUser(admin, { companyId: portalCompanyId });
    const portal = await server.signIn("PORTAL", user.login, user.password);
    expect((await portal.Me()).me).toMatchObject({ id: user.contact.id });

    const { revokePortalAccess } = await admin.RevokePortalAccess({ contactId: user.contact.id });
    expect(revokePortalAccess).toEqual({ id: user.contact.id, portalAccount: null });
    expect(await accountOf(user.contact.id)).toBeNull();
    await expectRefusal(portal.Me(), "UNAUTHENTICATED");
    await expectRefusal(server.signIn("PORTAL", user.login, user.password), "INVALID_CREDENTIALS");
    expect(await accountsWithLogin(user.login)).toBe(0);

    const successor = await newContact();
    const { setPortalAccess } = await admin.SetPortalAccess({ input: { contactId: successor.id, login: user.login.toUpperCase() } });
    expect(setPortalAccess.contact.portalAccount?.login).toBe(user.login.toUpperCase());
    // The contact itself stays, and may get an account again.
    expect((await admin.Contact({ id: user.contact.id })).contact?.id).toBe(user.contact.id);
  });

  it("answers a contact without an account unchanged, and NOT_FOUND for an unknown or malformed contactId", async () => {
    const person = await newContact();
    expect((await admin.RevokePortalAccess({ contactId: person.id })).revokePortalAccess).toEqual({ id: person.id, portalAccount: null });
    const unknown = await expectRefusal(admin.RevokePortalAccess({ contactId: unknownId() }), "NOT_FOUND");
    expect(unknown.data).toBeNull();
    await expectRefusal(admin.RevokePortalAccess({ contactId: "nope" }), "NOT_FOUND");
  });
});

describe("a portal contact reading itself", () => {
  it("sees its login, password expiry and profile through Me", async () => {
    const user = await portalUser(admin, { companyId: portalCompanyId });
    const portal = await server.signIn("PORTAL", user.login, user.password);
    const { me } = await portal.Me();
    expect(me).toEqual({
      __typename: "Contact",
      id: user.contact.id,
      firstName: user.contact.firstName,
      lastName: user.contact.lastName,
      email: user.contact.email,
      company: { id: portalCompanyId, name: expect.any(String) },
      portalAccount: { login: user.login, passwordExpiresAt: null, profile: { id: user.profileId, name: expect.any(String) } },
    });

    // Staff-only fields answer FORBIDDEN; the rest of the answer still comes.
    const raw = await portal.execute<{ me: { id: string; portalAccount: { login: string; failedLoginCount: number | null } } }>(
      "{ me { ... on Contact { id portalAccount { login failedLoginCount } } } }",
    );
    expect(raw.data).toEqual({ me: { id: user.contact.id, portalAccount: { login: user.login, failedLoginCount: null } } });
    expect(raw.errors).toHaveLength(1);
    expect(raw.errors![0].extensions?.code).toBe("FORBIDDEN");
    expect(raw.errors![0].path).toEqual(["me", "portalAccount", "failedLoginCount"]);

    // What its profile grants is for staff: the portal asks myPermissions instead.
    for (const field of ["roles { name }", "contactCount"]) {
      const grants = await portal.execute(`{ me { ... on Contact { portalAccount { profile { name ${field} } } } } }`);
      expect(grants.errors?.map((e) => e.extensions?.code)).toEqual(["FORBIDDEN"]);
      expect(grants.errors![0].path?.slice(0, 4)).toEqual(["me", "portalAccount", "profile", field.split(" ")[0]]);
    }
    const name = await portal.execute("{ me { ... on Contact { portalAccount { profile { id name } } } } }");
    expect(name.errors).toBeUndefined();
    expect(name.data.me.portalAccount.profile).toEqual({ id: user.profileId, name: expect.any(String) });
  });
});
