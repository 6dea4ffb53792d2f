// src/tokenizer/bytes.ts — GPT-2's byte↔unicode table and a small UTF-8 encoder used by byte-level BPE.

/**
 * GPT-2 (Radford et al. 2019, `encoder.py bytes_to_unicode`) maps each of the 256 bytes to a printable unicode
 * character so that BPE vocabularies can be stored as text: printable Latin-1 bytes map to themselves, the
 * other 68 bytes (controls, space, 0x7F–0xA0, 0xAD) map to U+0100 upward in byte order. Hugging Face
 * `tokenizers` ByteLevel uses the same table, which is why vocab entries look like `Ġthe` (Ġ = space).
 */
export const BYTE_TO_CHAR: readonly string[] = buildByteToChar();

/** Inverse of BYTE_TO_CHAR: unicode code point → byte, or -1 where the code point is not in the table. */
const CHAR_TO_BYTE: Map<number, number> = new Map(BYTE_TO_CHAR.map((c, b) => [c.codePointAt(0) as number, b]));

function buildByteToChar(): string[] {
  const printable = (b: number): boolean =>
    (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  const out: string[] = new Array<string>(256);
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (printable(b)) out[b] = String.fromCodePoint(b);
    else out[b] = String.fromCodePoint(256 + n++);
  }
  return out;
}

/** Bytes → their GPT-2 byte-level string (the form vocab and merges are written in). */
export function bytesToByteLevel(bytes: ArrayLike<number>): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += BYTE_TO_CHAR[bytes[i] as number];
  return s;
}

/**
 * A GPT-2 byte-level string → bytes; undefined when some character is outside the 256-entry table (such a
 * vocab entry is not a byte-level token, e.g. an added token like `<｜User｜>`).
 */
export function byteLevelToBytes(s: string): Uint8Array | undefined {
  const out: number[] = [];
  for (const ch of s) {
    const b = CHAR_TO_BYTE.get(ch.codePointAt(0) as number);
    if (b === undefined) return undefined;
    out.push(b);
  }
  return Uint8Array.from(out);
}

/**
 * UTF-8 bytes of `s` appended to `out` (starting at `out.length`); returns `out`. Lone surrogates become
 * U+FFFD (EF BF BD), exactly as TextEncoder and Buffer do: a JS string with a lone surrogate is not valid
 * Unicode text and has no UTF-8 encoding.
 */
export function utf8Bytes(s: string, out: number[] = []): number[] {
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      out.push(c);
      continue;
    }
    if (c < 0x800) {
      out.push(0xc0 | (c >> 6), 0x80 | (c & 0x3f));
      continue;
    }
    if (c >= 0xd800 && c <= 0xdfff) {
      const lo = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && lo >= 0xdc00 && lo <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
        i++;
        out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 0x3f), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
        continue;
      }
      c = 0xfffd; // lone surrogate
    }
    out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
  }
  return out;
}

/** True when every UTF-16 unit of `s` is below 0x80 (the common fast path: bytes = char codes). */
export function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 0x80) return false;
  return true;
}
