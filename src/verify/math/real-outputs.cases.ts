// src/verify/math/real-outputs.cases.ts — the project's table of (gold, completion, expected verdict) triples in
// the styles real models write: R1-distilled chat with a think block, Minerva-style base models that keep writing
// new problems, Qwen-style chat with template junk after the answer, markdown "**Answer:**", Chinese "答案是".
// Answer pairs are set in several styles; the hand-written cases test extraction itself. real-outputs.test.ts
// checks every row through the completion parser and the comparer.

import { COMPLETION_CASES } from './real-completions.cases.js';

const r = String.raw;

/** [gold, completion, the completion is correct]. */
export type RealCase = readonly [gold: string, completion: string, correct: boolean];

/** [gold, final answer as the model writes it, equivalent]. Each pair is set in three completion styles. */
export type AnswerPair = readonly [gold: string, answer: string, equivalent: boolean];

export const ANSWER_PAIRS: Record<string, readonly AnswerPair[]> = {
  'number formats': [
    ['2500', '2 500', true],
    ['2500', r`2\,500`, true],
    ['2500', r`2{,}500`, true],
    ['2500', r`2,\!500`, true],
    ['12345', '12,345', true],
    ['1234567', r`1\,234\,567`, true],
    ['3500.25', '3500,25', true],
    ['6.18', '6,18', true],
    ['0.7', '.7', true],
    ['-0.25', '-.25', true],
    [r`35\%`, '35 percent', true],
    ['35', r`35\%`, true],
    ['0.35', r`35\%`, true],
    ['18', r`\$18.00`, true],
    ['18', '18 dollars', true],
    ['125', r`125 \text{ miles}`, true],
    ['42', r`42 \text{ m}^2`, true],
    ['20', r`20\text{ cm}`, true],
    ['45', r`45^\circ`, true],
    ['2500', '2 600', false],
    ['3500.25', '3500,35', false],
    ['0.7', '.07', false],
    [r`35\%`, '53 percent', false],
    ['18', r`\$19`, false],
    ['1000', r`1{,}001`, false],
  ],
  'relations and equations': [
    ['y > 7', r`y \gt 7`, true],
    [r`y \geq 4`, 'y >= 4', true],
    [r`y \ne 2`, 'y != 2', true],
    [r`y \neq 2`, r`y \ne 2`, true],
    [r`y \geq 4`, r`4 \leq y`, true],
    ['y > -2', '-y < 2', true],
    ['x < 3', '3 > x', true],
    [r`x \le 5`, r`x \leqslant 5`, true],
    ['y = 3x - 1', '3x - y - 1 = 0', true],
    ['2x + 4y = 8', 'x + 2y = 4', true],
    ['b = 2c', 'b - 2c = 0', true],
    ['x^2 + y^2 = 25', 'y^2 + x^2 = 25', true],
    [r`(4, \infty)`, 'x > 4', true],
    ['[-2, 3)', r`-2 \le x < 3`, true],
    [r`(-\infty, 1) \cup (1, \infty)`, r`x \neq 1`, true],
    ['12', 'AB = 12', true],
    ['5', 'f(2) = 5', true],
    ['y > 7', r`y \geq 7`, false],
    ['y > 7', 'y < 7', false],
    [r`y \geq 4`, r`y \geq 5`, false],
    ['y > 7', '7', false],
    ['7', r`y \gt 7`, false],
    ['y = 3x - 1', 'y = 3x + 1', false],
    ['0', 'b - 2c = 0', false],
    ['x^2 + y^2 = 25', 'x^2 + y^2 = 5', false],
    [r`(4, \infty)`, r`x \geq 4`, false],
  ],
  'matrices and vectors': [
    [r`\begin{pmatrix} 1 & 2 \\ 3 & 4 \end{pmatrix}`, r`\begin{bmatrix} 1 & 2 \\ 3 & 4 \end{bmatrix}`, true],
    [r`\begin{pmatrix} 1 & 2 \\ 3 & 4 \end{pmatrix}`, r`\left[\begin{array}{cc} 1 & 2 \\ 3 & 4 \end{array}\right]`, true],
    [r`\begin{pmatrix} 1/2 \\ -3 \end{pmatrix}`, r`\begin{pmatrix} 0.5 \\ -3 \end{pmatrix}`, true],
    [r`\begin{pmatrix} 2 \\ -1 \\ 5 \end{pmatrix}`, '(2, -1, 5)', true],
    [r`\begin{pmatrix} 4 & 6 \\ 8 & 10 \end{pmatrix}`, r`\begin{pmatrix} 1 & 2 \\ 3 & 4 \end{pmatrix} + \begin{pmatrix} 3 & 4 \\ 5 & 6 \end{pmatrix}`, true],
    [r`\begin{pmatrix} 2 & 4 \\ 6 & 8 \end{pmatrix}`, r`2\begin{pmatrix} 1 & 2 \\ 3 & 4 \end{pmatrix}`, true],
    [r`\begin{pmatrix} 19 & 22 \\ 43 & 50 \end{pmatrix}`, r`\begin{pmatrix} 1 & 2 \\ 3 & 4 \end{pmatrix}\begin{pmatrix} 5 & 6 \\ 7 & 8 \end{pmatrix}`, true],
    [r`\begin{pmatrix} -2 \\ 1 \end{pmatrix}`, r`\begin{pmatrix} 1 \\ 2 \end{pmatrix} - \begin{pmatrix} 3 \\ 1 \end{pmatrix}`, true],
    [r`\begin{pmatrix} 1 & 2 \\ 3 & 4 \end{pmatrix}`, r`\begin{pmatrix} 1 & 2 \\ 4 & 3 \end{pmatrix}`, false],
    [r`\begin{pmatrix} 2 \\ -1 \\ 5 \end{pmatrix}`, '(2, 5, -1)', false],
    [r`\begin{pmatrix} 1 & 0 \\ 0 & 1 \end{pmatrix}`, r`\begin{pmatrix} 1 & 0 \\ 0 & 1 \end{pmatrix} + \begin{pmatrix} 1 & 0 \\ 0 & 1 \end{pmatrix}`, false],
    [r`\begin{pmatrix} -1 \\ 2 \end{pmatrix}`, r`\begin{pmatrix} 1 \\ -2 \end{pmatrix}`, false],
    [r`\begin{pmatrix} 19 & 22 \\ 43 & 50 \end{pmatrix}`, r`\begin{pmatrix} 5 & 6 \\ 7 & 8 \end{pmatrix}\begin{pmatrix} 1 & 2 \\ 3 & 4 \end{pmatrix}`, false],
  ],
  'sets, tuples and intervals': [
    [r`\{1, 3\}`, '3, 1', true],
    ['1, 3', r`\{3, 1\}`, true],
    ['(1, 2), (3, 4)', r`(3,4),\ (1,2)`, true],
    ['(1, 2), (3, 4)', r`(1, 2) \text{ and } (3, 4)`, true],
    [r`(-\infty, 2] \cup \{5\}`, r`x \in (-\infty, 2] \cup \{5\}`, true],
    [r`(3, \frac{\pi}{2})`, r`\left( 3, \frac{\pi}{2} \right)`, true],
    [r`(\frac14, \frac53]`, '(0.25, 1.6667]', true],
    [r`(\frac14, \frac53]`, '(0.25, 1.67]', true],
    ['[2, 5]', '[2,5]', true],
    ['-2, 3', r`x = -2 \text{ or } x = 3`, true],
    ['-2, 3', 'x=3, x=-2', true],
    [r`\{1, 3\}`, '1, 2, 3', false],
    ['(1, 2), (3, 4)', '(1, 2), (4, 3)', false],
    [r`(-\infty, 2] \cup \{5\}`, r`(-\infty, 2) \cup \{5\}`, false],
    [r`(3, \frac{\pi}{2})`, r`\left( \frac{\pi}{2}, 3 \right)`, false],
    [r`(\frac14, \frac53]`, '(0.25, 1.6667)', false],
    [r`(\frac14, \frac53]`, '(0.25, 1.6]', false],
    ['[2, 5]', '(2, 5)', false],
    ['-2, 3', '-2', false],
    ['1, 2, 3', '1, 2', false],
  ],
  'numeric precision': [
    [r`\frac{2}{3}`, '0.6667', true],
    [r`\frac{2}{3}`, '0.667', true],
    [r`\frac{7}{2}`, '3.5', true],
    [r`\frac{1}{7}`, '0.142857', true],
    [r`\frac{1}{7}`, '0.1429', true],
    [r`\frac{37}{3}`, '12.33', true],
    [r`\frac{1}{3}`, '0.333', true],
    ['3.14', r`\pi`, true],
    ['33.3', r`\frac{100}{3}`, true],
    [r`\frac{2}{3}`, r`x = \frac{2}{3} \approx 0.667`, true],
    [r`\frac{2}{3}`, r`\frac{2}{3} \approx 0.67`, true],
    ['0.667', r`x \approx 0.667`, true],
    ['12.5', '12.50', true],
    [r`\frac{2}{3}`, '0.67', false],
    [r`\frac{2}{3}`, '0.6666', false],
    [r`\frac{1}{7}`, '0.1428', false],
    [r`\pi`, '3.14', false],
    [r`\pi`, '3.1416', false],
    [r`2\pi`, '6.283', false],
    [r`\sqrt{2}`, '1.414', false],
    ['33.3', r`\frac{100}{4}`, false],
    [r`\frac{2}{3}`, r`\frac{3}{4} \approx 0.667`, false],
  ],
  'symbolic identities': [
    [r`\sin^2 t`, r`1 - \cos^2 t`, true],
    [r`\frac{1}{x+1} + \frac{1}{x+2}`, r`\frac{1}{2+x} + \frac{1}{1+x}`, true],
    [r`\frac{2x+3}{(x+1)(x+2)}`, r`\frac{2x+3}{x^2+3x+2}`, true],
    [r`1 + \sqrt{2}`, r`\sqrt{3 + 2\sqrt{2}}`, true],
    ['x^{3/2}', r`\sqrt{x}^3`, true],
    ['x^{3/2}', r`x\sqrt{x}`, true],
    [r`\frac{a+5}{3}`, r`\frac{a}{3} + \frac{5}{3}`, true],
    [r`2\sqrt{3}`, r`\sqrt{12}`, true],
    [r`\sqrt{2}/2`, r`\frac{1}{\sqrt{2}}`, true],
    [r`\tan^2 y + 1`, r`\sec^2 y`, true],
    ['(x+1)^2', 'x^2 + 2x + 1', true],
    [r`e^{2\ln 3}`, '9', true],
    [r`\log_2 8`, '3', true],
    [r`\frac{a+5}{3}`, r`\frac{a}{3} + 5`, false],
    [r`\sin^2 t`, r`1 - \sin^2 t`, false],
    ['(x+1)^2', 'x^2 + 1', false],
    [r`2\sqrt{3}`, r`3\sqrt{2}`, false],
    ['x^{3/2}', r`\sqrt{x^2}`, false],
  ],
  'multiple choice and words': [
    ['C', r`\text{(C)}`, true],
    ['C', '(C)', true],
    ['(C)', 'C', true],
    [r`\text{(C)}`, 'C', true],
    ['C', '(C) 12', true],
    ['B', r`\textbf{(B)}`, true],
    [r`\text{Monday}`, 'Monday', true],
    [r`\text{east}`, r`\text{East}`, true],
    ['C', '(D)', false],
    ['C', 'D', false],
    ['C', r`\text{(C)}+1`, false],
    [r`\text{east}`, 'west', false],
  ],
};

