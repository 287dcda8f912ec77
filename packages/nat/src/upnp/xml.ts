// A small strict XML reader for the two documents UPnP IGD needs (device
// description, SOAP envelopes). No DTDs, no external entities, bounded size
// and depth: a hostile LAN device gets an XmlError, never a hang or a crash.
// Namespace prefixes are dropped: UPnP documents are matched by local name.

export interface XmlElement {
  /** Local name (prefix stripped). */
  readonly name: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly children: readonly XmlElement[];
  /** Concatenated character data directly inside this element, entities decoded. */
  readonly text: string;
}

export class XmlError extends Error {
  override name = "XmlError";
}

export const XML_MAX_LENGTH = 256 * 1024;
const MAX_DEPTH = 32;

interface Building {
  name: string;
  qname: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  text: string;
}

export function parseXml(input: string): XmlElement {
  if (input.length > XML_MAX_LENGTH) throw new XmlError("document too large");
  const stack: Building[] = [];
  let root: XmlElement | undefined;
  let i = 0;
  const n = input.length;
  while (i < n) {
    const lt = input.indexOf("<", i);
    const textEnd = lt < 0 ? n : lt;
    if (textEnd > i) {
      const chunk = input.slice(i, textEnd);
      const top = stack[stack.length - 1];
      if (top) top.text += decodeEntities(chunk);
      else if (chunk.trim() !== "") throw new XmlError("text outside the root element");
    }
    if (lt < 0) break;
    if (input.startsWith("<?", lt)) {
      i = after(input, "?>", lt);
    } else if (input.startsWith("<!--", lt)) {
      i = after(input, "-->", lt);
    } else if (input.startsWith("<![CDATA[", lt)) {
      const end = after(input, "]]>", lt);
      const top = stack[stack.length - 1];
      if (!top) throw new XmlError("CDATA outside the root element");
      top.text += input.slice(lt + 9, end - 3);
      i = end;
    } else if (input.startsWith("<!", lt)) {
      throw new XmlError("DTDs are not accepted");
    } else if (input.startsWith("</", lt)) {
      const end = input.indexOf(">", lt);
      if (end < 0) throw new XmlError("unterminated end tag");
      const qname = input.slice(lt + 2, end).trim();
      const top = stack.pop();
      if (!top || top.qname !== qname) throw new XmlError(`mismatched end tag </${qname}>`);
      const el: XmlElement = { name: top.name, attributes: top.attributes, children: top.children, text: top.text };
      const parent = stack[stack.length - 1];
      if (parent) parent.children.push(el);
      else if (root) throw new XmlError("more than one root element");
      else root = el;
      i = end + 1;
    } else {
      const end = tagEnd(input, lt);
      let body = input.slice(lt + 1, end);
      const selfClosing = body.endsWith("/");
      if (selfClosing) body = body.slice(0, -1);
      const m = /^([A-Za-z_][\w.:-]*)/.exec(body);
      if (!m || m[1] === undefined) throw new XmlError("bad start tag");
      const qname = m[1];
      const el: Building = { name: localName(qname), qname, attributes: parseAttributes(body.slice(qname.length)), children: [], text: "" };
      if (root && stack.length === 0) throw new XmlError("more than one root element");
      if (selfClosing) {
        const done: XmlElement = { name: el.name, attributes: el.attributes, children: [], text: "" };
        const parent = stack[stack.length - 1];
        if (parent) parent.children.push(done);
        else root = done;
      } else {
        if (stack.length >= MAX_DEPTH) throw new XmlError("nesting too deep");
        stack.push(el);
      }
      i = end + 1;
    }
  }
  if (stack.length > 0 || root === undefined) throw new XmlError("unterminated document");
  return root;
}

/** First direct child with this local name. */
export function child(el: XmlElement, name: string): XmlElement | undefined {
  return el.children.find((c) => c.name === name);
}

export function childText(el: XmlElement, name: string): string | undefined {
  const c = child(el, name);
  return c === undefined ? undefined : c.text.trim();
}

/** All descendants (depth-first, document order) with this local name. */
export function descendants(el: XmlElement, name: string): XmlElement[] {
  const out: XmlElement[] = [];
  const walk = (e: XmlElement): void => {
    for (const c of e.children) {
      if (c.name === name) out.push(c);
      walk(c);
    }
  };
  walk(el);
  return out;
}

export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&apos;" })[c] ?? c);
}

function after(input: string, token: string, from: number): number {
  const idx = input.indexOf(token, from);
  if (idx < 0) throw new XmlError(`unterminated ${token}`);
  return idx + token.length;
}

/** Finds the ">" closing a start tag, skipping quoted attribute values. */
function tagEnd(input: string, from: number): number {
  let quote: string | undefined;
  for (let j = from + 1; j < input.length; j++) {
    const c = input[j];
    if (quote !== undefined) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === ">") return j;
    else if (c === "<") break;
  }
  throw new XmlError("unterminated start tag");
}

function parseAttributes(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /\s+([A-Za-z_][\w.:-]*)\s*=\s*("([^"]*)"|'([^']*)')/y;
  let pos = 0;
  while (pos < text.length) {
    if (text.slice(pos).trim() === "") break;
    re.lastIndex = pos;
    const m = re.exec(text);
    if (!m || m[1] === undefined) throw new XmlError("bad attribute");
    out[m[1]] = decodeEntities(m[3] ?? m[4] ?? "");
    pos = re.lastIndex;
  }
  return out;
}

function localName(qname: string): string {
  const colon = qname.indexOf(":");
  return colon < 0 ? qname : qname.slice(colon + 1);
}

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|lt|gt|amp|quot|apos);/g, (_, e: string) => {
    if (e.startsWith("#x")) return safeCodePoint(parseInt(e.slice(2), 16));
    if (e.startsWith("#")) return safeCodePoint(parseInt(e.slice(1), 10));
    return ({ lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" } as Record<string, string>)[e] ?? "";
  });
}

function safeCodePoint(cp: number): string {
  if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) throw new XmlError("bad character reference");
  return String.fromCodePoint(cp);
}
