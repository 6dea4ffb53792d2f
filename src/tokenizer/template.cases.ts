// src/tokenizer/template.cases.ts — chat-template parity cases: a small test tokenizer that knows the control tokens
// of several template families, one checkpoint (tokenizer_config.json + chat template) per family, and the
// conversations each is rendered on. The templates are written here in the style of each family (R1's is r1ts's
// own); transformers' renderings of them are stored in template-expected.cases.ts (see there how).

import { R1_CHAT_TEMPLATE, type ChatMessage } from './chat.js';
import { toTokenizerConfigJson, toTokenizerJson } from './hf-json.js';
import { R1_ADDED_TOKENS } from './specials.js';
import { builtinCorpus } from './samples.js';
import { trainTokenizer } from './train-tokenizer.js';

/** Control tokens of the ChatML (Qwen2), Llama 3 and [INST] families, added after R1's. */
export const FAMILY_TOKENS = ['<|im_start|>', '<|im_end|>', '<|endoftext|>', '<|begin_of_text|>', '<|end_of_text|>', '<|start_header_id|>', '<|end_header_id|>', '<|eot_id|>', '<s>', '</s>', '[INST]', '[/INST]'];

/** The test tokenizer every case shares (deterministic: the built-in corpus, 460 tokens). */
export function templateCaseTokenizerJson(): Record<string, unknown> {
  const extra = FAMILY_TOKENS.map((content) => ({ content, special: true }));
  const tok = trainTokenizer([...builtinCorpus(), 'You are a helpful assistant.', 'Cutting Knowledge Date: December 2023'], { vocabSize: 460, addedTokens: [...R1_ADDED_TOKENS, ...extra] });
  return toTokenizerJson(tok.spec);
}

/** ChatML as Qwen2 writes it: a default system turn when none is given; block tags trimmed by trim_blocks. */
export const CHATML_TEMPLATE = `{% for message in messages %}
{% if loop.first and message['role'] != 'system' %}
<|im_start|>system
You are a helpful assistant.<|im_end|>
{% endif %}
<|im_start|>{{ message['role'] }}
{{ message['content'] }}<|im_end|>
{% endfor %}
{% if add_generation_prompt %}
<|im_start|>assistant
{% endif %}
`;

/** ChatML whose generation prompt opens the reasoning block (as QwQ-style reasoning models do); history drops it. */
export const CHATML_THINK_TEMPLATE = `{%- for message in messages -%}
  {%- set content = message.content -%}
  {%- if message.role == 'assistant' and '</think>' in content -%}
    {%- set content = content.split('</think>')[-1].lstrip('\\n') -%}
  {%- endif -%}
  {{- '<|im_start|>' + message.role + '\\n' + content + '<|im_end|>\\n' -}}
{%- endfor -%}
{%- if add_generation_prompt -%}
  {{- '<|im_start|>assistant\\n<think>\\n' -}}
{%- endif -%}
`;

/** Llama 3 style: BOS, a system header with a knowledge date, headers per turn, trimmed content, <|eot_id|>. */
export const LLAMA3_TEMPLATE = `{{- bos_token }}
{%- if messages[0]['role'] == 'system' %}
    {%- set system_message = messages[0]['content'] | trim %}
    {%- set messages = messages[1:] %}
{%- else %}
    {%- set system_message = '' %}
{%- endif %}
{%- if not date_string is defined %}
    {%- set date_string = '26 Jul 2024' %}
{%- endif %}
{{- '<|start_header_id|>system<|end_header_id|>\\n\\n' }}
{{- 'Cutting Knowledge Date: December 2023\\nToday Date: ' + date_string + '\\n\\n' }}
{{- system_message + '<|eot_id|>' }}
{%- for message in messages %}
    {{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' + (message['content'] | trim) + '<|eot_id|>' }}
{%- endfor %}
{%- if add_generation_prompt %}
    {{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}
{%- endif %}
`;

/** [INST] style: strictly alternating user/assistant turns and no system role; anything else raises. */
export const INST_TEMPLATE = `{{ bos_token }}{% for message in messages %}{% if message['role'] == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}{% else %}{{ message['content'] + eos_token }}{% endif %}{% endfor %}`;

/**
 * DeepSeek-R1 style as its checkpoints carry it: tool-call branches, the last system prompt kept, history without
 * reasoning, the generation prompt opening `<think>`.
 */