/** Completion styles: how a model wraps its final answer `a` (math mode is added by the style). */
export const STYLES: readonly ((a: string) => string)[] = [
  // DeepSeek-R1 distilled: long reasoning (with a wrong guess in it), a summary, a displayed box.
  (a) =>
    `<think>\nOkay, so I need to figure this out. Let me start by writing down what we know.\nHmm, maybe the answer is 99? Wait, no, that can't be right. Let me recheck the second step.\nYes, that works.\n</think>\n\nTo solve the problem, we simplify step by step.\n\n1. Set up the equation.\n2. Solve it.\n\n**Final Answer**\n\\[\n\\boxed{${a}}\n\\]`,
  // Minerva-style base model: the answer sentence, then a new problem it made up, with another answer.
  (a) =>
    `We compute the quantity directly from the definitions.\nFinal Answer: The final answer is $${a}$. I hope it is correct.\n\nProblem:\nWhat is $2+3$?\n\nSolution:\nWe have $2+3=5$.\nFinal Answer: The final answer is $5$. I hope it is correct.`,
  // Qwen-style chat: "the answer is", then the chat template's next turn leaks into the sample.
  (a) => `To find the value, we combine the two results above.\n\nTherefore, the answer is $${a}$.<|im_end|>\n<|im_start|>user\nAre you sure? Try again.<|im_end|>\n<|im_start|>assistant\nThe answer is $99$.`,
  // Markdown with a bold answer label and a trailing note.
  (a) => `### Step 1\nRewrite the expression.\n\n### Step 2\nSimplify.\n\n**Answer:** $${a}$\n\nNote: the other branch gives 99, which does not satisfy the constraint.`,
  // Chinese.
  (a) => `解：根据题意，列出方程并求解。\n\n所以答案是 $${a}$。`,
  // A box inside inline math at the end of a sentence, with a check after it.
  (a) => `Putting everything together, we get $\\boxed{${a}}$.\n\nCheck: substituting back gives a true statement.`,
];

