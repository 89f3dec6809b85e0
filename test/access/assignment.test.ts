/**
 * Profile assignment through customer groups: AUTOMATIC groups give every portal account of
 * the group the group's default profile (existing accounts when the group switches, new
 * ones at creation, and accounts of companies moved into the group) and refuse profileId;
 * MANUAL groups take profileId per account. Companies never get portal accounts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GatehouseClient } from "../../client-sdk/src/index.js";
import { expectRefusal, unknownId } from "../customers/support.js";
import { company, contact, customerGroup, newPassword, portalProfile, queue, role, unique } from "../helpers/factories.js";
import { signInStaff, staffUser } from "../helpers/principals.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { caseFor, grant, RWA, reads } from "./support.js";

let server: TestServer;
let admin: GatehouseClient;
beforeAll(async () => {
  server = await startTestServer();
  admin = await server.admin();
});
afterAll(() => server?.close());

/** The profile id of a contact's portal account (undefined: no account; null: no profile). */
async function profileOf(contactId: string): Promise<string | null | undefined> {
  const account = (await admin.Contact({ id: contactId })).contact!.portalAccount;
  return account === null ? undefined : (account.profile?.id ?? null);
}

/** A contact of the company with a portal account; the profile is given only when asked for. */
async function account(companyId: string, profileId?: string | null) {
  const person = await contact(admin, { companyId });
  const login = `acc-${unique()}`;
  const password = newPassword();
  await admin.SetPortalAccess({ input: { contactId: person.id, login, password, ...(profileId !== undefined ? { profileId } : {}) } });
  return { id: person.id, login, password };
}

const groupOf = async (id: string) =>
  (await admin.execute<{ customerGroup: { profileAssignment: string; defaultProfile: { id: string } | null } | null }>(
    "query ($id: ID!) { customerGroup(id: $id) { profileAssignment defaultProfile { id } } }",
    { id },
  )).data!.customerGroup;

describe("AUTOMATIC needs a default profile", () => {
  it("creating an AUTOMATIC group without defaultProfileId is BAD_USER_INPUT, and writes nothing", async () => {
    const name = `Auto ${unique()}`;
    const error = await expectRefusal(
      admin.CreateCustomerGroup({ input: { name, portalEnabled: true, profileAssignment: "AUTOMATIC" } }),
      "BAD_USER_INPUT",
    );
    expect(["profileAssignment", "defaultProfileId"]).toContain(error.field);
    expect((await admin.CustomerGroups()).customerGroups.map((g) => g.name)).not.toContain(name);
  });

  it("creates an AUTOMATIC group with its default profile", async () => {
    const p = await portalProfile(admin);
    const { createCustomerGroup } = await admin.CreateCustomerGroup({
      input: { name: `Auto ${unique()}`, portalEnabled: true, profileAssignment: "AUTOMATIC", defaultProfileId: p.id },
    });
    expect(createCustomerGroup).toMatchObject({ profileAssignment: "AUTOMATIC", defaultProfile: { id: p.id } });
  });

  it("an unknown, malformed or foreign defaultProfileId is BAD_USER_INPUT on defaultProfileId", async () => {
    const name = `Auto ${unique()}`;
    const other = await signInStaff(server, await staffUser(server, { organisationSlug: `other-${unique()}`, superUser: true }));
    const foreign = (await other.CreatePortalProfile({ input: { name: `Foreign ${unique()}` } })).createPortalProfile;
    for (const defaultProfileId of [unknownId(), "nope", foreign.id]) {
      await expectRefusal(
        admin.CreateCustomerGroup({ input: { name, portalEnabled: true, profileAssignment: "AUTOMATIC", defaultProfileId } }),
        "BAD_USER_INPUT",
        "defaultProfileId",
      );
    }
    const g = await customerGroup(admin);
    await expectRefusal(admin.UpdateCustomerGroup({ input: { id: g.id, defaultProfileId: unknownId() } }), "BAD_USER_INPUT", "defaultProfileId");
    expect((await groupOf(g.id))!.defaultProfile).toBeNull();
  });

  it("switching to AUTOMATIC without a default, or clearing the default of an AUTOMATIC group, is BAD_USER_INPUT", async () => {
    const g = await customerGroup(admin);
    const error = await expectRefusal(admin.UpdateCustomerGroup({ input: { id: g.id, profileAssignment: "AUTOMATIC" } }), "BAD_USER_INPUT");
    expect(["profileAssignment", "defaultProfileId"]).toContain(error.field);
    expect((await groupOf(g.id))!.profileAssignment).toBe("MANUAL");
    const p = await portalProfile(admin);
    await admin.UpdateCustomerGroup({ input: { id: g.id, profileAssignment: "AUTOMATIC", defaultProfileId: p.id } });
    await expectRefusal(admin.UpdateCustomerGroup({ input: { id: g.id, defaultProfileId: null } }), "BAD_USER_INPUT", "defaultProfileId");
    expect(await groupOf(g.id)).toEqual({ profileAssignment: "AUTOMATIC", defaultProfile: { id: p.id } });
  });
});