export const DEEPSEEK_R1_TEMPLATE = `{% if not add_generation_prompt is defined %}{% set add_generation_prompt = false %}{% endif %}{% set ns = namespace(is_first=false, is_tool=false, is_output_first=true, system_prompt='') %}{%- for message in messages %}{%- if message['role'] == 'system' %}{% set ns.system_prompt = message['content'] %}{%- endif %}{%- endfor %}{{bos_token}}{{ns.system_prompt}}{%- for message in messages %}{%- if message['role'] == 'user' %}{%- set ns.is_tool = false -%}{{'<｜User｜>' + message['content']}}{%- endif %}{%- if message['role'] == 'assistant' and message['content'] is none %}{%- set ns.is_tool = false -%}{%- for tool in message['tool_calls']%}{%- if not ns.is_first %}{{'<｜Assistant｜><｜tool▁calls▁begin｜><｜tool▁call▁begin｜>' + tool['type'] + '<｜tool▁sep｜>' + tool['function']['name'] + '\\n' + '\`\`\`json' + '\\n' + tool['function']['arguments'] + '\\n' + '\`\`\`' + '<｜tool▁call▁end｜>'}}{%- set ns.is_first = true -%}{%- else %}{{'\\n' + '<｜tool▁call▁begin｜>' + tool['type'] + '<｜tool▁sep｜>' + tool['function']['name'] + '\\n' + '\`\`\`json' + '\\n' + tool['function']['arguments'] + '\\n' + '\`\`\`' + '<｜tool▁call▁end｜>'}}{{'<｜tool▁calls▁end｜><｜end▁of▁sentence｜>'}}{%- endif %}{%- endfor %}{%- endif %}{%- if message['role'] == 'assistant' and message['content'] is not none %}{%- if ns.is_tool %}{{'<｜tool▁outputs▁end｜>' + message['content'] + '<｜end▁of▁sentence｜>'}}{%- set ns.is_tool = false -%}{%- else %}{% set content = message['content'] %}{% if '</think>' in content %}{% set content = content.split('</think>')[-1] %}{% endif %}{{'<｜Assistant｜>' + content + '<｜end▁of▁sentence｜>'}}{%- endif %}{%- endif %}{%- if message['role'] == 'tool' %}{%- set ns.is_tool = true -%}{%- if ns.is_output_first %}{{'<｜tool▁outputs▁begin｜><｜tool▁output▁begin｜>' + message['content'] + '<｜tool▁output▁end｜>'}}{%- set ns.is_output_first = false %}{%- else %}{{'\\n<｜tool▁output▁begin｜>' + message['content'] + '<｜tool▁output▁end｜>'}}{%- endif %}{%- endif %}{%- endfor -%}{% if ns.is_tool %}{{'<｜tool▁outputs▁end｜>'}}{% endif %}{% if add_generation_prompt and not ns.is_tool %}{{'<｜Assistant｜><think>\\n'}}{% endif %}`;

