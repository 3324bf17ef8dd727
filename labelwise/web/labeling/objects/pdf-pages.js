// Pages of a pdf object: a stored PDF `{src, pages, page_sizes}` rendered by the server on demand
// (`<src>/pages/<n>.png?scale=`), or the older list of page images. Page coordinates of a stored PDF
// are PDF points, whatever the zoom a page was rendered at; the viewer asks for a sharper rendering
// when it zooms in. The thumbnail strip loads its small renderings lazily, so a 300-page document
// costs only the thumbnails in view.

import { el, mediaOf, safeMediaUrl } from "../util.js";

const THUMB_SCALE = 0.25;
const STEPS = [0.5, 1, 1.5, 2, 3, 4];

export function isStoredPdf(value) {
  return !!value && typeof value === "object" && !Array.isArray(value) && Number(value.pages) > 0 && typeof value.src === "string";
}

// A PDF given by reference (a URL or s3:// path ending in .pdf, as Label Studio's <Pdf value="$pdf"> tasks
// hold it): the server fetches and stores it, then its pages render like an uploaded one's.
export function isPdfReference(value) {
  const src = typeof value === "string" ? value
    : (value && typeof value === "object" && !Array.isArray(value) && value.pages == null ? value.src : null);
  return typeof src === "string" && src.trim().split(/[?#]/)[0].toLowerCase().endsWith(".pdf");
}

// One {src, width, height, scale} per page; a stored PDF's src is filled in per render scale.
export function pagesOf(value) {
  if (isStoredPdf(value)) {
    const sizes = Array.isArray(value.page_sizes) ? value.page_sizes : [];
    return Array.from({ length: Number(value.pages) }, (_, i) => {
      const [width, height] = Array.isArray(sizes[i]) ? sizes[i] : [612, 792];
      return { document: value.src, index: i, width, height };
    });
  }
  return Array.isArray(value) ? value.map(mediaOf) : [];
}

export function pageUrl(page, scale) {
  if (!page.document) return page.src;
  return `${page.document}/pages/${page.index + 1}.png?scale=${scale}`;
}

// The render scale for `pixelsPerPoint` screen pixels per page point: the next step up, so zooming
// in a little does not ask for a new image each time.
export function renderScale(pixelsPerPoint) {
  const want = pixelsPerPoint * (window.devicePixelRatio || 1);
  return STEPS.find((step) => step >= want) ?? STEPS[STEPS.length - 1];
}

export class ThumbStrip {
  constructor(pages, onPick) {
    this.items = pages.map((page, i) => {
      const url = safeMediaUrl(pageUrl(page, THUMB_SCALE), "image");
      const img = el("img", { alt: `page ${i + 1}`, loading: "lazy", decoding: "async" });
      if (url) img.src = url;
      return el("button", { type: "button", class: "lw-thumb", "aria-label": `page ${i + 1}`, onclick: () => onPick(i) },
        img, el("span", { text: String(i + 1) }));
    });
    this.el = el("div", { class: "lw-thumbs", role: "navigation", "aria-label": "pages" }, ...this.items);
  }

  show(index) {
    this.items.forEach((item, i) => item.classList.toggle("lw-thumb-current", i === index));
    const current = this.items[index];
    if (current) {
      current.setAttribute("aria-current", "page");
      current.scrollIntoView?.({ block: "nearest", inline: "nearest" });
    }
    this.items.forEach((item, i) => { if (i !== index) item.removeAttribute("aria-current"); });
  }
}
