import { sql } from "drizzle-orm";
import { pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { createdAt, id } from "./columns.js";

/** Tenants come in groups; one authentication policy governs each group. */
export const organisationGroups = pgTable(
  "organisation_groups",
  { id: id(), name: text("name").notNull(), createdAt: createdAt() },
  (t) => [uniqueIndex("organisation_groups_name_key").on(sql`lower(${t.name})`)],
);

export const organisations = pgTable(
  "organisations",
  {
    id: id(),
    organisationGroupId: uuid("organisation_group_id")
      .notNull()
      .references(() => organisationGroups.id),
    slug: text("slug").notNull(),
    name: text("name").notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("organisations_slug_key").on(sql`lower(${t.slug})`)],
);

export const DEFAULT_ORGANISATION_SLUG = "default";
