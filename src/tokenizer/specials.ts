// src/tokenizer/specials.ts — the added tokens r1ts reserves, spelled as in DeepSeek-R1's tokenizer
// (fullwidth bars ｜ and ▁ for spaces, so ordinary text never spells them by accident).

/** Contents of the tokens the R1 chat format and rewards rely on. */
export const R1_TOKENS = {
  bos: '<｜begin▁of▁sentence｜>',
  eos: '<｜end▁of▁sentence｜>',
  pad: '<｜▁pad▁｜>',
  user: '<｜User｜>',
  assistant: '<｜Assistant｜>',
  thinkStart: '<think>',
  thinkEnd: '</think>',
  answerStart: '<answer>',
  answerEnd: '</answer>',
} as const;

/** An added token to reserve when training: its text and whether `skipSpecialTokens` drops it on decode. */
export interface AddedTokenDef {
  content: string;
  special: boolean;
}

/**
 * The default added tokens, in id order after the BPE vocabulary. Sentence markers, padding and chat roles
 * are special (dropped by `skipSpecialTokens`); the reasoning tags are not, as in DeepSeek-R1, because the
 * format and accuracy rewards read them in decoded text (DeepSeek-R1 §2.2.2: `<think>`/`</think>` format).
 */
export const R1_ADDED_TOKENS: readonly AddedTokenDef[] = [
  { content: R1_TOKENS.bos, special: true },
  { content: R1_TOKENS.eos, special: true },
  { content: R1_TOKENS.pad, special: true },
  { content: R1_TOKENS.user, special: true },
  { content: R1_TOKENS.assistant, special: true },
  { content: R1_TOKENS.thinkStart, special: false },
  { content: R1_TOKENS.thinkEnd, special: false },
  { content: R1_TOKENS.answerStart, special: false },
  { content: R1_TOKENS.answerEnd, special: false },
];
