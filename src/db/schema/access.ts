import { sql } from "drizzle-orm";
import { boolean, index, pgTable, primaryKey, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { createdAt, id, updatedAt } from "./columns.js";
import { customerGroups } from "./customers.js";
import { organisations } from "./organisations.js";
import { users } from "./users.js";

/** Where cases live; roles grant read, write and append per queue. */
export const queues = pgTable(
  "queues",
  {
    id: id(),
    organisationId: uuid("organisation_id")
      .notNull()
      .references(() => organisations.id),
    name: text("name").notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("queues_name_key").on(t.organisationId, sql`lower(${t.name})`)],
);

/** A role is shared by portal profiles and staff users. */
export const roles = pgTable(
  "roles",
  {
    id: id(),
    organisationId: uuid("organisation_id")
      .notNull()
      .references(() => organisations.id),
    name: text("name").notNull(),
    accessOwnCompanyCases: boolean("access_own_company_cases").notNull().default(false),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex("roles_name_key").on(t.organisationId, sql`lower(${t.name})`)],
);

export const roleQueuePermissions = pgTable(
  "role_queue_permissions",
  {
    roleId: uuid("role_id")
      .notNull()
      .references(() => roles.id, { onDelete: "cascade" }),
    queueId: uuid("queue_id")
      .notNull()
      .references(() => queues.id, { onDelete: "cascade" }),
    read: boolean("read").notNull(),
    write: boolean("write").notNull(),
    append: boolean("append").notNull(),
  },
  (t) => [primaryKey({ columns: [t.roleId, t.queueId] }), index("role_queue_permissions_queue_idx").on(t.queueId)],
);

export const roleCustomerGroups = pgTable(
  "role_customer_groups",
  {
    roleId: uuid("role_id")
      .notNull()
      .references(() => roles.id, { onDelete: "cascade" }),
    customerGroupId: uuid("customer_group_id")
      .notNull()
      .references(() => customerGroups.id, { onDelete: "cascade" }),
  },
  (t) => [primaryKey({ columns: [t.roleId, t.customerGroupId] }), index("role_customer_groups_group_idx").on(t.customerGroupId)],
);

/** A portal profile bundles roles; many contacts share one. */
export const portalProfiles = pgTable(
  "portal_profiles",
  {
    id: id(),
    organisationId: uuid("organisation_id")
      .notNull()
      .references(() => organisations.id),
    name: text("name").notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex("portal_profiles_name_key").on(t.organisationId, sql`lower(${t.name})`)],
);

export const portalProfileRoles = pgTable(
  "portal_profile_roles",
  {
    profileId: uuid("profile_id")
      .notNull()
      .references(() => portalProfiles.id, { onDelete: "cascade" }),
    roleId: uuid("role_id")
      .notNull()
      .references(() => roles.id, { onDelete: "cascade" }),
  },
  (t) => [primaryKey({ columns: [t.profileId, t.roleId] }), index("portal_profile_roles_role_idx").on(t.roleId)],
);

export const userRoles = pgTable(
  "user_roles",
  {
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    roleId: uuid("role_id")
      .notNull()
      .references(() => roles.id, { onDelete: "cascade" }),
  },
  (t) => [primaryKey({ columns: [t.userId, t.roleId] }), index("user_roles_role_idx").on(t.roleId)],
);
