import { and, count, desc, eq, type SQL, sql } from "drizzle-orm";
import { audit } from "../../audit/audit.js";
import type { Caller, Deps } from "../../context.js";
import { messageTemplates, organisations, outboundEmails } from "../../db/schema/index.js";
import { badInput, ensure } from "../../errors.js";
import {
  isLocale,
  isTemplateKey,
  LOCALES,
  renderTemplate,
  TEMPLATE_KEYS,
  TEMPLATE_VARIABLES,
  type TemplateKey,
  validateTemplate,
  withExamples,
  wordingFor,
} from "../../mail/templates.js";
import { decodeTimeCursor, pageSize, toPage } from "../common/pagination.js";
import type { OutboundEmailFilter, PreviewMessageTemplateInput, UpsertMessageTemplateInput } from "./message-template.types.js";

const MAX_TEMPLATE = 20_000;

function keyAndLocale(input: { key: string; locale: string }): { key: TemplateKey; locale: "en" | "de" } {
  ensure(isTemplateKey(input.key), () => badInput("key", `Unknown template key; the keys are ${TEMPLATE_KEYS.join(", ")}.`));
  ensure(isLocale(input.locale), () => badInput("locale", `Unknown locale; the locales are ${LOCALES.join(", ")}.`));
  return { key: input.key, locale: input.locale };
}

/** Every key × locale, the organisation's override where there is one. */
export async function listMessageTemplates(deps: Pick<Deps, "db">, organisationId: string) {
  const overrides = await deps.db.select().from(messageTemplates).where(eq(messageTemplates.organisationId, organisationId));
  const result = [];
  for (const key of TEMPLATE_KEYS) {
    for (const locale of LOCALES) {
      const override = overrides.find((o) => o.key === key && o.locale === locale);
      const wording = override ?? (await wordingFor(deps.db, organisationId, key, locale));
      result.push({ key, locale, subject: wording.subject, body: wording.body, variables: TEMPLATE_VARIABLES[key], custom: !!override });
    }
  }
  return result;
}

/** Saves an organisation's wording after checking that it parses and names only the key's variables. */
export async function upsertMessageTemplate(deps: Pick<Deps, "db" | "clock">, caller: Caller, input: UpsertMessageTemplateInput) {
  const { key, locale } = keyAndLocale(input);
  ensure(input.subject.trim().length > 0 && input.subject.length <= 500, () => badInput("subject", "The subject must have 1 to 500 characters."));
  ensure(input.body.trim().length > 0 && input.body.length <= MAX_TEMPLATE, () => badInput("body", `The body must have 1 to ${MAX_TEMPLATE} characters.`));
  validateTemplate(key, "subject", input.subject);
  validateTemplate(key, "body", input.body);
  // A test render with example values catches what parsing alone does not (an unknown filter's arguments, say).
  try {
    renderTemplate(key, input, withExamples(key, null));
  } catch (error) {
    throw badInput("body", `The template does not render: ${(error as Error).message}`);
  }
  const now = deps.clock();
  return deps.db.transaction(async (tx) => {
    const before = await wordingFor(tx, caller.organisationId, key, locale);
    await tx
      .insert(messageTemplates)
      .values({ organisationId: caller.organisationId, key, locale, subject: input.subject, body: input.body, updatedAt: now })
      .onConflictDoUpdate({
        target: [messageTemplates.organisationId, messageTemplates.key, messageTemplates.locale],
        set: { subject: input.subject, body: input.body, updatedAt: now },
      });
    const changes: Record<string, unknown> = {};
    if (before.subject !== input.subject) changes.subject = { from: before.subject, to: input.subject };
    if (before.body !== input.body) changes.body = { from: before.body, to: input.body };
    await audit(tx, caller, { action: "upsertMessageTemplate", entityType: "MessageTemplate", entityId: null, changes: { key, locale, ...changes } });
    return { key, locale, subject: input.subject, body: input.body, variables: TEMPLATE_VARIABLES[key], custom: true };
  });
}

/** Renders the wording in force (or the unsaved one given) with sample values, examples filling the gaps. */
export async function previewMessageTemplate(deps: Pick<Deps, "db" | "config">, organisationId: string, input: PreviewMessageTemplateInput) {
  const { key, locale } = keyAndLocale(input);
  const saved = await wordingFor(deps.db, organisationId, key, locale);
  const wording = { subject: input.subject ?? saved.subject, body: input.body ?? saved.body };
  ensure(input.sample == null || (typeof input.sample === "object" && !Array.isArray(input.sample)), () =>
    badInput("sample", "sample must be an object of variable values."),
  );
  const [org] = await deps.db.select({ name: organisations.name }).from(organisations).where(eq(organisations.id, organisationId));
  const sample = input.sample ?? {};
  const values = withExamples(key, { "organisation.name": org?.name, portalUrl: deps.config.mail.portalUrl, ...sample });
  validateTemplate(key, "subject", wording.subject);
  validateTemplate(key, "body", wording.body);
  const rendered = renderTemplate(key, wording, values);
  return { subject: rendered.subject, textBody: rendered.textBody };
}

/** Newest first; filter.to matches the address exactly, case-insensitively. */
export async function listOutboundEmails(
  deps: Pick<Deps, "db">,
  organisationId: string,
  args: { first?: number | null; after?: string | null; filter?: OutboundEmailFilter | null },
) {
  const first = pageSize(args.first);
  const after = decodeTimeCursor(args.after);
  const filters: SQL[] = [eq(outboundEmails.organisationId, organisationId)];
  const f = args.filter;
  if (f?.to) filters.push(sql`lower(${outboundEmails.to}) = lower(${f.to})`);
  if (f?.templateKey) filters.push(eq(outboundEmails.templateKey, f.templateKey));
  if (f?.status) filters.push(eq(outboundEmails.status, f.status));
  const where = and(...filters);
  const keyset = after ? sql`(${outboundEmails.createdAt}, ${outboundEmails.id}) < (${after[0]}::timestamptz, ${after[1]}::uuid)` : undefined;
  const rows = await deps.db
    .select({
      id: outboundEmails.id,
      to: outboundEmails.to,
      templateKey: outboundEmails.templateKey,
      subject: outboundEmails.subject,
      status: outboundEmails.status,
      attempts: outboundEmails.attempts,
      lastError: outboundEmails.lastError,
      createdAt: outboundEmails.createdAt,
    })
    .from(outboundEmails)
    .where(and(where, keyset))
    .orderBy(desc(outboundEmails.createdAt), desc(outboundEmails.id))
    .limit(first + 1);
  return toPage(
    rows,
    first,
    (r) => [r.createdAt.toISOString(), r.id],
    async () => (await deps.db.select({ n: count() }).from(outboundEmails).where(where))[0].n,
  );
}