/** Extraction on its own: where the answer is, what is not an answer, what comes after it. */
export const EXTRACTION_CASES: readonly RealCase[] = [
  // LaTeX spans before bare numbers
  [r`\frac{2}{5}`, r`So the probability is $\frac{2}{5}$.`, true],
  ['5', r`So the probability is $\frac{2}{5}$.`, false],
  ['y > 4', r`Solving, we find $y \gt 4$.`, true],
  ['4', r`Solving, we find $y \gt 4$.`, false],
  [r`\begin{pmatrix} 1 & 2 \\ 3 & 4 \end{pmatrix}`, r`The matrix is $$\begin{pmatrix} 1 & 2 \\ 3 & 4 \end{pmatrix}$$`, true],
  ['4', r`The matrix is $$\begin{pmatrix} 1 & 2 \\ 3 & 4 \end{pmatrix}$$`, false],
  [r`\frac{1}{2}`, r`Hence \[ x = \frac{1}{2} \]`, true],
  ['12', r`The area is \( 12 \) square units.`, true],
  ['5', 'We compute\n\\begin{align*}\nx &= 2 + 3 \\\\\n&= 5\n\\end{align*}', true],
  ['6', 'We compute\n\\begin{align*}\nx &= 2 + 3 \\\\\n&= 5\n\\end{align*}', false],
  ['20', r`Since $x = 5$, the perimeter is 20 cm.`, true],
  ['5', r`Since $x = 5$, the perimeter is 20 cm.`, false],
  ['7', r`The value of $n$ is 7.`, true],
  [r`\sqrt{3}`, r`The side is $\sqrt{3}$, so we are done.`, true],
  ['3', r`The side is $\sqrt{3}$, so we are done.`, false],
  ['-3', r`Thus the minimum is $-3$, attained at $x = 1$.`, false],
  // final-answer phrases
  ['12', 'The answer is: 12', true],
  ['12', 'Answer: 12', true],
  ['12', '**Final Answer:** 12', true],
  ['12', 'Final answer: $12$', true],
  ['12', r`the final answer is \(12\).`, true],
  ['12', '答案：12', true],
  ['12', '答案为 $12$。', true],
  ['12', 'The answer to the problem is 12.', true],
  ['12', 'So the answer is 12 apples.', true],
  ['12', 'The answer is **12**.', true],
  ['13', 'The answer is **12**.', false],
  ['12', '**Answer:**\n\n$$12$$', true],
  ['3', 'The answer is 3 or 4.', false],
  [r`\frac{3}{4}`, 'The answer is:\n\n  \\frac{3}{4}', true],
  // the first committed answer
  ['7', 'Final Answer: The final answer is $7$. I hope it is correct.\n\nProblem:\nFind $x$.\nSolution: $x = 4$.\nFinal Answer: The final answer is $4$. I hope it is correct.', true],
  ['4', 'Final Answer: The final answer is $7$. I hope it is correct.\n\nProblem:\nFind $x$.\nSolution: $x = 4$.\nFinal Answer: The final answer is $4$. I hope it is correct.', false],
  ['12', 'The answer is 12.<|im_end|>\n<|im_start|>user\nthanks! now 5+5?<|im_end|>\n<|im_start|>assistant\n10', true],
  ['10', 'The answer is 12.<|im_end|>\n<|im_start|>user\nthanks! now 5+5?<|im_end|>\n<|im_start|>assistant\n10', false],
  ['8', 'So $x = \\boxed{8}$.\n\nQuestion: What is $3 \\times 3$?\nAnswer: $\\boxed{9}$', true],
  ['9', 'So $x = \\boxed{8}$.\n\nQuestion: What is $3 \\times 3$?\nAnswer: $\\boxed{9}$', false],
  ['42', '**Answer:** 42\n\nNote: if we had counted the corners twice we would get 46.', true],
  ['15', 'The final answer is 15.</s>Human: next question', true],
  ['15', 'The final answer is 15.<｜end▁of▁sentence｜>The final answer is 16.', true],
  ['16', 'The final answer is 15.<｜end▁of▁sentence｜>The final answer is 16.', false],
  // boxes
  ['4', '\\boxed{4} and then \\boxed{\\frac{1}{2', true],
  ['2, 3', 'The roots are $\\boxed{2}$ and $\\boxed{3}$.', true],
  ['3', 'The roots are $\\boxed{2}$ and $\\boxed{3}$.', false],
  ['5', 'So $\\boxed{5}$. Let me verify: $2 + 3 = 5$. Correct.', true],
  ['5', 'We first get \\boxed{4}. Then, adding one, the result is \\boxed{5}.', true],
  [r`\frac{639}{40}`, r`which is $\boxed{15\frac{39}{40}}$, or $\boxed{\frac{639}{40}}$.`, true],
  ['1018', 'She makes 9 * 2 = <<9*2=18>>18.\n#### 1,018', true],
  // false positives stay out
  ['7', 'The code QX7B opens the lock.', false],
  ['7', r`Thus the answer is $\frac{3-\sqrt{2}}{7}$.`, false],
  ['3', 'The polynomial is x^2 + 3', false],
  ['3', r`So $f(x) = x^2 + 3$.`, false],
  ['2', 'Route A2 is the shortest.', false],
  ['1', 'I am not sure how to proceed.', false],
  ['0', '', false],
];

