import { Arg, Ctx, FieldResolver, Int, Mutation, Query, Resolver, Root } from "type-graphql";
import { callerOf, type Context } from "../../context.js";
import type { customerGroups, queues, roleQueuePermissions } from "../../db/schema/index.js";
import { CustomerGroup } from "../customers/customer-group.types.js";
import * as profiles from "./portal-profile.service.js";
import { CreatePortalProfileInput, PortalProfile, UpdatePortalProfileInput } from "./portal-profile.types.js";
import * as queueService from "./queue.service.js";
import { CreateQueueInput, Queue } from "./queue.types.js";
import * as roleService from "./role.service.js";
import { CreateRoleInput, QueuePermission, Role, UpdateRoleInput } from "./role.types.js";

@Resolver(() => Queue)
export class QueueResolver {
  @Query(() => [Queue], { description: "Every queue of the organisation, by name." })
  queues(@Ctx() ctx: Context) {
    return queueService.listQueues(ctx.deps, ctx.principal!.organisationId);
  }

  @Mutation(() => Queue)
  createQueue(@Arg("input", () => CreateQueueInput) input: CreateQueueInput, @Ctx() ctx: Context) {
    return queueService.createQueue(ctx.deps, callerOf(ctx), input);
  }
}

type PermissionRow = { permission: typeof roleQueuePermissions.$inferSelect; queue: typeof queues.$inferSelect };

@Resolver(() => Role)
export class RoleResolver {
  @Query(() => [Role], { description: "Every role of the organisation, by name." })
  roles(@Ctx() ctx: Context) {
    return roleService.listRoles(ctx.deps, ctx.principal!.organisationId);
  }

  @Mutation(() => Role)
  createRole(@Arg("input", () => CreateRoleInput) input: CreateRoleInput, @Ctx() ctx: Context) {
    return roleService.createRole(ctx.deps, callerOf(ctx), input);
  }

  @Mutation(() => Role, { description: "Replaces the role's permissions with exactly those given." })
  updateRole(@Arg("input", () => UpdateRoleInput) input: UpdateRoleInput, @Ctx() ctx: Context) {
    return roleService.updateRole(ctx.deps, callerOf(ctx), input);
  }

  @FieldResolver(() => [QueuePermission])
  async queuePermissions(@Root() role: roleService.RoleRow, @Ctx() ctx: Context) {
    const rows: PermissionRow[] = await ctx.loaders.queuePermissionsOfRole.load(role.id);
    return rows.map((r) => ({ ...r.permission, queue: r.queue }));
  }

  @FieldResolver(() => [CustomerGroup])
  async customerGroups(@Root() role: roleService.RoleRow, @Ctx() ctx: Context) {
    const rows: Array<{ group: typeof customerGroups.$inferSelect }> = await ctx.loaders.customerGroupsOfRole.load(role.id);
    return rows.map((r) => r.group);
  }
}

@Resolver(() => PortalProfile)
export class PortalProfileResolver {
  @Query(() => [PortalProfile], { description: "Every portal profile of the organisation, by name." })
  portalProfiles(@Ctx() ctx: Context) {
    return profiles.listPortalProfiles(ctx.deps, ctx.principal!.organisationId);
  }

  @Mutation(() => PortalProfile, { description: "LIMIT_EXCEEDED beyond the organisation's portal profile seats." })
  createPortalProfile(@Arg("input", () => CreatePortalProfileInput) input: CreatePortalProfileInput, @Ctx() ctx: Context) {
    return profiles.createPortalProfile(ctx.deps, callerOf(ctx), input);
  }

  @Mutation(() => PortalProfile)
  updatePortalProfile(@Arg("input", () => UpdatePortalProfileInput) input: UpdatePortalProfileInput, @Ctx() ctx: Context) {
    return profiles.updatePortalProfile(ctx.deps, callerOf(ctx), input);
  }

  @FieldResolver(() => [Role])
  async roles(@Root() profile: profiles.PortalProfileRow, @Ctx() ctx: Context) {
    return (await ctx.loaders.rolesOfProfile.load(profile.id)).map((r) => r.role);
  }

  @FieldResolver(() => Int)
  contactCount(@Root() profile: profiles.PortalProfileRow, @Ctx() ctx: Context) {
    return ctx.loaders.contactCountOfProfile.load(profile.id);
  }
}
