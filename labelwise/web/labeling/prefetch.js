// Warm the browser's cache with a task's media (the task leased one ahead), so that after Enter the next
// task paints with its image or sound already here. Video is streamed, not worth a whole download. Of a
// point cloud, the decoded points of its first frame, held in memory for the viewer (point-data.js).

import { mediaOf, safeMediaUrl } from "./util.js";
import { framesOf, loadPoints, pointsUrl } from "./objects/point-data.js";

const KINDS = { image: "image", pdf: "image", audio: "audio" };
const REMEMBERED = 64;

export class MediaPrefetcher {
  constructor() {
    this.fetched = new Set(); // URLs already in the cache (or on their way)
  }

  warmTask(schema, task) {
    for (const [name, spec] of Object.entries((schema && schema.objects) || {})) {
      const kind = KINDS[spec.type];
      const value = ((task && task.data) || {})[spec.field || name];
      if (spec.type === "pointcloud" && value != null) {
        const url = pointsUrl(framesOf(value)[0]?.src);
        if (url) loadPoints(url).catch(() => {});
        continue;
      }
      if (!kind || value == null) continue;
      // a PDF document renders through the server's page route (which stores a copy of a PDF given by URL);
      // only an <Image valueList>'s list of page images is worth warming
      if (spec.type === "pdf" && !Array.isArray(value)) continue;
      for (const media of Array.isArray(value) ? value.map(mediaOf) : [mediaOf(value)]) {
        this.warm(safeMediaUrl(media.src, kind), kind);
      }
    }
  }

  warm(url, kind) {
    if (!url || url.startsWith("data:") || url.startsWith("blob:") || this.fetched.has(url)) return;
    this.fetched.add(url);
    if (this.fetched.size > REMEMBERED) this.fetched.delete(this.fetched.values().next().value);
    if (kind === "image") {
      const image = new Image();
      image.decoding = "async";
      image.src = url;
    } else if (new URL(url, window.location.href).origin === window.location.origin) {
      fetch(url, { credentials: "same-origin" }).then((r) => r.blob()).catch(() => {});
    }
  }
}
