// src/tokenizer/tokenizer.ts — the Tokenizer: added tokens → normalizer → pre-tokenizer → byte-level BPE, and
// back (ids → bytes → UTF-8). Built from a TokenizerSpec, which is what tokenizer.json holds.

import { AddedVocabulary, type AddedToken, type AllowedAdded } from './added.js';
import { BpeModel, type Merge } from './bpe.js';
import { BYTE_TO_CHAR, byteLevelToBytes, utf8Bytes } from './bytes.js';
import { buildNormalizer, type NormalizerSpec } from './normalize.js';
import { buildPreTokenizer, type PreTokenizer, type PreTokenizerSpec } from './pretokenize.js';

/** A post-processor as in tokenizer.json; r1ts applies the ids that TemplateProcessing puts around one sequence. */
export type PostProcessorSpec = { type: string } & Record<string, unknown>;

/** Everything a byte-level BPE tokenizer is made of (the content of tokenizer.json plus config names). */
export interface TokenizerSpec {
  /** Model vocabulary: GPT-2 byte-level string → id. */
  vocab: ReadonlyMap<string, number>;
  /** Merge rules in rank order, as pairs of byte-level strings. */
  merges: ReadonlyArray<readonly [string, string]>;
  addedTokens: readonly AddedToken[];
  normalizer: NormalizerSpec | null;
  preTokenizer: PreTokenizerSpec | null;
  postProcessor: PostProcessorSpec | null;
  /** Llama-3's `ignore_merges`: a piece that is a whole vocab entry skips the merges. */
  ignoreMerges: boolean;
  /** Names of the BOS / EOS / padding tokens (tokenizer_config.json), when known. */
  specialNames: { bos?: string; eos?: string; pad?: string };
  /** Jinja chat template (tokenizer_config.json `chat_template` or chat_template.jinja), when known. */
  chatTemplate?: string;
  /** Where `chatTemplate` came from, for error messages (a checkpoint folder and file, or a --chat-template file). */
  chatTemplateSource?: string;
  /**
   * The named special tokens a chat template sees (`bos_token`, `eos_token`, …), as tokenizer_config.json sets them;
   * when absent, the BOS/EOS/pad names above.
   */
  templateTokens?: Readonly<Record<string, string>>;
}

export interface EncodeOptions {
  /**
   * Added tokens matched whole in the text: 'all' (default, what Hugging Face does), 'none' (text like
   * `<think>` is then ordinary bytes and BPE-encoded), or a list of token contents.
   */
  allowedAdded?: AllowedAdded;
  /** Apply the post-processor's template (e.g. Llama-3's BOS). Default false, unlike HF's `add_special_tokens=True`. */
  addSpecialTokens?: boolean;
}

export interface DecodeOptions {
  /** Leave out added tokens marked special (BOS, EOS, padding, roles). Default false. */
  skipSpecialTokens?: boolean;
}

/** Incremental decoder for streaming: holds back the bytes of a character split across tokens. */
export interface StreamDecoder {
  /** Text completed by these ids (possibly empty). */
  push(ids: number | readonly number[]): string;
  /** Whatever is left (an incomplete character becomes U+FFFD). */
  flush(): string;
}

/** Lone surrogates have no UTF-8 form; like TextEncoder, r1ts encodes each as U+FFFD. */
const LONE_SURROGATE = /\p{Cs}/u;
const LONE_SURROGATES = /\p{Cs}/gu;

export class Tokenizer {
  readonly spec: TokenizerSpec;
  readonly model: BpeModel;
  readonly added: AddedVocabulary;
  /** The added tokens matched on raw text (`normalized: false`) and, on normalized text, the others. */
  private readonly rawAdded: AddedVocabulary;
  private readonly normAdded: AddedVocabulary;
  /** Largest id + 1 (model vocab and added tokens together): the embedding table size. */
  readonly vocabSize: number;
  readonly bosId: number | undefined;
  readonly eosId: number | undefined;
  readonly padId: number | undefined;
  /** Where the tokenizer came from (a file path), for error messages. */
  readonly source: string;
  private readonly idToTokenArr: (string | undefined)[];
  private readonly idToBytesArr: (Uint8Array | undefined)[];
  private readonly normalize: ((s: string) => string) | null;
  private readonly pre: PreTokenizer;
  private readonly prefixIds: number[];
  private readonly suffixIds: number[];

