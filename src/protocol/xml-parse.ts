/**
 * A small, strict XML reader for Plivo answer documents (elements, attributes, text,
 * entities, comments, CDATA, declarations). No DTDs, no external entities, bounded size
 * and depth, so a hostile answer URL cannot make the emulator or doctor misbehave.
 */
import { XmlError } from '../errors.js';

/** One element of a parsed document. */
export interface XmlElement {
  readonly name: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly children: readonly XmlElement[];
  /** Concatenated direct text content (entities decoded, not trimmed). */
  readonly text: string;
}

/** Limits for {@link parseXml}. */
export interface ParseXmlOptions {
  maxLength?: number;
  maxDepth?: number;
}

const NAME = /[A-Za-z_:][-A-Za-z0-9_:.]*/y;

function fail(message: string, at: number): never {
  throw new XmlError('XML_PARSE_FAILED', `${message} at offset ${at}`, { details: { offset: at } });
}

function decodeEntities(text: string, at: number): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);|&/g, (m, body: string | undefined) => {
    if (body === undefined) fail('bare "&" in text', at);
    switch (body) {
      case 'amp':
        return '&';
      case 'lt':
        return '<';
      case 'gt':
        return '>';
      case 'quot':
        return '"';
      case 'apos':
        return "'";
    }
    if (body.startsWith('#')) {
      const code = body[1] === 'x' ? Number.parseInt(body.slice(2), 16) : Number.parseInt(body.slice(1), 10);
      if (!Number.isFinite(code) || code > 0x10ffff) fail(`bad character reference ${m}`, at);
      return String.fromCodePoint(code);
    }
    return fail(`unknown entity ${m.slice(0, 16)}`, at);
  });
}

interface Building {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  text: string;
}

/**
 * Parse an XML document and return its root element.
 * @throws XmlError XML_PARSE_FAILED
 */
export function parseXml(input: string, options: ParseXmlOptions = {}): XmlElement {
  const maxLength = options.maxLength ?? 1024 * 1024;
  const maxDepth = options.maxDepth ?? 64;
  if (input.length > maxLength) fail(`document of ${input.length} chars exceeds ${maxLength}`, 0);
  let i = input.charCodeAt(0) === 0xfeff ? 1 : 0;
  const stack: Building[] = [];
  let root: XmlElement | undefined;

  const readName = (): string => {
    NAME.lastIndex = i;
    const m = NAME.exec(input);
    if (m === null) fail('expected a name', i);
    i += m[0].length;
    return m[0];
  };
  const skipSpace = (): void => {
    while (i < input.length && /\s/.test(input[i] as string)) i++;
  };

  while (i < input.length) {
    const lt = input.indexOf('<', i);
    const textEnd = lt === -1 ? input.length : lt;
    if (textEnd > i) {
      const raw = input.slice(i, textEnd);
      const top = stack[stack.length - 1];
      if (top === undefined) {
        if (raw.trim() !== '') fail('text outside the root element', i);
      } else top.text += decodeEntities(raw, i);
      i = textEnd;
      continue;
    }
    if (input.startsWith('<!--', i)) {
      const end = input.indexOf('-->', i + 4);
      if (end === -1) fail('unterminated comment', i);
      i = end + 3;
    } else if (input.startsWith('<![CDATA[', i)) {
      const end = input.indexOf(']]>', i + 9);
      if (end === -1) fail('unterminated CDATA', i);
      const top = stack[stack.length - 1];
      if (top === undefined) fail('CDATA outside the root element', i);
      top.text += input.slice(i + 9, end);
      i = end + 3;
    } else if (input.startsWith('<?', i)) {
      const end = input.indexOf('?>', i + 2);
      if (end === -1) fail('unterminated declaration', i);
      i = end + 2;
    } else if (input.startsWith('<!', i)) {
      fail('DTDs and declarations are not accepted', i);
    } else if (input.startsWith('</', i)) {
      i += 2;
      const name = readName();
      skipSpace();
      if (input[i] !== '>') fail('expected ">"', i);
      i++;
      const top = stack.pop();
      if (top === undefined || top.name !== name) fail(`unexpected closing tag </${name}>`, i);
      const el: XmlElement = top;
      const parent = stack[stack.length - 1];
      if (parent === undefined) root = el;
      else parent.children.push(el);
    } else {
      i++;
      if (root !== undefined) fail('content after the root element', i);
      const name = readName();
      const attributes: Record<string, string> = Object.create(null);
      for (;;) {
        skipSpace();
        const c = input[i];
        if (c === '>' || c === '/') break;
        if (c === undefined) fail('unterminated tag', i);
        const attr = readName();
        skipSpace();
        if (input[i] !== '=') fail(`attribute ${attr} has no value`, i);
        i++;
        skipSpace();
        const q = input[i];
        if (q !== '"' && q !== "'") fail(`attribute ${attr} value is not quoted`, i);
        const end = input.indexOf(q, i + 1);
        if (end === -1) fail('unterminated attribute value', i);
        const rawValue = input.slice(i + 1, end);
        if (rawValue.includes('<')) fail(`"<" in attribute ${attr}`, i);
        if (attr in attributes) fail(`duplicate attribute ${attr}`, i);
        attributes[attr] = decodeEntities(rawValue, i);
        i = end + 1;
      }
      const el: Building = { name, attributes, children: [], text: '' };
      if (input[i] === '/') {
        if (input[i + 1] !== '>') fail('expected "/>"', i);
        i += 2;
        const parent = stack[stack.length - 1];
        if (parent === undefined) root = el;
        else parent.children.push(el);
      } else {
        i++;
        if (stack.length >= maxDepth) fail(`nesting deeper than ${maxDepth}`, i);
        stack.push(el);
      }
    }
  }
  if (stack.length > 0) fail(`unclosed element <${(stack[stack.length - 1] as Building).name}>`, i);
  if (root === undefined) fail('no root element', i);
  return root;
}
