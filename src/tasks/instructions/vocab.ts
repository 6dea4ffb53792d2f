// src/tasks/instructions/vocab.ts — the fixed, small bilingual vocabulary of the instruction-following task:
// what the requests ask about (colours, animals, days, numbers, fruits), the words constraints name, and the
// request and constraint wordings in English and Chinese. Small on purpose: the task tests whether the
// instructions are followed, not what the model knows, so a tiny model trained on a tiny corpus can answer.

import type { TargetLanguage } from '../../verify/language.js';

/** One thing a request can ask for: its English word, its Chinese word, and other forms that also name it. */
export interface Member {
  en: string;
  zh: string;
  /** Further forms that count as naming this member (a Chinese root such as 红 for 红色, digits, synonyms). */
  also?: readonly string[];
}

export interface Category {
  /** English noun phrase used in requests ("Name some colors."). */
  en: string;
  /** Chinese noun phrase used in requests ("说出一些颜色。"). */
  zh: string;
  members: readonly Member[];
}

const CATEGORY_TABLE = {
  colors: {
    en: 'colors',
    zh: '颜色',
    members: [
      { en: 'red', zh: '红色', also: ['红'] },
      { en: 'blue', zh: '蓝色', also: ['蓝'] },
      { en: 'green', zh: '绿色', also: ['绿'] },
      { en: 'yellow', zh: '黄色', also: ['黄'] },
      { en: 'black', zh: '黑色', also: ['黑'] },
      { en: 'white', zh: '白色', also: ['白'] },
      { en: 'pink', zh: '粉色', also: ['粉红'] },
      { en: 'purple', zh: '紫色', also: ['紫'] },
      { en: 'brown', zh: '棕色', also: ['棕'] },
      { en: 'gray', zh: '灰色', also: ['grey', '灰'] },
    ],
  },
  animals: {
    en: 'animals',
    zh: '动物',
    members: [
      { en: 'cat', zh: '猫' },
      { en: 'dog', zh: '狗' },
      { en: 'bird', zh: '鸟' },
      { en: 'fish', zh: '鱼' },
      { en: 'horse', zh: '马' },
      { en: 'cow', zh: '牛' },
      { en: 'sheep', zh: '羊' },
      { en: 'pig', zh: '猪' },
      { en: 'duck', zh: '鸭子', also: ['鸭'] },
      { en: 'rabbit', zh: '兔子', also: ['兔'] },
    ],
  },
  days: {
    en: 'days of the week',
    zh: '一周里的日子',
    members: [
      { en: 'Monday', zh: '星期一', also: ['周一'] },
      { en: 'Tuesday', zh: '星期二', also: ['周二'] },
      { en: 'Wednesday', zh: '星期三', also: ['周三'] },
      { en: 'Thursday', zh: '星期四', also: ['周四'] },
      { en: 'Friday', zh: '星期五', also: ['周五'] },
      { en: 'Saturday', zh: '星期六', also: ['周六'] },
      { en: 'Sunday', zh: '星期日', also: ['星期天', '周日'] },
    ],
  },
  numbers: {
    en: 'numbers from one to ten',
    zh: '一到十之间的数字',
    members: [
      { en: 'one', zh: '一', also: ['1'] },
      { en: 'two', zh: '二', also: ['2', '两'] },
      { en: 'three', zh: '三', also: ['3'] },
      { en: 'four', zh: '四', also: ['4'] },
      { en: 'five', zh: '五', also: ['5'] },
      { en: 'six', zh: '六', also: ['6'] },
      { en: 'seven', zh: '七', also: ['7'] },
      { en: 'eight', zh: '八', also: ['8'] },
      { en: 'nine', zh: '九', also: ['9'] },
      { en: 'ten', zh: '十', also: ['10'] },
    ],
  },
  fruits: {
    en: 'fruits',
    zh: '水果',
    members: [
      { en: 'apple', zh: '苹果' },
      { en: 'banana', zh: '香蕉' },
      { en: 'orange', zh: '橙子', also: ['橙', '桔子'] },
      { en: 'pear', zh: '梨' },
      { en: 'grape', zh: '葡萄', also: ['grapes'] },
      { en: 'peach', zh: '桃子', also: ['peaches', '桃'] },
      { en: 'lemon', zh: '柠檬' },
      { en: 'mango', zh: '芒果', also: ['mangoes'] },
      { en: 'watermelon', zh: '西瓜' },
      { en: 'strawberry', zh: '草莓', also: ['strawberries'] },
    ],
  },
} as const satisfies Record<string, Category>;

export type CategoryName = keyof typeof CATEGORY_TABLE;
export const CATEGORIES: Readonly<Record<CategoryName, Category>> = CATEGORY_TABLE;
export const CATEGORY_NAMES = Object.keys(CATEGORIES) as CategoryName[];

/** Every form that names a member: its English word (and plural -s), its Chinese word, and its other forms. */
export function memberForms(m: Member): string[] {
  return [m.en, `${m.en}s`, m.zh, ...(m.also ?? [])];
}

/** Requests, by prompt language; `{c}` is the category's noun phrase. */
export const REQUESTS: Readonly<Record<TargetLanguage, readonly string[]>> = {
  en: ['Name some {c}.', 'List a few {c}.', 'Tell me some {c}.', 'Which {c} do you know?', 'What are your favorite {c}?'],
  zh: ['说出一些{c}。', '请列举一些{c}。', '你知道哪些{c}？', '你喜欢哪些{c}？'],
};

/** Words an "include the word" constraint may ask for besides category members, by answer language. */
export const FILLER_WORDS: Readonly<Record<TargetLanguage, readonly string[]>> = {
  en: ['like', 'please', 'today', 'really', 'also', 'very', 'nice'],
  zh: ['喜欢', '今天', '非常', '也', '很'],
};

/** Phrases an "end your answer with" constraint may ask for, by answer language. */
export const END_PHRASES: Readonly<Record<TargetLanguage, readonly string[]>> = {
  en: ['thank you', 'that is all', 'the end', 'done'],
  zh: ['谢谢', '就这些', '完毕', '好了'],
};

/** Language names, by the language of the sentence they appear in. */
export const LANGUAGE_NAMES: Readonly<Record<TargetLanguage, Readonly<Record<TargetLanguage, string>>>> = {
  en: { en: 'English', zh: 'Chinese' },
  zh: { en: '英文', zh: '中文' },
};