  /** Build from a spec; `source` names the origin (a file path) in error messages. */
  constructor(spec: TokenizerSpec, source = 'tokenizer') {
    this.spec = spec;
    this.source = source;
    let maxId = -1;
    this.idToTokenArr = [];
    this.idToBytesArr = [];
    for (const [tok, id] of spec.vocab) {
      if (!Number.isInteger(id) || id < 0) throw new Error(`${source}: vocab entry ${JSON.stringify(tok)} has invalid id ${id}`);
      if (this.idToTokenArr[id] !== undefined) throw new Error(`${source}: vocab id ${id} is used by both ${JSON.stringify(this.idToTokenArr[id])} and ${JSON.stringify(tok)}`);
      this.idToTokenArr[id] = tok;
      // HF's ByteLevel decoder falls back to a token's own UTF-8 when it is not a byte-level string.
      this.idToBytesArr[id] = byteLevelToBytes(tok) ?? Uint8Array.from(utf8Bytes(tok));
      if (id > maxId) maxId = id;
    }
    this.added = new AddedVocabulary(spec.addedTokens);
    // Matched in two passes (splitAdded); a normalized token whose normalized content repeats an earlier one's is
    // left out of the second.
    this.rawAdded = new AddedVocabulary(spec.addedTokens.filter((t) => !t.normalized));
    const normalizeContent = buildNormalizer(spec.normalizer) ?? ((x: string): string => x);
    const normTokens = new Map<string, AddedToken>();
    for (const t of spec.addedTokens) {
      const content = normalizeContent(t.content);
      if (t.normalized && content !== '' && !normTokens.has(content)) normTokens.set(content, { ...t, content });
    }
    this.normAdded = new AddedVocabulary([...normTokens.values()]);
    for (const t of spec.addedTokens) {
      const clash = this.idToTokenArr[t.id];
      if (clash !== undefined && clash !== t.content) {
        throw new Error(`${source}: added token ${JSON.stringify(t.content)} reuses id ${t.id} of vocab entry ${JSON.stringify(clash)}`);
      }
      this.idToTokenArr[t.id] = t.content;
      this.idToBytesArr[t.id] = Uint8Array.from(utf8Bytes(t.content));
      if (t.id > maxId) maxId = t.id;
    }
    this.vocabSize = maxId + 1;

    const byteToId = new Int32Array(256).fill(-1);
    for (let b = 0; b < 256; b++) byteToId[b] = spec.vocab.get(BYTE_TO_CHAR[b] as string) ?? -1;
    const merges: Merge[] = spec.merges.map(([l, r], i) => {
      const a = spec.vocab.get(l);
      const b = spec.vocab.get(r);
      const id = spec.vocab.get(l + r);
      if (a === undefined || b === undefined || id === undefined) {
        const missing = a === undefined ? l : b === undefined ? r : l + r;
        throw new Error(`${source}: merge ${i} (${JSON.stringify(l)} ${JSON.stringify(r)}) needs ${JSON.stringify(missing)}, which is not in the vocab`);
      }
      return { a, b, id };
    });
    this.model = new BpeModel({ byteToId, merges, ignoreMerges: spec.ignoreMerges, vocab: spec.vocab });
    this.normalize = buildNormalizer(spec.normalizer);
    this.pre = buildPreTokenizer(spec.preTokenizer);
    [this.prefixIds, this.suffixIds] = templateIds(spec.postProcessor, source);

    const idOf = (name: string | undefined): number | undefined => (name === undefined ? undefined : this.tokenToId(name));
    this.bosId = idOf(spec.specialNames.bos);
    this.eosId = idOf(spec.specialNames.eos);
    this.padId = idOf(spec.specialNames.pad);
  }

  /** Token ids of `text`. Any string round-trips through decode (lone surrogates come back as U+FFFD). */
  encode(text: string, opts: EncodeOptions = {}): number[] {
    if (LONE_SURROGATE.test(text)) text = text.replace(LONE_SURROGATES, '\uFFFD');
    const out: number[] = [];
    if (opts.addSpecialTokens) out.push(...this.prefixIds);
    const emitPiece = (piece: string): void => this.model.encodePiece(piece, out);
    this.splitAdded(text, opts.allowedAdded ?? 'all', (seg) => this.pre.split(seg, emitPiece), (id) => out.push(id));
    if (opts.addSpecialTokens) out.push(...this.suffixIds);
    return out;
  }

  /** encode() over many texts (pieces seen once are cached, so batches of similar texts encode fast). */
  encodeBatch(texts: readonly string[], opts: EncodeOptions = {}): number[][] {
    return texts.map((t) => this.encode(t, opts));
  }

  /** The pre-tokenized pieces of `text` (ordinary text only; added tokens are matched first). For inspection. */
  pieces(text: string, opts: Pick<EncodeOptions, 'allowedAdded'> = {}): string[] {
    const out: string[] = [];
    this.splitAdded(text, opts.allowedAdded ?? 'all', (seg) => this.pre.split(seg, (p) => out.push(p)), () => {});
    return out;
  }

  /**
   * Split `text` as tokenizers does: added tokens with `normalized: false` are matched on the raw text; each stretch
   * between them is normalized, and the tokens with `normalized: true` are matched there, on their normalized
   * content. `onText` gets normalized text.
   */
  private splitAdded(text: string, allowed: AllowedAdded, onText: (s: string) => void, onToken: (id: number) => void): void {
    const norm = this.normalize;
    let rawAllowed: AllowedAdded = allowed;
    let normAllowed: AllowedAdded = allowed;
    if (typeof allowed !== 'string') {
      for (const c of allowed) if (this.added.get(c) === undefined) throw new Error(`unknown added token ${JSON.stringify(c)} in allowed list`);
      rawAllowed = allowed.filter((c) => !this.added.get(c)!.normalized);
      normAllowed = allowed.filter((c) => this.added.get(c)!.normalized).map((c) => (norm ? norm(c) : c)).filter((c) => this.normAdded.get(c) !== undefined);
    }
    this.rawAdded.split(text, rawAllowed, (seg) => this.normAdded.split(norm ? norm(seg) : seg, normAllowed, onText, onToken), onToken);
  }

