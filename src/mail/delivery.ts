import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { and, eq, gt, inArray, isNotNull, isNull, lte, or, sql } from "drizzle-orm";
import nodemailer, { type Mail } from "nodemailer";
import { passwordExpiresAt, policyFor } from "../auth/policy.js";
import type { Deps } from "../context.js";
import type { Tx } from "../db/client.js";
import { contacts, organisations, outboundEmails, portalAccounts, users } from "../db/schema/index.js";
import { emailDate, queueEmail } from "./outbox.js";

type DeliveryDeps = Pick<Deps, "db" | "clock" | "config" | "log">;
type OutboundRow = typeof outboundEmails.$inferSelect;

const DAY = 86_400_000;
/** How long a claimed row stays with the process that claimed it before another may retry it. */
const CLAIM_MS = 5 * 60_000;
/** Rows claimed per pass, so one pass stays short. */
const BATCH = 50;

export type DeliveryPass = { sent: number; failed: number; retrying: number; warningsQueued: number };

/**
 * Sends the outbox: claims due rows atomically (so two server processes never send one
 * email twice), delivers them over SMTP or into .eml files, and retries failures with
 * exponential backoff until the maximum number of attempts. All state lives in the database.
 */
export class DeliveryWorker {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private stopped = false;
  private readonly transport: Mail<any, any>;
  private readonly toFiles: boolean;

  constructor(private readonly deps: DeliveryDeps) {
    const { smtpUrl } = deps.config.mail;
    this.toFiles = !smtpUrl;
    // Short timeouts: a mail server that hangs must not hold a claimed batch for minutes.
    this.transport = smtpUrl
      ? nodemailer.createTransport({ url: smtpUrl, connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 })
      : nodemailer.createTransport({ streamTransport: true, buffer: true, newline: "unix" });
  }

  /** Polls every interval until stop(); an interval of 0 leaves passes to deliverDue() callers (tests). */
  start() {
    const interval = this.deps.config.mail.pollMs;
    if (interval <= 0) return;
    const tick = async () => {
      if (this.stopped) return;
      try {
        await this.deliverDue();
      } catch (error) {
        this.deps.log.error({ err: error }, "mail delivery pass failed");
      }
      if (!this.stopped) this.timer = setTimeout(tick, interval).unref();
    };
    this.timer = setTimeout(tick, interval).unref();
  }

  /** Stops polling and waits for a pass in progress, so the database can close after it. */
  async stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running?.catch(() => {});
    this.transport.close();
  }

  /** One pass: queue due expiry warnings, then deliver every due email. Passes never overlap within a process. */
  deliverDue(): Promise<DeliveryPass> {
    const previous = this.running ?? Promise.resolve();
    const pass = previous.catch(() => {}).then(() => this.pass());
    this.running = pass;
    return pass;
  }

  private async pass(): Promise<DeliveryPass> {
    const result: DeliveryPass = { sent: 0, failed: 0, retrying: 0, warningsQueued: 0 };
    result.warningsQueued = await queueExpiryWarnings(this.deps);
    for (;;) {
      const rows = await this.claim();
      for (const row of rows) {
        const outcome = await this.deliver(row);
        result[outcome]++;
      }
      if (rows.length < BATCH) return result;
    }
  }

  /** update … where id in (select … for update skip locked) returning: a row goes to one process only. */
  private async claim(): Promise<OutboundRow[]> {
    const now = this.deps.clock();
    const due = this.deps.db
      .select({ id: outboundEmails.id })
      .from(outboundEmails)
      .where(
        and(
          eq(outboundEmails.status, "PENDING"),
          lte(outboundEmails.nextAttemptAt, now),
          or(isNull(outboundEmails.claimedUntil), lte(outboundEmails.claimedUntil, now)),
        ),
      )
      .orderBy(outboundEmails.nextAttemptAt)
      .limit(BATCH)
      .for("update", { skipLocked: true });
    return this.deps.db
      .update(outboundEmails)
      .set({ claimedUntil: new Date(now.getTime() + CLAIM_MS) })
      .where(and(inArray(outboundEmails.id, due), eq(outboundEmails.status, "PENDING")))
      .returning();
  }

  private async deliver(row: OutboundRow): Promise<"sent" | "failed" | "retrying"> {
    const { mail } = this.deps.config;
    const message = {
      from: mail.from,
      to: row.to,
      subject: row.subject,
      text: row.textBody,
      ...(row.htmlBody ? { html: row.htmlBody } : {}),
      messageId: `<${row.id}@gatehouse>`,
    };
    try {
      const info = await this.transport.sendMail(message);
      if (this.toFiles) {
        const folder = join(this.deps.config.dataDir, "outbox");
        await mkdir(folder, { recursive: true });
        await writeFile(join(folder, `${row.id}.eml`), info.message as Buffer, { mode: 0o600 });
      }
      await this.deps.db
        .update(outboundEmails)
        .set({ status: "SENT", sentAt: this.deps.clock(), attempts: row.attempts + 1, lastError: null, claimedUntil: null })
        .where(eq(outboundEmails.id, row.id));
      return "sent";
    } catch (error) {
      const attempts = row.attempts + 1;
      const failed = attempts >= mail.maxAttempts;
      // 1, 2, 4, 8 … times the base delay, capped at a day.
      const delay = Math.min(DAY, mail.retryBaseSeconds * 1000 * 2 ** (attempts - 1));
      const lastError = String((error as Error)?.message ?? error).slice(0, 500);
      await this.deps.db
        .update(outboundEmails)
        .set({
          status: failed ? "FAILED" : "PENDING",
          attempts,
          lastError,
          nextAttemptAt: new Date(this.deps.clock().getTime() + delay),
          claimedUntil: null,
        })
        .where(eq(outboundEmails.id, row.id));
      // The address and id identify the email; its body may hold a link token and is never logged.
      this.deps.log.warn({ emailId: row.id, attempts, failed }, "email delivery failed");
      return failed ? "failed" : "retrying";
    }
  }
}

