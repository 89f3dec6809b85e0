import { randomBytes } from "node:crypto";
import type { GatehouseClient } from "../../client-sdk/src/index.js";

/** A short random suffix that keeps names unique across tests. */
export const unique = () => randomBytes(4).toString("hex");

/** A password that meets the default policy and is unique to this run, so leak scans can find it. */
export const newPassword = () => `pw-${randomBytes(12).toString("hex")}-Secret`;

export async function customerGroup(admin: GatehouseClient, input: { name?: string; portalEnabled?: boolean } = {}) {
  const { createCustomerGroup } = await admin.CreateCustomerGroup({
    input: { name: input.name ?? `Group ${unique()}`, portalEnabled: input.portalEnabled ?? true },
  });
  return createCustomerGroup;
}

export async function company(admin: GatehouseClient, input: { customerGroupId?: string; name?: string } = {}) {
  const customerGroupId = input.customerGroupId ?? (await customerGroup(admin)).id;
  const { createCompany } = await admin.CreateCompany({ input: { name: input.name ?? `Company ${unique()}`, customerGroupId } });
  return createCompany;
}

export async function contact(
  admin: GatehouseClient,
  input: { companyId?: string; customerGroupId?: string; firstName?: string; lastName?: string; email?: string } = {},
) {
  const companyId = input.companyId ?? (input.customerGroupId ? undefined : (await company(admin)).id);
  const { createContact } = await admin.CreateContact({
    input: {
      firstName: input.firstName ?? "Ada",
      lastName: input.lastName ?? `Lovelace-${unique()}`,
      email: input.email ?? `ada.${unique()}@example.com`,
      companyId,
      customerGroupId: input.customerGroupId,
    },
  });
  return createContact;
}

export async function queue(admin: GatehouseClient, name = `Queue ${unique()}`) {
  return (await admin.CreateQueue({ input: { name } })).createQueue;
}

export async function role(
  admin: GatehouseClient,
  input: {
    name?: string;
    queuePermissions?: Array<{ queueId: string; read: boolean; write: boolean; append: boolean }>;
    customerGroupIds?: string[];
    accessOwnCompanyCases?: boolean;
  } = {},
) {
  return (await admin.CreateRole({ input: { name: input.name ?? `Role ${unique()}`, ...input } })).createRole;
}

export async function portalProfile(admin: GatehouseClient, input: { name?: string; roleIds?: string[] } = {}) {
  return (await admin.CreatePortalProfile({ input: { name: input.name ?? `Profile ${unique()}`, roleIds: input.roleIds ?? [] } }))
    .createPortalProfile;
}

/**
 * A contact with a portal account in a portal-enabled group, and the credentials to sign in with.
 * Without a profile a contact may not sign in, so it gets an empty one unless a profile is named.
 */
export async function portalUser(
  admin: GatehouseClient,
  input: { companyId?: string; customerGroupId?: string; login?: string; profileId?: string } = {},
) {
  const person = await contact(admin, { companyId: input.companyId, customerGroupId: input.customerGroupId });
  const login = input.login ?? `user-${unique()}`;
  const password = newPassword();
  const profileId = input.profileId ?? (await portalProfile(admin)).id;
  await admin.SetPortalAccess({ input: { contactId: person.id, login, password, profileId } });
  return { contact: person, login, password, profileId };
}
