// Reads file ids typed or pasted in any mix of spaces, commas, semicolons and new lines. Range,
// count and duplicates are the API's to judge; only what is not a whole number is caught here.

const SEPARATORS = /[\s,;]+/u;
const INTEGER = /^[+-]?\d+$/;

/**
 * @returns {{ ids: string[], invalid: string[], distinct: number }} ids as canonical decimal
 * text (exact even past Number's range), the tokens that are not whole numbers, the distinct count.
 */
export function parseFileIds(text) {
  const tokens = String(text ?? '').split(SEPARATORS).filter((token) => token !== '');
  const ids = [];
  const invalid = [];
  for (const token of tokens) {
    if (INTEGER.test(token)) {
      ids.push(BigInt(token).toString());
    } else {
      invalid.push(token);
    }
  }
  return { ids, invalid, distinct: new Set(ids).size };
}

/** The initiate body, written by hand so that large numbers reach the API unrounded. */
export function initiateBody(ids) {
  return `{"file_ids":[${ids.join(',')}]}`;
}