/** Qwen3 style: reasoning of the final turn kept as `<think>` blocks, earlier turns without it, strip('\\n') throughout. */
export const QWEN3_TEMPLATE = `{%- if tools %}
    {{- '<|im_start|>system\\n' }}
    {%- if messages[0].role == 'system' %}
        {{- messages[0].content + '\\n\\n' }}
    {%- endif %}
    {{- "# Tools\\n\\nYou may call one or more functions to assist with the user query.\\n\\nYou are provided with function signatures within <tools></tools> XML tags:\\n<tools>" }}
    {%- for tool in tools %}
        {{- "\\n" }}
        {{- tool | tojson }}
    {%- endfor %}
    {{- "\\n</tools>\\n\\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\\n<tool_call>\\n{\\"name\\": <function-name>, \\"arguments\\": <args-json-object>}\\n</tool_call><|im_end|>\\n" }}
{%- else %}
    {%- if messages[0].role == 'system' %}
        {{- '<|im_start|>system\\n' + messages[0].content + '<|im_end|>\\n' }}
    {%- endif %}
{%- endif %}
{%- set ns = namespace(multi_step_tool=true, last_query_index=messages|length - 1) %}
{%- for message in messages[::-1] %}
    {%- set index = (messages|length - 1) - loop.index0 %}
    {%- if ns.multi_step_tool and message.role == "user" and message.content is string and not(message.content.startswith('<tool_response>') and message.content.endswith('</tool_response>')) %}
        {%- set ns.multi_step_tool = false %}
        {%- set ns.last_query_index = index %}
    {%- endif %}
{%- endfor %}
{%- for message in messages %}
    {%- if message.content is string %}
        {%- set content = message.content %}
    {%- else %}
        {%- set content = '' %}
    {%- endif %}
    {%- if (message.role == "user") or (message.role == "system" and not loop.first) %}
        {{- '<|im_start|>' + message.role + '\\n' + content + '<|im_end|>' + '\\n' }}
    {%- elif message.role == "assistant" %}
        {%- set reasoning_content = '' %}
        {%- if message.reasoning_content is string %}
            {%- set reasoning_content = message.reasoning_content %}
        {%- else %}
            {%- if '</think>' in content %}
                {%- set reasoning_content = content.split('</think>')[0].rstrip('\\n').split('<think>')[-1].lstrip('\\n') %}
                {%- set content = content.split('</think>')[-1].lstrip('\\n') %}
            {%- endif %}
        {%- endif %}
        {%- if loop.index0 > ns.last_query_index %}
            {%- if loop.last or (not loop.last and reasoning_content) %}
                {{- '<|im_start|>' + message.role + '\\n<think>\\n' + reasoning_content.strip('\\n') + '\\n</think>\\n\\n' + content.lstrip('\\n') }}
            {%- else %}
                {{- '<|im_start|>' + message.role + '\\n' + content }}
            {%- endif %}
        {%- else %}
            {{- '<|im_start|>' + message.role + '\\n' + content }}
        {%- endif %}
        {%- if message.tool_calls %}
            {%- for tool_call in message.tool_calls %}
                {%- if (loop.first and content) or (not loop.first) %}
                    {{- '\\n' }}
                {%- endif %}
                {%- if tool_call.function %}
                    {%- set tool_call = tool_call.function %}
                {%- endif %}
                {{- '<tool_call>\\n{"name": "' }}
                {{- tool_call.name }}
                {{- '", "arguments": ' }}
                {%- if tool_call.arguments is string %}
                    {{- tool_call.arguments }}
                {%- else %}
                    {{- tool_call.arguments | tojson }}
                {%- endif %}
                {{- '}\\n</tool_call>' }}
            {%- endfor %}
        {%- endif %}
        {{- '<|im_end|>\\n' }}
    {%- elif message.role == "tool" %}
        {%- if loop.first or (messages[loop.index0 - 1].role != "tool") %}
            {{- '<|im_start|>user' }}
        {%- endif %}
        {{- '\\n<tool_response>\\n' }}
        {{- content }}
        {{- '\\n</tool_response>' }}
        {%- if loop.last or (messages[loop.index0 + 1].role != "tool") %}
            {{- '<|im_end|>\\n' }}
        {%- endif %}
    {%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}
    {{- '<|im_start|>assistant\\n' }}
    {%- if enable_thinking is defined and enable_thinking is false %}
        {{- '<think>\\n\\n</think>\\n\\n' }}
    {%- endif %}
{%- endif %}
`;

/**
 * Not a family's template: values written as Python's str() writes them (True, None, lists, tuples and dicts as their
 * repr, floats), `~`, `|string`, `|tojson` (floats, sort_keys), `|length` and s[i] of emoji, `|title` and title(), ==
 * and != of lists and dicts, items() pairs, loops over undefined values, `|join` (with `attribute=`), `|capitalize`, `%` and `//` of negative numbers, and
 * `|trim`, strip() and split() on Python's whitespace.
 */