describe("AUTOMATIC assignment", () => {
  it("switching a MANUAL group with accounts to AUTOMATIC gives every existing account the default profile", async () => {
    const g = await customerGroup(admin);
    const firm = await company(admin, { customerGroupId: g.id });
    const [p1, p2, dflt] = [await portalProfile(admin), await portalProfile(admin), await portalProfile(admin)];
    const a = await account(firm.id, p1.id);
    const b = await account(firm.id, p2.id);
    const none = await account(firm.id);
    const disabled = await account(firm.id, p1.id);
    await admin.SetPortalAccess({ input: { contactId: disabled.id, enabled: false } });
    // A contact directly in the group (no company), and one without an account.
    const loose = await contact(admin, { customerGroupId: g.id });
    await admin.SetPortalAccess({ input: { contactId: loose.id, login: `loose-${unique()}`, password: newPassword() } });
    const noAccount = await contact(admin, { companyId: firm.id });
    expect(await profileOf(none.id)).toBeNull();
    await expectRefusal(server.signIn("PORTAL", none.login, none.password), "ACCOUNT_DISABLED");

    const { updateCustomerGroup } = await admin.UpdateCustomerGroup({ input: { id: g.id, profileAssignment: "AUTOMATIC", defaultProfileId: dflt.id } });
    expect(updateCustomerGroup).toMatchObject({ profileAssignment: "AUTOMATIC", defaultProfile: { id: dflt.id } });
    for (const who of [a.id, b.id, none.id, disabled.id, loose.id]) expect(await profileOf(who)).toBe(dflt.id);
    // Nobody gets an account by it.
    expect(await profileOf(noAccount.id)).toBeUndefined();
    expect((await admin.PortalProfiles()).portalProfiles.find((p) => p.id === dflt.id)!.contactCount).toBe(5);
    // The account that had no profile may now sign in.
    await server.signIn("PORTAL", none.login, none.password);
  });

  it("new accounts get the default profile at creation; profileId is then BAD_USER_INPUT on profileId", async () => {
    const dflt = await portalProfile(admin);
    const other = await portalProfile(admin);
    const g = (await admin.CreateCustomerGroup({ input: { name: `Auto ${unique()}`, portalEnabled: true, profileAssignment: "AUTOMATIC", defaultProfileId: dflt.id } }))
      .createCustomerGroup;
    const firm = await company(admin, { customerGroupId: g.id });
    const fresh = await account(firm.id);
    expect(await profileOf(fresh.id)).toBe(dflt.id);
    await server.signIn("PORTAL", fresh.login, fresh.password);

    // Naming a profile, even the default or null, is refused, and nothing is written.
    const person = await contact(admin, { companyId: firm.id });
    for (const profileId of [other.id, dflt.id, null]) {
      await expectRefusal(
        admin.SetPortalAccess({ input: { contactId: person.id, login: `refused-${unique()}`, password: newPassword(), profileId } }),
        "BAD_USER_INPUT",
        "profileId",
      );
    }
    expect(await profileOf(person.id)).toBeUndefined();
    await expectRefusal(admin.SetPortalAccess({ input: { contactId: fresh.id, profileId: other.id } }), "BAD_USER_INPUT", "profileId");
    await expectRefusal(admin.SetPortalAccess({ input: { contactId: fresh.id, profileId: null } }), "BAD_USER_INPUT", "profileId");
    expect(await profileOf(fresh.id)).toBe(dflt.id);
    // Other changes to the account are still accepted and keep the default profile.
    await admin.SetPortalAccess({ input: { contactId: fresh.id, mustChangePassword: false } });
    expect(await profileOf(fresh.id)).toBe(dflt.id);
  });

  it("changing the default profile of an AUTOMATIC group moves every account to it, applying to existing sessions", async () => {
    const g = await customerGroup(admin);
    const firm = await company(admin, { customerGroupId: g.id });
    const q = await queue(admin);
    const reader = await role(admin, { queuePermissions: [grant(q.id, RWA)], customerGroupIds: [g.id] });
    const blind = await portalProfile(admin);
    const seeing = await portalProfile(admin, { roleIds: [reader.id] });
    await admin.UpdateCustomerGroup({ input: { id: g.id, profileAssignment: "AUTOMATIC", defaultProfileId: blind.id } });
    const a = await account(firm.id);
    const client = await server.signIn("PORTAL", a.login, a.password);
    const kase = await caseFor(admin, q.id, a.id);
    expect(await reads(client, kase.id)).toBe(false);
    await admin.UpdateCustomerGroup({ input: { id: g.id, defaultProfileId: seeing.id } });
    expect(await profileOf(a.id)).toBe(seeing.id);
    expect(await reads(client, kase.id)).toBe(true);
  });

  it("switching back to MANUAL keeps each account's profile, and profileId is accepted again", async () => {
    const dflt = await portalProfile(admin);
    const other = await portalProfile(admin);
    const g = (await admin.CreateCustomerGroup({ input: { name: `Auto ${unique()}`, portalEnabled: true, profileAssignment: "AUTOMATIC", defaultProfileId: dflt.id } }))
      .createCustomerGroup;
    const firm = await company(admin, { customerGroupId: g.id });
    const a = await account(firm.id);
    const b = await account(firm.id);
    await admin.UpdateCustomerGroup({ input: { id: g.id, profileAssignment: "MANUAL" } });
    expect(await profileOf(a.id)).toBe(dflt.id);
    expect(await profileOf(b.id)).toBe(dflt.id);
    await admin.SetPortalAccess({ input: { contactId: b.id, profileId: other.id } });
    expect(await profileOf(b.id)).toBe(other.id);
    expect(await profileOf(a.id)).toBe(dflt.id);
    // A new account in the MANUAL group gets only the profile it is given.
    expect(await profileOf((await account(firm.id)).id)).toBeNull();
  });

  it("moving a company into an AUTOMATIC group gives its contacts' accounts the default profile", async () => {
    const dflt = await portalProfile(admin);
    const p = await portalProfile(admin);
    const manual = await customerGroup(admin);
    const auto = (await admin.CreateCustomerGroup({ input: { name: `Auto ${unique()}`, portalEnabled: true, profileAssignment: "AUTOMATIC", defaultProfileId: dflt.id } }))
      .createCustomerGroup;
    const firm = await company(admin, { customerGroupId: manual.id });
    const stay = await company(admin, { customerGroupId: manual.id });
    const a = await account(firm.id, p.id);
    const none = await account(firm.id);
    const withoutAccount = await contact(admin, { companyId: firm.id });
    const bystander = await account(stay.id, p.id);
    const session = await server.signIn("PORTAL", a.login, a.password);

    await admin.UpdateCompany({ input: { id: firm.id, customerGroupId: auto.id } });
    expect(await profileOf(a.id)).toBe(dflt.id);
    expect(await profileOf(none.id)).toBe(dflt.id);
    expect(await profileOf(withoutAccount.id)).toBeUndefined();
    expect(await profileOf(bystander.id)).toBe(p.id);
    // The moved contact's session goes on, now with the default profile.
    const me = await session.Me();
    expect(me.me).toMatchObject({ id: a.id });
    await server.signIn("PORTAL", none.login, none.password);

    // Moving it back into a MANUAL group keeps the profiles.
    await admin.UpdateCompany({ input: { id: firm.id, customerGroupId: manual.id } });
    expect(await profileOf(a.id)).toBe(dflt.id);
  });
});

