import { index, jsonb, pgTable, text, uuid } from "drizzle-orm/pg-core";
import { at, id } from "./columns.js";
import { organisations } from "./organisations.js";

/** One row per change and per sign-in; secrets are never written here. */
export const auditEvents = pgTable(
  "audit_events",
  {
    id: id(),
    organisationId: uuid("organisation_id")
      .notNull()
      .references(() => organisations.id),
    at: at("at").notNull().defaultNow(),
    actorType: text("actor_type", { enum: ["User", "Contact"] }),
    actorId: uuid("actor_id"),
    action: text("action").notNull(),
    entityType: text("entity_type").notNull(),
    entityId: text("entity_id"),
    changes: jsonb("changes").$type<Record<string, unknown>>().notNull().default({}),
    clientAddress: text("client_address"),
  },
  (t) => [
    index("audit_events_at_idx").on(t.organisationId, t.at.desc(), t.id.desc()),
    index("audit_events_entity_idx").on(t.organisationId, t.entityType, t.entityId),
  ],
);
