// Resellers and their keys (docs/octo.md, "Resellers"): `name:key` pairs, separated by spaces or new lines. A name
// may have several keys at once, so a key is rotated by overlap (add the new one, let the reseller switch, remove the
// old one). Keys are compared in constant time (lib/admin/tokens.ts), and a key never appears in an error.
import { identifyToken, type AdminToken } from "../admin/tokens";

export class ResellerKeyError extends Error {}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
export const MIN_KEY_LENGTH = 16;

export function parseResellerKeys(raw: string): AdminToken[] {
  const keys = raw
    .split(/[\s,]+/)
    .filter(Boolean)
    .map((entry, index) => {
      const colon = entry.indexOf(":");
      const name = colon > 0 ? entry.slice(0, colon) : "";
      const token = colon > 0 ? entry.slice(colon + 1) : "";
      if (!NAME.test(name))
        throw new ResellerKeyError(`OCTO reseller key entry ${index + 1} has no valid reseller name before ":"`);
      if (token.length < MIN_KEY_LENGTH)
        throw new ResellerKeyError(`an OCTO key of reseller ${name} is shorter than ${MIN_KEY_LENGTH} characters`);
      return { name, token };
    });
  if (keys.length === 0) throw new ResellerKeyError("no OCTO reseller key is configured");
  if (new Set(keys.map((key) => key.token)).size !== keys.length)
    throw new ResellerKeyError("an OCTO reseller key is given twice");
  return keys;
}

/** The reseller a bearer key belongs to, or undefined. */
export const identifyReseller = (keys: readonly AdminToken[], presented: string): string | undefined =>
  identifyToken(keys, presented);

/** `name=https://… name2=https://…`: where each reseller's `booking_update` webhooks go. */
export function parseResellerUrls(raw: string | undefined, check: (url: string) => string): Map<string, string> {
  const urls = new Map<string, string>();
  for (const entry of (raw ?? "").split(/\s+/).filter(Boolean)) {
    const equals = entry.indexOf("=");
    const name = equals > 0 ? entry.slice(0, equals) : "";
    if (!NAME.test(name)) throw new ResellerKeyError(`an OCTO webhook URL entry has no valid reseller name before "="`);
    urls.set(name, check(entry.slice(equals + 1)));
  }
  return urls;
}

/** `name:whsec_… name:whsec_…`: each reseller's signing secrets (several during a rotation). */
export function parseResellerSecrets(raw: string): Map<string, string[]> {
  const secrets = new Map<string, string[]>();
  for (const entry of raw.split(/\s+/).filter(Boolean)) {
    const colon = entry.indexOf(":");
    const name = colon > 0 ? entry.slice(0, colon) : "";
    if (!NAME.test(name))
      throw new ResellerKeyError(`an OCTO webhook secret entry has no valid reseller name before ":"`);
    secrets.set(name, [...(secrets.get(name) ?? []), entry.slice(colon + 1)]);
  }
  return secrets;
}
