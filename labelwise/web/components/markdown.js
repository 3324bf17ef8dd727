// The one Markdown renderer of the UI (guidelines, descriptions, previews): marked (CommonMark and
// GFM) parses, DOMPurify sanitises what it produced. Raw HTML in the source is shown as text, links
// and images keep only http(s), mailto or same-site URLs, and links open in a new tab.
import { Marked } from "/static/vendor/marked/marked.esm.js";
import DOMPurify from "/static/vendor/dompurify/purify.es.js";

const escapeHtml = (text) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

const marked = new Marked({
  gfm: true,
  breaks: false,
  renderer: {
    // Raw HTML blocks and inline tags are text here, never markup.
    html({ text }) { return escapeHtml(text); },
    // Guideline headings sit below the page's own h1.
    heading({ tokens, depth }) { const level = Math.min(6, depth + 1); return `<h${level}>${this.parser.parseInline(tokens)}</h${level}>\n`; },
  },
});

const SAFE_URL = /^(?:https?:|mailto:|\/(?!\/)|#)/i;

const purify = DOMPurify(window);
purify.addHook("afterSanitizeAttributes", (node) => {
  for (const attr of ["href", "src"]) {
    const value = node.getAttribute && node.getAttribute(attr);
    if (value !== null && value !== undefined && !SAFE_URL.test(value.trim())) node.removeAttribute(attr);
  }
  if (node.tagName === "A" && node.hasAttribute("href")) {
    node.setAttribute("target", "_blank");
    node.setAttribute("rel", "noopener noreferrer nofollow");
  }
});

/** Markdown text into a <div class="markdown">, sanitised. */
export function renderMarkdown(source) {
  const root = document.createElement("div");
  root.className = "markdown";
  const html = marked.parse(String(source || ""), { async: false });
  root.append(purify.sanitize(html, { RETURN_DOM_FRAGMENT: true, FORBID_TAGS: ["style", "form", "input", "button"], ADD_ATTR: ["target"] }));
  // A link whose URL was dropped is plain text, not a dead link.
  for (const a of root.querySelectorAll("a:not([href])")) a.replaceWith(...a.childNodes);
  return root;
}
