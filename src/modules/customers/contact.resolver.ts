import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from "type-graphql";
import { callerOf, type Context } from "../../context.js";
import { ensure, notFound } from "../../errors.js";
import { Company } from "./company.types.js";
import * as service from "./contact.service.js";
import { Contact, ContactConnection, ContactFilter, CreateContactInput, UpdateContactInput } from "./contact.types.js";
import { CustomerGroup } from "./customer-group.types.js";
import { PortalAccount } from "./portal-account.types.js";

type ContactParent = service.ContactRow & { portalAccount?: service.PortalAccountRow | null };

@Resolver(() => Contact)
export class ContactResolver {
  @Query(() => ContactConnection, { description: "Contacts by last name, first name and id; first is 1 to 100 (default 20)." })
  contacts(
    @Arg("first", () => Int, { nullable: true }) first: number | null,
    @Arg("after", () => String, { nullable: true }) after: string | null,
    @Arg("filter", () => ContactFilter, { nullable: true }) filter: ContactFilter | null,
    @Ctx() ctx: Context,
  ) {
    return service.listContacts(ctx.deps, ctx.principal!.organisationId, { first, after, filter });
  }

  @Query(() => Contact, { nullable: true })
  async contact(@Arg("id", () => ID) id: string, @Ctx() ctx: Context) {
    const contact = await service.findContact(ctx.deps.db, ctx.principal!.organisationId, id);
    ensure(contact, () => notFound("Contact"));
    return contact;
  }

  @Mutation(() => Contact)
  createContact(@Arg("input", () => CreateContactInput) input: CreateContactInput, @Ctx() ctx: Context) {
    return service.createContact(ctx.deps, callerOf(ctx), input);
  }

  @Mutation(() => Contact)
  updateContact(@Arg("input", () => UpdateContactInput) input: UpdateContactInput, @Ctx() ctx: Context) {
    return service.updateContact(ctx.deps, callerOf(ctx), input);
  }

  @Mutation(() => ID, { description: "Deletes the contact, its portal account and its sessions." })
  async deleteContact(@Arg("id", () => ID) id: string, @Ctx() ctx: Context) {
    return (await service.deleteContact(ctx.deps, callerOf(ctx), id)).id;
  }

  @FieldResolver(() => Company, { nullable: true })
  company(@Root() contact: ContactParent, @Ctx() ctx: Context) {
    return contact.companyId ? ctx.loaders.company.load(contact.companyId) : null;
  }

  @FieldResolver(() => CustomerGroup)
  customerGroup(@Root() contact: ContactParent, @Ctx() ctx: Context) {
    return ctx.loaders.customerGroup.load(contact.customerGroupId);
  }

  @FieldResolver(() => PortalAccount, { nullable: true })
  portalAccount(@Root() contact: ContactParent, @Ctx() ctx: Context) {
    // Lists join the account into their one query; single reads batch through the loader.
    if (contact.portalAccount !== undefined) return contact.portalAccount;
    return ctx.loaders.portalAccount.load(contact.id);
  }
}