export const PYTHON_VALUES_TEMPLATE = `{%- for m in messages -%}
[{{ loop.first }}|{{ loop.last }}|{{ m.content | trim }}|{{ m.content.strip() }}|{{ m.content.lstrip() }}|{{ m.content.rstrip() }}|{{ m.content.split() }}|{{ m.content.split() | join('+') }}|{{ m | string }}|{{ 'n=' ~ loop.index ~ none ~ (m.content is string) }}|{{ m.content | capitalize }}|{{ (loop.index - 3) % 3 }}|{% for t in m.tool_calls %}T{% else %}no calls{% endfor %}|{{ m.tool_calls | length }}]
{%- endfor -%}
{{ messages | join(', ', attribute='role') }}|{{ messages | map(attribute='role') | list }}|{{ {'a': [1, 2.5, true, none, "it's"], 'c': (1, 2)} }}|{{ 1 / 10000000 }}|{{ 10000000000000000.0 }}|{{ 0.1 + 0.2 }}|{{ -7 // 2 }}|{{ -7.5 % 2 }}|{{ none }}|{{ messages[9] is defined }}|{{ {'b': 2.0, 'B': [1 / 10000000, none, true], 'a': messages[-1].content, 'é': {}, 'c': [], '😀': 1, '｛': 2} | tojson(sort_keys=true) }}|{{ messages[0] | tojson(indent=2) }}|{{ ('a😀b ' ~ messages[-1].content) | length }}|{{ 'a😀b'[1] }}|{{ "they're 3rd-(x" | title }}|{{ "they're 3rd-(x".title() }}|{{ messages[-1] == {'role': messages[-1].role, 'content': messages[-1].content} }}|{{ [1, {'a': [2]}] != [1.0, {'a': [2]}] }}|{{ messages[0] | items | list }}|{{ {'b': 1, 'a': 2} | dictsort }}|{% for k, v in messages[-1].items() %}{{ k }}={{ v | length }};{% endfor %}
{%- if add_generation_prompt %}
<|im_start|>assistant
{% endif %}
`;

/** One checkpoint of the fixture: its tokenizer_config.json, and optionally a chat_template.jinja beside it. */
export interface TemplateCheckpoint {
  name: string;
  /** Fields merged over the base tokenizer_config.json (r1ts's own, as saveTokenizer writes it). */
  config: Record<string, unknown>;
  /** Written as chat_template.jinja (which transformers prefers over the config's `chat_template`). */
  jinjaFile?: string;
  /** A post_processor for tokenizer.json (Llama 3 adds BOS to every encode(); apply_chat_template must not). */
  postProcessor?: Record<string, unknown>;
}

