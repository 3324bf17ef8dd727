// A safe Markdown subset built with DOM nodes only: headings, paragraphs, lists, block quotes,
// fenced and inline code, bold, italic, and links whose URL is http(s). Raw HTML stays literal text.
import { h, safeHttpUrl } from "./dom.js";

const INLINE = [
  { name: "code", re: /`([^`]+)`/ },
  { name: "link", re: /\[([^\]]+)\]\(\s*([^)\s]+)\s*\)/ },
  { name: "strong", re: /\*\*(?=\S)([\s\S]+?)\*\*|__(?=\S)([\s\S]+?)__/ },
  { name: "em", re: /\*(?=\S)([^*]+?)\*|\b_(?=\S)([^_]+?)_\b/ },
];

/** Inline Markdown into a list of nodes. */
export function renderInline(text) {
  const out = [];
  let rest = text;
  while (rest) {
    let best = null;
    for (const rule of INLINE) {
      const m = rule.re.exec(rest);
      if (m && (best === null || m.index < best.m.index)) best = { rule, m };
    }
    if (!best) { out.push(document.createTextNode(rest)); break; }
    const { rule, m } = best;
    if (m.index > 0) out.push(document.createTextNode(rest.slice(0, m.index)));
    if (rule.name === "code") out.push(h("code", null, m[1]));
    else if (rule.name === "link") {
      const href = safeHttpUrl(m[2]);
      out.push(href ? h("a", { href, rel: "noopener noreferrer nofollow", target: "_blank" }, renderInline(m[1]))
        : h("span", null, renderInline(m[1])));
    } else out.push(h(rule.name, null, renderInline(m[1] ?? m[2])));
    rest = rest.slice(m.index + m[0].length);
  }
  return out;
}

/** Markdown text into a <div class="markdown">. */
export function renderMarkdown(source) {
  const root = h("div", { class: "markdown" });
  const lines = String(source || "").replace(/\r\n?/g, "\n").split("\n");
  let i = 0;
  let paragraph = [];
  const flush = () => {
    if (paragraph.length) root.append(h("p", null, renderInline(paragraph.join(" "))));
    paragraph = [];
  };
  while (i < lines.length) {
    const line = lines[i];
    let m;
    if (/^\s*```/.test(line)) {
      flush();
      const body = [];
      i += 1;
      while (i < lines.length && !/^\s*```/.test(lines[i])) body.push(lines[i++]);
      i += 1;
      root.append(h("pre", null, h("code", null, body.join("\n"))));
      continue;
    }
    if ((m = /^(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line))) {
      flush();
      // Guideline headings sit below the page's own h1.
      const level = Math.min(6, m[1].length + 1);
      root.append(h(`h${level}`, null, renderInline(m[2])));
      i += 1;
      continue;
    }
    if (/^\s*([-*_])(\s*\1){2,}\s*$/.test(line)) { flush(); root.append(h("hr")); i += 1; continue; }
    if (/^\s*>/.test(line)) {
      flush();
      const body = [];
      while (i < lines.length && /^\s*>/.test(lines[i])) body.push(lines[i++].replace(/^\s*>\s?/, ""));
      const quote = renderMarkdown(body.join("\n"));
      root.append(h("blockquote", null, [...quote.childNodes]));
      continue;
    }
    const listItem = /^\s*([-*+]|\d+[.)])\s+(.*)$/;
    if ((m = listItem.exec(line))) {
      flush();
      const ordered = /\d/.test(m[1]);
      const list = h(ordered ? "ol" : "ul");
      while (i < lines.length && (m = listItem.exec(lines[i])) && /\d/.test(m[1]) === ordered) {
        let text = m[2];
        i += 1;
        while (i < lines.length && /^\s{2,}\S/.test(lines[i]) && !listItem.test(lines[i])) text += ` ${lines[i++].trim()}`;
        list.append(h("li", null, renderInline(text)));
      }
      root.append(list);
      continue;
    }
    if (!line.trim()) { flush(); i += 1; continue; }
    paragraph.push(line.trim());
    i += 1;
  }
  flush();
  return root;
}
