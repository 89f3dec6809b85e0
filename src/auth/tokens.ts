import { createHash, randomBytes } from "node:crypto";

/** 256 bits of randomness, URL-safe. */
export const newToken = () => randomBytes(32).toString("base64url");

/** Tokens are stored only as this hash; SHA-256 suffices because the token itself is random. */
export const tokenHash = (token: string) => createHash("sha256").update(token).digest("hex");