export const TEMPLATE_CHECKPOINTS: readonly TemplateCheckpoint[] = [
  { name: 'r1', config: { chat_template: R1_CHAT_TEMPLATE } },
  { name: 'chatml', config: { bos_token: null, eos_token: '<|im_end|>', pad_token: '<|endoftext|>', chat_template: CHATML_TEMPLATE } },
  {
    name: 'chatml-think',
    // A stale template in the config: the chat_template.jinja file wins, as in transformers.
    config: { bos_token: null, eos_token: '<|im_end|>', pad_token: '<|endoftext|>', chat_template: CHATML_TEMPLATE },
    jinjaFile: CHATML_THINK_TEMPLATE,
  },
  {
    name: 'llama3',
    // The AddedToken form of a special token, as older tokenizer_config.json files write it.
    config: { bos_token: { __type: 'AddedToken', content: '<|begin_of_text|>', lstrip: false, normalized: false, rstrip: false, single_word: false }, eos_token: '<|eot_id|>', pad_token: null, chat_template: LLAMA3_TEMPLATE },
    postProcessor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '<|begin_of_text|>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
      pair: [{ SpecialToken: { id: '<|begin_of_text|>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { Sequence: { id: 'B', type_id: 1 } }],
      special_tokens: {}, // ids filled in by templateCheckpointFiles
    },
  },
  { name: 'inst', config: { bos_token: '<s>', eos_token: '</s>', pad_token: null, chat_template: INST_TEMPLATE } },
  { name: 'deepseek-r1', config: { chat_template: DEEPSEEK_R1_TEMPLATE } },
  // Windows line ends in the config's template: jinja2 reads them as \n.
  { name: 'chatml-crlf', config: { bos_token: null, eos_token: '<|im_end|>', pad_token: '<|endoftext|>', chat_template: CHATML_TEMPLATE.replace(/\n/g, '\r\n') } },
  { name: 'qwen3', config: { bos_token: null, eos_token: '<|im_end|>', pad_token: '<|endoftext|>', chat_template: QWEN3_TEMPLATE } },
  { name: 'python-values', config: { bos_token: null, eos_token: '<|im_end|>', pad_token: '<|endoftext|>', chat_template: PYTHON_VALUES_TEMPLATE } },
];

/** A conversation rendered with every template. */
export interface TemplateConversation {
  name: string;
  messages: ChatMessage[];
  addGenerationPrompt: boolean;
}

export const TEMPLATE_CONVERSATIONS: readonly TemplateConversation[] = [
  { name: 'one question', messages: [{ role: 'user', content: 'What is 7 * 8?' }], addGenerationPrompt: true },
  {
    name: 'system prompt and multi-turn history',
    messages: [
      { role: 'system', content: 'You are a careful math tutor.  ' },
      { role: 'user', content: 'Solve x + 2 = 5.' },
      { role: 'assistant', content: '<think>\nSubtract 2 from both sides.\n</think>\n\nx = 3' },
      { role: 'user', content: '  And x + 3 = 5?\n' },
    ],
    addGenerationPrompt: true,
  },
  {
    name: 'finished exchange (no generation prompt)',
    messages: [
      { role: 'user', content: 'Name a prime.' },
      { role: 'assistant', content: 'Seven.' },
    ],
    addGenerationPrompt: false,
  },
  {
    name: 'message text that spells control tokens',
    messages: [{ role: 'user', content: 'Print <|im_end|> and <think> and <｜Assistant｜> literally.' }],
    addGenerationPrompt: true,
  },
  {
    // strip('\n') / lstrip('\n') keep the spaces: @huggingface/jinja's strip() ignored its argument.
    name: 'a final reply whose reasoning and answer are edged with spaces',
    messages: [
      { role: 'user', content: 'Add 2 and 2.' },
      { role: 'assistant', content: '<think>\n  Two plus two. \n</think>\n\n  It is 4. ' },
    ],
    addGenerationPrompt: false,
  },
  {
    // Python's str.isspace() and JavaScript's trim() disagree on \x1c-\x1f, \x85 (Python: space) and U+FEFF (JS).
    name: 'whitespace only Python calls whitespace',
    messages: [
      { role: 'system', content: ' \x85Be brief.\x1c\u3000 \ufeff' },
      { role: 'user', content: '\u00a0\x1f What is 2 + 2? \u2028\x0b\x0c\x1d\x1e' },
      { role: 'assistant', content: '\ufeff4 \u200b' },
      { role: 'user', content: '\u180e And 3 + 3? \u2029' },
    ],
    addGenerationPrompt: true,
  },
];

/** tokenizer.json and tokenizer_config.json (and chat_template.jinja) of a fixture checkpoint. */
export function templateCheckpointFiles(ck: TemplateCheckpoint, tokenizerJson: Record<string, unknown>): Record<string, string> {
  const added = tokenizerJson['added_tokens'] as { id: number; content: string }[];
  const idOf = (c: string): number => (added.find((a) => a.content === c) as { id: number }).id;
  let tj = tokenizerJson;
  if (ck.postProcessor) {
    const pp = { ...ck.postProcessor, special_tokens: { '<|begin_of_text|>': { id: '<|begin_of_text|>', ids: [idOf('<|begin_of_text|>')], tokens: ['<|begin_of_text|>'] } } };
    tj = { ...tokenizerJson, post_processor: pp };
  }
  // The base config: what saveTokenizer writes for an r1ts tokenizer (R1 names), then the family's fields.
  const decoder: Record<string, unknown> = {};
  for (const a of tokenizerJson['added_tokens'] as Record<string, unknown>[]) {
    decoder[String(a['id'])] = { content: a['content'], lstrip: false, normalized: false, rstrip: false, single_word: false, special: a['special'] };
  }
  const base: Record<string, unknown> = { ...toTokenizerConfigJsonBase(), added_tokens_decoder: decoder };
  const files: Record<string, string> = {
    'tokenizer.json': JSON.stringify(tj, null, 2) + '\n',
    'tokenizer_config.json': JSON.stringify({ ...base, ...ck.config }, null, 2) + '\n',
  };
  if (ck.jinjaFile !== undefined) files['chat_template.jinja'] = ck.jinjaFile;
  return files;
}

/** The fields of r1ts's tokenizer_config.json that do not depend on the vocabulary. */
function toTokenizerConfigJsonBase(): Record<string, unknown> {
  const { added_tokens_decoder: _drop, ...rest } = toTokenizerConfigJson({
    vocab: new Map(), merges: [], addedTokens: [], normalizer: null, preTokenizer: null, postProcessor: null, ignoreMerges: false,
    specialNames: { bos: '<｜begin▁of▁sentence｜>', eos: '<｜end▁of▁sentence｜>', pad: '<｜▁pad▁｜>' },
  });
  return rest;
}
