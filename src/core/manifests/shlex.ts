/** POSIX-style word splitting, as Python's shlex.split does it (no command substitution, ever). */
export interface Word {
  value: string;
  /** Offset of the word's first character in the input. */
  offset: number;
}

const PLAIN_WORD = /\S+/g;

export function shlexSplit(text: string): Word[] {
  const words: Word[] = [];
  if (!/['"\\]/.test(text)) {
    // Nothing quoted or escaped (nearly every line): words are the runs of non-space.
    for (const m of text.matchAll(PLAIN_WORD)) words.push({ value: m[0], offset: m.index });
    return words;
  }
  let i = 0;
  while (i < text.length) {
    while (i < text.length && /\s/.test(text[i])) i++;
    if (i >= text.length) break;
    const offset = i;
    let value = '';
    while (i < text.length && !/\s/.test(text[i])) {
      const c = text[i];
      if (c === "'") {
        const end = text.indexOf("'", i + 1);
        if (end < 0) throw new SplitError('no closing quotation', i);
        value += text.slice(i + 1, end);
        i = end + 1;
      } else if (c === '"') {
        i++;
        while (i < text.length && text[i] !== '"') {
          if (text[i] === '\\' && i + 1 < text.length && '"\\$`\n'.includes(text[i + 1])) i++;
          value += text[i++];
        }
        if (i >= text.length) throw new SplitError('no closing quotation', offset);
        i++;
      } else if (c === '\\' && i + 1 < text.length) {
        value += text[i + 1];
        i += 2;
      } else {
        value += c;
        i++;
      }
    }
    words.push({ value, offset });
  }
  return words;
}

export class SplitError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}