describe("companies never get portal accounts", () => {
  it("SetPortalAccess and RevokePortalAccess with a company id are NOT_FOUND: contactId names no contact", async () => {
    const p = await portalProfile(admin);
    const firm = await company(admin, { customerGroupId: (await customerGroup(admin)).id });
    await expectRefusal(
      admin.SetPortalAccess({ input: { contactId: firm.id, login: `company-${unique()}`, password: newPassword(), profileId: p.id } }),
      "NOT_FOUND",
    );
    await expectRefusal(admin.RevokePortalAccess({ contactId: firm.id }), "NOT_FOUND");
    expect((await admin.PortalProfiles()).portalProfiles.find((x) => x.id === p.id)!.contactCount).toBe(0);
  });

  it("contacts of a group that is not portal-enabled get no account, whatever the assignment", async () => {
    const p = await portalProfile(admin);
    const g = (await admin.CreateCustomerGroup({ input: { name: `Off ${unique()}`, portalEnabled: false, profileAssignment: "AUTOMATIC", defaultProfileId: p.id } }))
      .createCustomerGroup;
    const person = await contact(admin, { companyId: (await company(admin, { customerGroupId: g.id })).id });
    await expectRefusal(admin.SetPortalAccess({ input: { contactId: person.id, login: `off-${unique()}`, password: newPassword() } }), "BAD_USER_INPUT");
    expect(await profileOf(person.id)).toBeUndefined();
  });
});
