/** JSON.parse that answers `undefined` for text that is not JSON (callers validate the shape next). */
export function parseJsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