  /** Raw bytes of the tokens, concatenated. Unknown ids throw. */
  decodeBytes(ids: ArrayLike<number>, opts: DecodeOptions = {}): Uint8Array {
    let n = 0;
    const parts: Uint8Array[] = [];
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i] as number;
      const bytes = this.idToBytesArr[id];
      if (bytes === undefined) throw new RangeError(`decode: token id ${id} is not in the vocabulary (size ${this.vocabSize})`);
      if (opts.skipSpecialTokens && this.added.getById(id)?.special) continue;
      parts.push(bytes);
      n += bytes.length;
    }
    const out = new Uint8Array(n);
    let o = 0;
    for (const p of parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }

  /** Text of the tokens; bytes that are not valid UTF-8 (a cut-off character) become U+FFFD. */
  decode(ids: ArrayLike<number>, opts: DecodeOptions = {}): string {
    // ignoreBOM: a leading U+FEFF is text, not a byte-order mark to drop.
    return new TextDecoder('utf-8', { ignoreBOM: true }).decode(this.decodeBytes(ids, opts));
  }

  /** A decoder for token-by-token streaming that never splits a character. */
  streamDecoder(opts: DecodeOptions = {}): StreamDecoder {
    const td = new TextDecoder('utf-8', { ignoreBOM: true });
    return {
      push: (ids) => td.decode(this.decodeBytes(typeof ids === 'number' ? [ids] : ids, opts), { stream: true }),
      flush: () => td.decode(),
    };
  }

  /** Id of an added token or a byte-level vocab string. */
  tokenToId(token: string): number | undefined {
    return this.added.get(token)?.id ?? this.spec.vocab.get(token);
  }

  /** The vocab string (byte-level form) or added-token content of an id. */
  idToToken(id: number): string | undefined {
    return this.idToTokenArr[id];
  }

  /** Id of an added token; throws naming it when the tokenizer lacks it. */
  addedTokenId(content: string): number {
    const t = this.added.get(content);
    if (t === undefined) throw new Error(`tokenizer has no added token ${JSON.stringify(content)}`);
    return t.id;
  }
}

const isObject = (x: unknown): x is Record<string, unknown> => x !== null && typeof x === 'object' && !Array.isArray(x);

/**
 * Ids that a TemplateProcessing post-processor (possibly inside a Sequence) puts before and after one sequence.
 * `field` is where `pp` sits in the file, for errors.
 */
function templateIds(pp: PostProcessorSpec | null, source: string, field = 'post_processor'): [number[], number[]] {
  if (pp === null) return [[], []];
  if (!isObject(pp)) throw new Error(`${source}: ${field} must be an object, got ${JSON.stringify(pp)}`);
  if (pp.type === 'Sequence') {
    const processors = pp['processors'] ?? [];
    if (!Array.isArray(processors)) throw new Error(`${source}: ${field}.processors must be an array`);
    const pre: number[] = [];
    const post: number[] = [];
    processors.forEach((p: unknown, i) => {
      const [a, b] = templateIds(p as PostProcessorSpec | null, source, `${field}.processors[${i}]`);
      pre.push(...a);
      post.push(...b);
    });
    return [pre, post];
  }
  if (pp.type !== 'TemplateProcessing') return [[], []]; // ByteLevel, RobertaProcessing offsets: no ids for one sequence
  const single: unknown = pp['single'];
  const specials: unknown = pp['special_tokens'] === undefined ? {} : pp['special_tokens'];
  if (!Array.isArray(single)) throw new Error(`${source}: ${field}.single must be an array`);
  if (!isObject(specials)) throw new Error(`${source}: ${field}.special_tokens must be an object`);
  const pre: number[] = [];
  const post: number[] = [];
  let seenSeq = false;
  single.forEach((piece: unknown, i) => {
    const where = `${field}.single[${i}]`;
    if (!isObject(piece)) throw new Error(`${source}: ${where} must be {"Sequence": …} or {"SpecialToken": …}, got ${JSON.stringify(piece)}`);
    if ('Sequence' in piece) {
      seenSeq = true;
      return;
    }
    const token = piece['SpecialToken'];
    const name = isObject(token) ? token['id'] : undefined;
    if (typeof name !== 'string') throw new Error(`${source}: ${where} must be {"Sequence": …} or {"SpecialToken": {"id": NAME}}, got ${JSON.stringify(piece)}`);
    const entry = Object.hasOwn(specials, name) ? specials[name] : undefined;
    const ids = isObject(entry) ? entry['ids'] : undefined;
    if (!Array.isArray(ids) || !ids.every((id) => Number.isInteger(id) && id >= 0)) {
      throw new Error(`${source}: ${where} names special token ${JSON.stringify(name)}, which ${field}.special_tokens gives no ids (a list of token ids)`);
    }
    (seenSeq ? post : pre).push(...(ids as number[]));
  });
  return [pre, post];
}
