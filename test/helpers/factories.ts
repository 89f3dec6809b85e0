import { randomBytes } from "node:crypto";
import type { GatehouseClient } from "../../client-sdk/src/index.js";

const unique = () => randomBytes(4).toString("hex");

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

/** A contact with a portal account in a portal-enabled group, and the credentials to sign in with. */
export async function portalUser(admin: GatehouseClient, input: { companyId?: string; login?: string } = {}) {
  const person = await contact(admin, { companyId: input.companyId });
  const login = input.login ?? `user-${unique()}`;
  const password = newPassword();
  await admin.SetPortalAccess({ input: { contactId: person.id, login, password } });
  return { contact: person, login, password };
}