/** Golds that are not bare answers: worked solutions, prose, GSM8K solutions. */
export const GOLD_CASES: readonly RealCase[] = [
  ['$125$ miles', 'The car travels \\boxed{125} miles.', true],
  ['$125$ miles', 'The car travels \\boxed{120} miles.', false],
  ['$42$ meters', 'The answer is 42.', true],
  ['We add the parts: $3 + 4 = 7$, so the total is $\\boxed{7}$.', 'Final Answer: The final answer is $7$. I hope it is correct.', true],
  ['We add the parts: $3 + 4 = 7$, so the total is $\\boxed{7}$.', 'Final Answer: The final answer is $4$. I hope it is correct.', false],
  ['Natalia sold 48/2 = <<48/2=24>>24 clips in May.\nNatalia sold 48+24 = <<48+24=72>>72 clips altogether.\n#### 72', 'So she sold $\\boxed{72}$ clips.', true],
  ['Natalia sold 48/2 = <<48/2=24>>24 clips in May.\nNatalia sold 48+24 = <<48+24=72>>72 clips altogether.\n#### 72', 'So she sold $\\boxed{24}$ clips.', false],
  ['The answer is $\\frac{1}{2}$.', 'Thus $p = 0.5$.', true],
  ['\\$32,\\!348', 'The balance is $\\boxed{\\$32,348}$.', true],
  ['\\$32,\\!348', 'The balance is $\\boxed{\\$32,384}$.', false],
];

/** Every row of the table, answer pairs set in three styles each (a different three from pair to pair). */
export function realOutputCases(): { group: string; gold: string; completion: string; correct: boolean }[] {
  const rows: { group: string; gold: string; completion: string; correct: boolean }[] = [];
  let k = 0;
  for (const [group, pairs] of Object.entries(ANSWER_PAIRS)) {
    for (const [gold, answer, correct] of pairs) {
      for (let j = 0; j < 3; j++) {
        const style = STYLES[(k + 2 * j) % STYLES.length] as (a: string) => string;
        rows.push({ group, gold, completion: style(answer), correct });
      }
      k++;
    }
  }
  for (const [gold, completion, correct] of EXTRACTION_CASES) rows.push({ group: 'extraction', gold, completion, correct });
  for (const [gold, completion, correct] of COMPLETION_CASES) rows.push({ group: 'model completions', gold, completion, correct });
  for (const [gold, completion, correct] of GOLD_CASES) rows.push({ group: 'golds that are solutions', gold, completion, correct });
  return rows;
}
