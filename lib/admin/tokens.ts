// Admin tokens: several, each with a name (`name:token` pairs, space- or newline-separated), so that every action
// records who did it and one person's token can be revoked alone. Compared in constant time.
import { createHash, timingSafeEqual } from "node:crypto";

export interface AdminToken {
  name: string;
  token: string;
}

export class AdminTokenError extends Error {}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$/;
export const MIN_TOKEN_LENGTH = 12;

/** Parses `name:token name2:token2`; a malformed entry throws without ever showing a token. */
export function parseAdminTokens(raw: string): AdminToken[] {
  const tokens: AdminToken[] = [];
  const entries = raw.split(/[\s,]+/).filter(Boolean);
  entries.forEach((entry, index) => {
    const colon = entry.indexOf(":");
    const name = colon > 0 ? entry.slice(0, colon) : "";
    const token = colon > 0 ? entry.slice(colon + 1) : "";
    if (!NAME.test(name)) throw new AdminTokenError(`admin token entry ${index + 1} has no valid name before ":"`);
    if (token.length < MIN_TOKEN_LENGTH)
      throw new AdminTokenError(`admin token ${name} is shorter than ${MIN_TOKEN_LENGTH} characters`);
    if (tokens.some((known) => known.name === name)) throw new AdminTokenError(`admin token ${name} is named twice`);
    tokens.push({ name, token });
  });
  if (tokens.length === 0) throw new AdminTokenError("no admin token is configured");
  return tokens;
}

const digest = (value: string) => createHash("sha256").update(value).digest();

/**
 * The name of the token presented, or undefined. Hashing first gives equal lengths, and every token is compared
 * (no early exit), so the time taken says nothing about which token or how much of it matched.
 */
export function identifyToken(tokens: readonly AdminToken[], presented: string): string | undefined {
  const given = digest(presented);
  let found: string | undefined;
  for (const candidate of tokens) {
    if (timingSafeEqual(given, digest(candidate.token)) && found === undefined) found = candidate.name;
  }
  return found;
}

/** The bearer token of an `Authorization` header, or "". */
export const bearerToken = (authorization: string | undefined): string =>
  /^Bearer\s+(\S+)$/i.exec((authorization ?? "").trim())?.[1] ?? "";
