import { bigserial, index, pgTable, text, uuid } from "drizzle-orm/pg-core";
import { queues } from "./access.js";
import { createdAt, id, updatedAt } from "./columns.js";
import { companies, contacts, customerGroups } from "./customers.js";
import { organisations } from "./organisations.js";

export const CASE_STATUSES = ["OPEN", "CLOSED"] as const;

/**
 * A case (ticket). Its reporter's company and customer group are copied in at creation,
 * so the access rule reads one row and the indexes below serve it.
 */
export const cases = pgTable(
  "cases",
  {
    id: id(),
    organisationId: uuid("organisation_id")
      .notNull()
      .references(() => organisations.id),
    number: bigserial("number", { mode: "number" }).notNull().unique("cases_number_key"),
    queueId: uuid("queue_id")
      .notNull()
      .references(() => queues.id),
    contactId: uuid("contact_id")
      .notNull()
      .references(() => contacts.id),
    companyId: uuid("company_id").references(() => companies.id),
    customerGroupId: uuid("customer_group_id")
      .notNull()
      .references(() => customerGroups.id),
    subject: text("subject").notNull(),
    description: text("description"),
    status: text("status", { enum: CASE_STATUSES }).notNull().default("OPEN"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index("cases_contact_idx").on(t.contactId, t.createdAt.desc(), t.id.desc()),
    index("cases_company_idx").on(t.companyId, t.createdAt.desc(), t.id.desc()),
    index("cases_queue_idx").on(t.queueId, t.createdAt.desc(), t.id.desc()),
    index("cases_recent_idx").on(t.organisationId, t.createdAt.desc(), t.id.desc()),
  ],
);

export const caseComments = pgTable(
  "case_comments",
  {
    id: id(),
    organisationId: uuid("organisation_id")
      .notNull()
      .references(() => organisations.id),
    caseId: uuid("case_id")
      .notNull()
      .references(() => cases.id, { onDelete: "cascade" }),
    body: text("body").notNull(),
    authorType: text("author_type", { enum: ["User", "Contact"] }).notNull(),
    authorId: uuid("author_id").notNull(),
    createdAt: createdAt(),
  },
  (t) => [index("case_comments_case_idx").on(t.caseId, t.createdAt, t.id)],
);