/**
 * Queues password-expiry-warning once per password: for each portal account and each active
 * staff user with an email address whose password expires within the policy's warning
 * window, the email goes out in the same transaction that sets expiryWarningSentFor to the
 * password's change time.
 */
export async function queueExpiryWarnings(deps: DeliveryDeps): Promise<number> {
  const now = deps.clock();
  let queued = 0;
  for (const org of await deps.db.select({ id: organisations.id }).from(organisations)) {
    const policy = await policyFor(deps.db, org.id);
    const { maxAgeDays, expiryWarningDays } = policy.password;
    if (maxAgeDays === null || expiryWarningDays <= 0) continue;
    // Passwords set after this moment are not yet in the window; those set before the second have expired.
    const windowOpensFor = new Date(now.getTime() - (maxAgeDays - expiryWarningDays) * DAY);
    const expiredFor = new Date(now.getTime() - maxAgeDays * DAY);
    const candidates = await deps.db
      .select({ account: portalAccounts, contact: contacts })
      .from(portalAccounts)
      .innerJoin(contacts, eq(contacts.id, portalAccounts.contactId))
      .where(
        and(
          eq(portalAccounts.organisationId, org.id),
          eq(portalAccounts.authMode, "DATABASE"),
          eq(portalAccounts.enabled, true),
          eq(portalAccounts.passwordNeverExpires, false),
          eq(portalAccounts.pendingVerification, false),
          isNotNull(contacts.email),
          isNotNull(portalAccounts.passwordChangedAt),
          lte(portalAccounts.passwordChangedAt, windowOpensFor),
          gt(portalAccounts.passwordChangedAt, expiredFor),
          unwarned(portalAccounts),
        ),
      );
    for (const { account, contact } of candidates) {
      const claimed = await warnOnce(deps, org.id, now, {
        claim: (tx) =>
          tx
            .update(portalAccounts)
            .set({ expiryWarningSentFor: account.passwordChangedAt })
            .where(and(eq(portalAccounts.contactId, account.contactId), unwarned(portalAccounts), eq(portalAccounts.passwordChangedAt, account.passwordChangedAt!)))
            .returning({ id: portalAccounts.contactId }),
        to: contact.email!,
        locale: account.locale,
        expiresAt: passwordExpiresAt(account, policy)!,
        values: { "contact.firstName": contact.firstName, "contact.lastName": contact.lastName, login: account.login, audience: "PORTAL" },
      });
      if (claimed) queued++;
    }

    // Staff passwords expire under the same policy; inactive users and users without an email address get nothing.
    const staff = await deps.db
      .select()
      .from(users)
      .where(
        and(
          eq(users.organisationId, org.id),
          eq(users.state, "ACTIVE"),
          isNotNull(users.email),
          isNotNull(users.passwordHash),
          isNotNull(users.passwordChangedAt),
          lte(users.passwordChangedAt, windowOpensFor),
          gt(users.passwordChangedAt, expiredFor),
          unwarned(users),
        ),
      );
    for (const user of staff) {
      const claimed = await warnOnce(deps, org.id, now, {
        claim: (tx) =>
          tx
            .update(users)
            .set({ expiryWarningSentFor: user.passwordChangedAt })
            .where(and(eq(users.id, user.id), unwarned(users), eq(users.passwordChangedAt, user.passwordChangedAt!)))
            .returning({ id: users.id }),
        to: user.email!,
        locale: user.systemLanguage ?? user.nativeLanguage,
        expiresAt: passwordExpiresAt(user, policy)!,
        // The templates' names are a contact's; for a staff user they are the user's own.
        values: { "contact.firstName": user.firstName, "contact.lastName": user.lastName, login: user.username, audience: "STAFF" },
      });
      if (claimed) queued++;
    }
  }
  return queued;
}

/** No warning yet for the password the row holds now. */
const unwarned = (table: typeof users | typeof portalAccounts) => sql`${table.expiryWarningSentFor} is distinct from ${table.passwordChangedAt}`;

/**
 * Queues one expiry warning in the transaction that claims it: the claim is a conditional update,
 * so with two server processes only one of them gets the row and sends the email.
 */
async function warnOnce(
  deps: DeliveryDeps,
  organisationId: string,
  now: Date,
  w: { claim: (tx: Tx) => Promise<unknown[]>; to: string; locale: string | null; expiresAt: Date; values: Record<string, string> },
): Promise<boolean> {
  return deps.db.transaction(async (tx) => {
    if ((await w.claim(tx)).length === 0) return false;
    await queueEmail(tx, {
      organisationId,
      to: w.to,
      templateKey: "password-expiry-warning",
      locale: w.locale,
      portalUrl: deps.config.mail.portalUrl,
      now,
      values: {
        ...w.values,
        expiresAt: emailDate(w.expiresAt),
        daysLeft: Math.max(0, Math.ceil((w.expiresAt.getTime() - now.getTime()) / DAY)),
      },
    });
    return true;
  });
}
