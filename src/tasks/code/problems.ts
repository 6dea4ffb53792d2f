// src/tasks/code/problems.ts — the built-in programming problems: statement, interface and tests (no solutions).
//
// Small, classic exercises with unambiguous outputs: enough to exercise code rewards end to end on a CPU.
// Integers stay below 2^53 so Python and JavaScript solutions see the same JSON.

import type { TestCase } from '../../verify/code/index.js';

export interface CodeProblem {
  /** Stable slug (item ids are `code-<slug>`). */
  slug: string;
  /** What to compute. For `call` problems the statement names the function and its parameters. */
  statement: string;
  tests: TestCase[];
}

const call = (fn: string, cases: [unknown[], unknown][]): TestCase[] =>
  cases.map(([args, expected]) => ({ kind: 'call', fn, args, expected }));
const stdio = (cases: [string, string][]): TestCase[] => cases.map(([input, output]) => ({ kind: 'stdio', input, output }));

export const CODE_PROBLEMS: readonly CodeProblem[] = [
  {
    slug: 'add-two',
    statement: 'Read two integers a and b from one line of standard input (separated by a space) and print a + b.',
    tests: stdio([['2 3\n', '5'], ['-4 10\n', '6'], ['1000000 2000000\n', '3000000']]),
  },
  {
    slug: 'reverse-words',
    statement: 'Write a function `reverse_words(s)` that returns the words of `s` (separated by single spaces) in reverse order, joined by single spaces.',
    tests: call('reverse_words', [[['hello world'], 'world hello'], [['a'], 'a'], [['the sky is blue'], 'blue is sky the']]),
  },
  {
    slug: 'fizzbuzz',
    statement:
      'Read an integer n from standard input and print the numbers 1 to n, one per line, but print "Fizz" for multiples of 3, "Buzz" for multiples of 5 and "FizzBuzz" for multiples of both.',
    tests: stdio([
      ['5\n', '1\n2\nFizz\n4\nBuzz'],
      ['1\n', '1'],
      ['15\n', '1\n2\nFizz\n4\nBuzz\nFizz\n7\n8\nFizz\nBuzz\n11\nFizz\n13\n14\nFizzBuzz'],
    ]),
  },
  {
    slug: 'palindrome',
    statement:
      'Write a function `is_palindrome(s)` that returns true when `s` reads the same forwards and backwards considering only letters and digits and ignoring case, else false.',
    tests: call('is_palindrome', [[['A man, a plan, a canal: Panama'], true], [['race a car'], false], [[''], true], [["No 'x' in Nixon"], true]]),
  },
  {
    slug: 'factorial',
    statement: 'Write a function `factorial(n)` that returns n! for an integer 0 <= n <= 18.',
    tests: call('factorial', [[[0], 1], [[5], 120], [[10], 3628800], [[18], 6402373705728000]]),
  },
  {
    slug: 'fibonacci',
    statement: 'Write a function `fibonacci(n)` that returns the n-th Fibonacci number, with fibonacci(0) = 0 and fibonacci(1) = 1 (0 <= n <= 70).',
    tests: call('fibonacci', [[[0], 0], [[1], 1], [[10], 55], [[50], 12586269025]]),
  },
  {
    slug: 'count-vowels',
    statement: 'Write a function `count_vowels(s)` that returns how many characters of `s` are vowels (a, e, i, o, u, in either case).',
    tests: call('count_vowels', [[['hello'], 2], [['AEIOU xyz'], 5], [['rhythm'], 0]]),
  },
  {
    slug: 'gcd',
    statement: 'Write a function `gcd(a, b)` that returns the greatest common divisor of two positive integers.',
    tests: call('gcd', [[[12, 18], 6], [[17, 5], 1], [[100, 75], 25], [[7, 7], 7]]),
  },
  {
    slug: 'primes-up-to',
    statement:
      'Read an integer n from standard input and print all primes p <= n in increasing order on one line, separated by single spaces (print an empty line when there are none).',
    tests: stdio([['10\n', '2 3 5 7'], ['2\n', '2'], ['1\n', ''], ['30\n', '2 3 5 7 11 13 17 19 23 29']]),
  },
  {
    slug: 'two-sum',
    statement:
      'Write a function `two_sum(nums, target)` that returns the indices [i, j] with i < j such that nums[i] + nums[j] == target. Exactly one such pair exists.',
    tests: call('two_sum', [[[[2, 7, 11, 15], 9], [0, 1]], [[[3, 2, 4], 6], [1, 2]], [[[1, 5, 3, 7], 10], [2, 3]]]),
  },
  {
    slug: 'max-subarray',
    statement: 'Write a function `max_subarray(nums)` that returns the largest sum of a non-empty contiguous subarray of the integer list `nums`.',
    tests: call('max_subarray', [[[[-2, 1, -3, 4, -1, 2, 1, -5, 4]], 6], [[[1]], 1], [[[-3, -1, -2]], -1], [[[5, 4, -1, 7, 8]], 23]]),
  },
  {
    slug: 'most-common-word',
    statement:
      'Read one line of lowercase words separated by single spaces from standard input and print the most frequent word; when several are equally frequent, print the alphabetically smallest.',
    tests: stdio([['b a b a c\n', 'a'], ['the cat and the hat\n', 'the'], ['z\n', 'z']]),
  },
  {
    slug: 'balanced-brackets',
    statement: 'Write a function `is_balanced(s)` that returns true when the brackets ()[]{} in `s` are balanced and properly nested, else false.',
    tests: call('is_balanced', [[['([]{})'], true], [['([)]'], false], [[''], true], [['((('], false], [['}{'], false]]),
  },
  {
    slug: 'transpose',
    statement: 'Write a function `transpose(m)` that returns the transpose of the non-empty rectangular matrix `m` (a list of rows).',
    tests: call('transpose', [[[[[1, 2, 3], [4, 5, 6]]], [[1, 4], [2, 5], [3, 6]]], [[[[1]]], [[1]]], [[[[1, 2]]], [[1], [2]]]]),
  },
  {
    slug: 'binary-search',
    statement: 'Write a function `binary_search(nums, x)` that returns the index of `x` in the ascending list of distinct integers `nums`, or -1 when it is absent.',
    tests: call('binary_search', [[[[1, 3, 5, 7, 9], 7], 3], [[[1, 3, 5], 4], -1], [[[], 1], -1], [[[2], 2], 0]]),
  },
  {
    slug: 'run-length',
    statement: 'Write a function `rle(s)` that run-length encodes `s`: each maximal run of one character becomes the character followed by the run length, e.g. "aaab" -> "a3b1".',
    tests: call('rle', [[['aaabcc'], 'a3b1c2'], [[''], ''], [['x'], 'x1'], [['aabbaa'], 'a2b2a2']]),
  },
  {
    slug: 'digit-sums',
    statement:
      'Standard input holds an integer n on the first line, then n lines with one non-negative integer each. For each of those integers print the sum of its decimal digits on its own line.',
    tests: stdio([['3\n123\n0\n99999\n', '6\n0\n45'], ['1\n5\n', '5']]),
  },
  {
    slug: 'roman-to-int',
    statement: 'Write a function `roman_to_int(s)` that converts a Roman numeral (I, V, X, L, C, D, M; subtractive forms such as IV and CM allowed) to an integer.',
    tests: call('roman_to_int', [[['III'], 3], [['LVIII'], 58], [['MCMXCIV'], 1994], [['IX'], 9], [['MMXXIV'], 2024]]),
  },
  {
    slug: 'merge-intervals',
    statement:
      'Write a function `merge_intervals(intervals)` that merges overlapping or touching closed intervals [start, end] and returns the merged intervals sorted by start.',
    tests: call('merge_intervals', [
      [[[[1, 3], [2, 6], [8, 10], [15, 18]]], [[1, 6], [8, 10], [15, 18]]],
      [[[[1, 4], [4, 5]]], [[1, 5]]],
      [[[[5, 6], [1, 2]]], [[1, 2], [5, 6]]],
      [[[[1, 10], [2, 3]]], [[1, 10]]],
    ]),
  },
  {
    slug: 'common-prefix',
    statement: 'Write a function `longest_common_prefix(words)` that returns the longest common prefix of the non-empty list of strings `words` ("" when there is none).',
    tests: call('longest_common_prefix', [[[['flower', 'flow', 'flight']], 'fl'], [[['dog', 'racecar', 'car']], ''], [[['alone']], 'alone'], [[['ab', 'abc', 'abd']], 'ab']]),
  },
  {
    slug: 'sort-numbers',
    statement: 'Standard input holds n on the first line and n integers on the second. Print them in ascending order on one line, separated by single spaces.',
    tests: stdio([['5\n3 1 4 1 5\n', '1 1 3 4 5'], ['1\n-7\n', '-7'], ['3\n10 -10 0\n', '-10 0 10']]),
  },
  {
    slug: 'count-islands',
    statement:
      'Write a function `count_islands(grid)` where `grid` is a list of equal-length strings of "1" (land) and "0" (water); return the number of islands (groups of land cells joined horizontally or vertically).',
    tests: call('count_islands', [[[['11000', '11000', '00100', '00011']], 3], [[['0']], 0], [[['111', '010', '111']], 1], [[['101', '010', '101']], 5]]),
  },
];
