/** Checksum validators used to cut false positives of the PII patterns. Pure, linear. */

/** Card issuer prefixes: Visa, Mastercard, Amex, Diners, Discover/UnionPay, JCB. */
export const ISSUER_PREFIX = /^(?:4|5[1-5]|2[2-7]|3[47]|3[0689]|6|35)/;
/** IBAN shape after removing spaces: country, check digits, BBAN. */
export const IBAN_SHAPE = /^[A-Z]{2}\d{2}[A-Z0-9]+$/;
/** Thousands-grouped numbers (100.000.000, 1,000,000), which are not phone numbers. */
export const THOUSANDS_GROUPED = /^\d{1,3}(?:[., ]\d{3})+$/;

/** Keeps only ASCII digits. */
export function digitsOnly(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) out += s[i];
  }
  return out;
}

function allSame(s: string): boolean {
  for (let i = 1; i < s.length; i++) if (s.charCodeAt(i) !== s.charCodeAt(0)) return false;
  return true;
}

/** Luhn (mod 10) checksum over a string of digits. */
export function luhnValid(digits: string): boolean {
  if (digits.length === 0) return false;
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/** Card numbers: 13–19 digits, a known issuer prefix (Visa, Mastercard, Amex, Discover, JCB, UnionPay, Diners) and Luhn. */
export function cardValid(digits: string): boolean {
  if (digits.length < 13 || digits.length > 19) return false;
  if (allSame(digits)) return false;
  if (!ISSUER_PREFIX.test(digits)) return false;
  return luhnValid(digits);
}

/** IBAN: 15–34 alphanumerics, ISO 13616 mod-97 check equals 1. Spaces are ignored. */
export function ibanValid(raw: string): boolean {
  const s = raw.split(' ').join('').toUpperCase();
  if (s.length < 15 || s.length > 34 || !IBAN_SHAPE.test(s)) return false;
  const rearranged = s.slice(4) + s.slice(0, 4);
  let rem = 0;
  for (let i = 0; i < rearranged.length; i++) {
    const c = rearranged.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      rem = (rem * 10 + (c - 48)) % 97;
    } else {
      const v = c - 55; // 'A' = 10
      rem = (rem * 100 + v) % 97;
    }
  }
  return rem === 1;
}

/** US SSN area/group/serial rules (no 000/666/9xx area, no 00 group, no 0000 serial). */
export function ssnValid(digits: string): boolean {
  if (digits.length !== 9) return false;
  const area = digits.slice(0, 3);
  if (area === '000' || area === '666' || area[0] === '9') return false;
  return digits.slice(3, 5) !== '00' && digits.slice(5) !== '0000';
}
