import { z } from "zod";
import { badInput } from "../../errors.js";

/** Parses input with a zod schema; the first problem becomes BAD_USER_INPUT naming its field path. */
export function check<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue.path.length ? issue.path.join(".") : undefined;
  throw badInput(field, field ? `${field}: ${issue.message}` : issue.message);
}

/** A required human-readable name: trimmed, 1 to 200 characters. */
export const name = (what = "name") =>
  z
    .string()
    .trim()
    .min(1, `${what} may not be empty`)
    .max(200, `${what} may be at most 200 characters`);

/** An optional name: null clears, undefined keeps. */
export const optionalName = (what?: string) => name(what).nullish();

export const email = z
  .string()
  .trim()
  .max(254)
  .pipe(z.email("is not an email address"))
  .transform((v) => v.toLowerCase());

export const phone = z
  .string()
  .trim()
  .max(50, "may be at most 50 characters")
  .regex(/^[0-9+()./ -]*$/, "may hold only digits, spaces and + ( ) . / -");

/** Collapses empty strings to null so that "" clears an optional text field like null does. */
export const emptyToNull = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (typeof v === "string" && v.trim() === "" ? null : v), schema.nullish());
