// src/verify/math/real-completions.cases.ts — whole completions in the styles of real chat and base models
// (R1-distilled with a think block, CoT few-shot continuations, GSM8K solutions, markdown, units and prose around
// the answer), each with its gold and verdict. Part of the real-output table (real-outputs.cases.ts).

import type { RealCase } from './real-outputs.cases.js';

const r = String.raw;

/** Whole completions as chat and base models write them, no box required. */
export const COMPLETION_CASES: readonly RealCase[] = [
  ['18', "Janet's ducks lay 16 eggs per day. She eats 3 and bakes 4, so 16 - 3 - 4 = 9 eggs remain. She sells them at $2 each: 9 * 2 = $18.\nThe answer is $18.", true],
  ['18', "9 eggs × $2 = $18 per day.\n\nSo Janet makes **$18** every day at the farmers' market.", true],
  ['18', "She makes 9 * 2 = 18 dollars a day.", true],
  ['3', r`<think>
Let me compute f(2). f(2) = 2^2 - 1 = 3. So the answer is 3.
</think>

The value is $f(2) = 3$.`, true],
  [r`\frac{\sqrt{3}}{2}`, r`Since $\sin 60^\circ = \frac{\sqrt{3}}{2}$, the answer is $\boxed{\dfrac{\sqrt{3}}{2}}$.`, true],
  ['10', r`The distance between the points is $\sqrt{(4-(-2))^2 + (3-(-5))^2} = \sqrt{36+64} = \sqrt{100} = 10$.`, true],
  ['x^2 + 7x + 10', r`Expanding, $(x+2)(x+5) = x^2 + 5x + 2x + 10 = x^2 + 7x + 10$.`, true],
  ['6', r`There are $\binom{4}{2} = 6$ ways.`, true],
  [r`\frac{1}{4}`, r`The probability is $\frac{1}{4}$ or $25\%$.`, true],
  ['25\\%', r`The probability is $\frac{1}{4}$, i.e. $25\%$.`, true],
  ['(2, -3)', r`The center of the circle is at $(2, -3)$ and the radius is $4$.`, false],
  ['4', r`The center of the circle is at $(2, -3)$ and the radius is $4$.`, true],
  ['-1', r`**Step 3:** Solve for $x$: $x = -1$.

**Final Answer:** $x = -1$`, true],
  ['\\frac{5}{2}', r`Final Answer: The final answer is $\frac{5}{2}$. I hope it is correct.`, true],
  ['5', r`Final Answer: The final answer is 5. I hope it is correct.`, true],
  ['8', r`The final answer is $\boxed{8}$`, true],
  ['2', r`The answer is $x=2$`, true],
  ['2', r`Therefore, $x = \boxed{2}$ is the only solution.`, true],
  ['1, -1', r`The solutions are $x = 1$ and $x = -1$.`, true],
  ['\\pm 1', r`So $x = \pm 1$.`, true],
  ['1, -1', r`So $x = \pm 1$.`, true],
  ['27', r`## Solution
The total number of cubes is $3^3 = 27$.

## Answer
27`, true],
  ['27', r`Answer: \boxed{27}<|endoftext|>Human: What about 4x4x4?`, true],
  ['\\text{B}', 'The correct option is **B**.', true],
  ['B', 'Answer: B) 12', true],
  ['D', 'The answer is (D) $\\sqrt{5}$.', true],
  ['A', 'The answer is (D) $\\sqrt{5}$.', false],
  ['100', 'So, 100 people attended the event.', true],
  ['0.5', 'The probability is 1/2.', true],
  ['1/2', 'The probability is 0.5.', true],
  ['3', 'x = 3, so y = 6. The answer is x = 3', true],
  ['144', r`The area is $12^2 = 144$ square feet.`, true],
  ['144', r`The area is $144 \text{ ft}^2$.`, true],
  ['5\\sqrt{2}', r`$$d = \sqrt{50} = 5\sqrt{2}$$`, true],
  [r`\frac{9}{2}`, r`So the answer is $4.5$.`, true],
  ['x \\in [2, 5]', r`The solution set is $[2, 5]$.`, true],
  ['[2,5]', r`The solution is $2 \le x \le 5$.`, true],
  ['1,000,000', r`That's $\boxed{1000000}$ possibilities.`, true],
  ['1000000', r`That's $\boxed{10^6}$ possibilities.`, true],
  ['11', r`The remainder is $\boxed{11}$.

**Verification:** $2^{10} = 1024 = 29 \cdot 35 + 9$...`, true],
  ['-\\frac{1}{2}', r`Thus the slope is $m = -\frac{1}{2}$.`, true],
  ['\\frac{1}{2}', r`Thus the slope is $m = -\frac{1}{2}$.`, false],
  ['30', r`Therefore $\angle ABC = 30^\circ$.`, true],
  ['\\$1.50', r`Each pencil costs $\$1.50$.`, true],
  ['1.5', r`Each pencil costs \$1.50.`, true],
  ['7', 'After 7 days, the snail reaches the top.', true],
  ['5', r`\[
\boxed{5}
\]`, true],
  ['2', r`Since $a_n = 2n$, we have $a_1 = 2$.`, true],
  ['x = 3', r`\boxed{x=3}`, true],
  ['3', r`\boxed{x=3}`, true],
  ['(1,2)', r`$\boxed{(1,2)}$`, true],
  ['\\infty', r`The limit is $\infty$.`, true],
  ['0', r`The limit is $\infty$.`, false],
  ['2\\sqrt{6}', r`$\boxed{2 \sqrt 6}$`, true],
  ['\\frac{\\pi}{4}', r`The angle is $\boxed{45^\circ}$, i.e. $\pi/4$ radians.`, false],
  ['12', r`So the number of students is \textbf{12}.`, true],
  ['4', r`Hence $n=4$. 

Final answer: 4`, true],
  ['-2', r`The answer is $-2$.`, true],
  ['2', r`The answer is $-2$.`, false],
  ['3.75', r`The mean is $\frac{15}{4} = 3.75$.`, true],
  ['y = 2x + 3', r`The equation of the line is $y = 2x + 3$.`, true],
  ['y = 2x + 3', r`The equation of the line is $2x - y + 3 = 0$.`, true],
  ['y = 2x + 3', r`The equation of the line is $y = 3x + 2$.`, false],
  ['5', r`Let's denote the number by $n$. Then $3n + 2 = 17$, so $n = 5$.`, true],
  ['17', r`Let's denote the number by $n$. Then $3n + 2 = 17$, so $n = 5$.`, false],
  ['\\frac{7}{12}', r`Adding, $\frac{1}{3} + \frac{1}{4} = \frac{4}{12} + \frac{3}{12} = \frac{7}{12}$.`, true],
  ['2', r`We need $k$ such that $k^2 = 4$ and $k > 0$, so $k = 2$.`, true],
  ['(-\\infty, -3) \\cup (3, \\infty)', r`The inequality holds for $|x| > 3$, i.e. $x \in (-\infty, -3) \cup (3, \infty)$.`, true],
  ['(-\\infty, -3) \\cup (3, \\infty)', r`So $x < -3$ or $x > 3$.`, true],
  ['\\{-2, 2\\}', r`The answer is $\{-2, 2\}$.`, true],
  ['-2, 2', r`$x^2 = 4 \implies x = \pm 2$`, true],
  ['3 + 4i', r`Therefore $z = 3 + 4i$.`, true],
  ['3 + 4i', r`Therefore $z = 4i + 3$.`, true],
  ['3 + 4i', r`Therefore $z = 3 - 4i$.`, false],
  ['e^2', r`The limit equals $e^2$.`, true],
  ['\\ln 2', r`The integral evaluates to $\ln 2 \approx 0.693$.`, true],
  ['0.693', r`The integral evaluates to $\ln 2 \approx 0.693$.`, true],
  ['120', r`$5! = 120$`, true],
  ['\\dbinom{10}{3}', r`The number of committees is $\binom{10}{3} = 120$.`, true],
  ['6', r`The greatest common divisor is $\gcd(12, 18) = 6$.`, true],
  ['9', r`**Solution.** We have $\sqrt{81} = 9$. **Answer: 9**`, true],
  ['9', r`**Solution.** We have $\sqrt{81} = 9$. **Answer: 8**`, false],
  ['\\frac{3}{5}', r`$\cos \theta = \frac{3}{5}$`, true],
  ['64', r`So the volume is $4^3 = 64\text{ cm}^3$.`, true],
  ['45', r`Thus, the answer is $45$ degrees.`, true],
  ['4', r`There are four solutions.`, false],
  ['4', r`\boxed{\text{4}}`, true],
  ['\\text{(A)}', r`\boxed{A}`, true],
  ['2', r`So, $\frac{6}{3}=2$.`, true],
  ['-\\frac{3}{2}', r`The slope is $-3/2$.`, true],
  ['\\frac{1}{6}', r`P = 1/6 ≈ 0.1667`, true],
  ['1/6', r`The probability is approximately 16.67%.`, true],
  ['50', r`**Final answer:** \boxed{50\%}`, true],
  ['3\\sqrt{3}', r`Area $= \frac{\sqrt{3}}{4} \cdot (2\sqrt{3})^2 = 3\sqrt{3}$`, true],
  ['y = -x + 4', r`The line is $x + y = 4$.`, true],
  ['x + y = 4', r`The line is $y = -x + 4$.`, true],
  ['-4', r`The y-intercept is $-4$, and the slope is $2$.`, false],
  ['5', r`I think the answer should be 5, but let me double-check... Yes, 5.`, true],
  ['\\frac{1}{3}', r`The ratio is 1:3.`, false],
  ['24', r`The total cost is $\$24$.`, true],
  ['24', r`The total cost is \$24.`, true],
  ['24', r`Total: 24 USD`, true],
  ['0.25', r`The answer is 25%.`, true],
  ['25', r`The answer is 25%.`, true],
  ['2\\sqrt{2}', r`$|AB| = \sqrt{8} = 2\sqrt{2}$.`, true],
  ['8', r`$|AB| = \sqrt{8} = 2\sqrt{2}$.`, false],
  ['\\frac{1}{2}', r`Thus $P(\text{heads}) = \frac{1}{2}$.`, true],
  ['60', r`\textbf{Answer:} $60^{\circ}$`, true],
  ['x^2 - 4', r`So $f(x) = (x-2)(x+2)$.`, true],
  ['(x-2)(x+2)', r`So $f(x) = x^2 - 4$.`, true],
  ['4', r`So $f(x) = x^2 - 4$.`, false],
  ['2', r`The remainder when $x^3 + 1$ is divided by $x + 1$ is $0$... wait, let me recompute: the remainder is 2.`, true],
  ['-\\infty', r`As $x \to -\infty$, the function tends to $-\infty$.`, true],
  ['\\frac{5}{3}', r`$x = \frac{5}{3} \approx 1.67$`, true],
  ['1.67', r`$x = \frac{5}{3} \approx 1.67$`, true],
  ['\\sqrt{13}', r`$r = \sqrt{13} \approx 3.606$`, true],
  ['3.606', r`$r = \sqrt{13} \approx 3.606$`, true],
  ['3', r`Let $a=3$ and $b=4$. Then $c = 5$.`, false],
  ['5', r`Let $a=3$ and $b=4$. Then $c = 5$.`, true],
  ['\\begin{pmatrix} 3 \\\\ -1 \\end{pmatrix}', r`$\mathbf{v} = \begin{pmatrix} 3 \\ -1 \end{pmatrix}$`, true],
  ['\\begin{pmatrix} 3 \\\\ -1 \\end{pmatrix}', r`$\mathbf{v} = \langle 3, -1 \rangle$`, true],
  ['2', r`**Answer**: $\boxed{2}$ solutions.`, true],
  ['1/4', r`The final answer is \frac{1}{4}.`, true],
  ['1/4', r`The final answer is: $\dfrac14$`, true],
  ['10', r`The answer is: **10 minutes**`, true],
  ['10', r`Answer:
10`, true],
  ['\\text{No}', 'No, it is not possible.', false],
  ['0', r`Therefore, $\lim_{x\to 0} \frac{\sin x - x}{x^2} = 0$.`, true],
  ['1', r`Therefore, $\lim_{x\to 0} \frac{\sin x}{x} = 1$.`, true],
  ['3x^2', r`The derivative is $f'(x) = 3x^2$.`, true],
  ['\\frac{x^3}{3} + C', r`$\int x^2 \, dx = \frac{x^3}{3} + C$`, true],
  ['-1', r`Since $x^2 = 1$ and $x < 0$, $x = -1$.`, true],
  ['15', r`We get $\boxed{15}$ handshakes<|im_end|>`, true],
  ['90', r`The angles sum to $180^\circ$, so $\angle C = 180^\circ - 50^\circ - 40^\circ = 90^\circ$.`, true],
  ['\\frac{14}{3}', r`<think>
Okay, let's see. The problem says ... so the area would be 14/3? Hmm, wait. Let me recompute. Actually I think it's 14/3.
</think>

The area enclosed by the curves is found by integrating the difference:

$$
\int_0^2 (4 - x^2) - (x^2 - 2x)\,dx = \frac{14}{3}... 
$$

Wait — recomputing carefully:

$$
A = \int_0^2 (4 + 2x - 2x^2)\,dx = \left[4x + x^2 - \tfrac{2}{3}x^3\right]_0^2 = 8 + 4 - \tfrac{16}{3} = \tfrac{20}{3}.
$$

**Final Answer**
\[
\boxed{\dfrac{20}{3}}
\]`, false],
  ['\\frac{20}{3}', r`</think>

**Final Answer**
\[
\boxed{\dfrac{20}{3}}
\]`, true],
  ['12', r`<think>
Let me solve. 3 * 4 = 12.
</think>
The product is **12**.`, true],
  ['2', r`Let's think step by step. First, 6 / 3 = 2. So the answer is 2.

Question: What is 10 / 5?
Let's think step by step. 10 / 5 = 2. So the answer is 2.`, true],
  ['7', r`Let's think step by step. 3 + 4 = 7. The answer is 7.

Q: What is 1 + 1?
A: Let's think step by step. 1 + 1 = 2. The answer is 2.`, true],
  ['2', r`Let's think step by step. 3 + 4 = 7. The answer is 7.

Q: What is 1 + 1?
A: Let's think step by step. 1 + 1 = 2. The answer is 2.`, false],
  ['18', r`Janet sells 16 - 3 - 4 = <<16-3-4=9>>9 duck eggs a day.
She makes 9 * 2 = $<<9*2=18>>18 every day at the farmer’s market.
#### 18`, true],
  ['70000', r`The house cost 80,000 + 50,000 = $130,000 and is now worth 200,000, so the profit is $70,000.
#### 70,000`, true],
  ['\\frac{1}{2}', r`The answer is \(\frac{1}{2}\).`, true],
  ['-\\frac{1}{2}', r`The answer is \(\frac{1}{2}\).`, false],
  ['\\text{(B)}', r`The answer is $\boxed{\textbf{(B) } 24}$`, true],
  ['24', r`The answer is $\boxed{\textbf{(B) } 24}$`, true],
  ['24', r`The answer is $\boxed{\textbf{(B) } 25}$`, false],
  ['5', r`Thus the final answer is: \boxed{5}`, true],
  ['\\dfrac{\\sqrt{5}}{5}', r`$\boxed{\frac{1}{\sqrt{5}}}$`, true],
  ['3', r`**Final Answer**

The minimum value is \boxed{3}.`, true],
  ['\\{2, 3\\}', r`\boxed{\{2,3\}}`, true],
  ['2, 3', r`\boxed{2, 3}`, true],
  ['2, 3', r`\boxed{3,2}`, true],
  ['2', r`\boxed{2, 3}`, false],
  ['p = 2', r`So $p=2$.`, true],
  ['a=2, b=3', r`Hence $a = 2$ and $b = 3$.`, true],
  ['1.5', r`The ratio is 3:2, i.e. 1.5.`, true],
  ['11', r`Hence $n = 11$.<|im_end|>`, true],
  ['(0, 0)', r`The origin $(0, 0)$ is the only fixed point.`, true],
  ['96', r`$\text{Area} = 8 \times 12 = 96$`, true],
  ['96', r`$\text{Area} = 8 \times 12 = 96 \text{ cm}^2$`, true],
  ['8\\pi', r`The circumference is $8\pi \approx 25.13$ units.`, true],
  ['25.13', r`The circumference is $8\pi \approx 25.13$ units.`, true],
  ['8\\pi', r`The circumference is approximately $25.13$ units.`, false],
  ['C', 'Final Answer: The final answer is C. I hope it is correct.', true],
  ['C', 'Final Answer: The final answer is (C). I hope it is correct.', true],
  ['12', '最终答案是 12。', true],
  ['12', '因此，最终答案为 $\\boxed{12}$。', true],
  ['\\frac{1}{4}', r`Final answer: \boxed{\frac14}`, true],
  ['6', r`The number of diagonals is $\frac{n(n-3)}{2} = \frac{4 \cdot 1}{2} = 2$... no wait, for a hexagon $n = 6$: $\frac{6 \cdot 3}{2} = 9$. Hmm, the question asks for sides, so the answer is $6$.`, true],
  ['9', r`The number of diagonals is $\frac{n(n-3)}{2} = \frac{6 \cdot 3}{2} = 9$.`, true],
  ['3', r`$\boxed{3}$ is the answer.`, true],
  ['0', r`So the sum is $0$.`, true],
  ['-4', r`Therefore, $k=-4$.`, true],
  ['4', r`Therefore, $k=-4$.`, false],
  ['1/3', r`1/3`, true],
  ['4/3', r`1/3`, false],
  ['\\frac{\\pi}{6}', r`$\theta = 30^\circ = \frac{\pi}{6}$`, true],
  ['5', r`x + 2 = 7 \Rightarrow x = 5`, true],
  ['5', r`$x + 2 = 7 \Rightarrow x = 5$`, true],
  ['5', r`$x + 2 = 7 \implies x = 5$`, true],
  ['2,4', r`The even primes less than 5... only $2$. Hmm, the even numbers are $2$ and $4$.`, true],
  ['64', r`\[ 2^6 = 64 \]

So there are 64 subsets.`, true],
  ['0.05', r`The probability is $5\%$.`, true],
  ['\\sqrt{2}', r`$\sqrt 2$`, true],
  ['2^{10}', r`\boxed{1024}`, true],
  ['x \\neq 3', r`The domain is all real numbers except $3$, i.e., $x \ne 3$.`, true],
  ['\\mathbb{R}', r`The domain is $\mathbb{R}$.`, true],
  ['\\emptyset', r`There is no solution: $\emptyset$.`, true],
  ['3', 'She paid $5 and got $3 back.', true],
  ['15', 'It costs $5 and $10, so in total she pays $15.', true],
  ['15', 'It costs $5 and $10, so the answer is $15.', true],
  ['10', 'He has $20 and spends half, leaving him with $10.', true],
  ['1200', 'The total is 12 * $100 = $1200.', true],
  ['1200', 'The total is 12 * \\$100 = \\$1,200.', true],
  ['55', 'Step 1: 5 * 5 = 25\nStep 2: 25 + 30 = 55\nTherefore, Tom has 55 marbles in total.', true],
  ['25', 'Step 1: 5 * 5 = 25\nStep 2: 25 + 30 = 55\nTherefore, Tom has 55 marbles in total.', false],
  ['8', 'So each friend gets 8 cookies. \n\nThe final answer is 8.', true],
  ['36', 'There were 36 students. If 1/4 left, then 36 - 9 = 27 remain.\nThe answer is 36.', true],
  ['27', 'There were 36 students. If 1/4 left, then 36 - 9 = 27 remain.', true],
  ['4.5', 'Each part is 9 / 2 = 4.5 meters long.', true],
  ['9/2', 'Each part is 9 / 2 = 4.5 meters long.', true],
  ['50', 'The discount is 50%.', true],
  ['0.5', 'The discount is 50%.', true],
  ['160', 'Total distance = 2 hours × 80 km/h = 160 km', true],
  ['5', 'He needs 5 more hours to finish.', true],
];
