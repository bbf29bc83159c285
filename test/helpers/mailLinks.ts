/** The links of a mail's HTML part, as a mail client follows them (attribute escaping undone). */
const ENTITIES: Record<string, string> = { "&amp;": "&", "&quot;": '"', "&lt;": "<", "&gt;": ">", "&#39;": "'", "&#96;": "`" };

export function hrefs(html: string): string[] {
  return [...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1]!.replace(/&(amp|quot|lt|gt|#39|#96);/g, (e) => ENTITIES[e]!));
}

/** The URLs a text client would make clickable. */
export function textUrls(text: string): string[] {
  return text.match(/https?:\/\/\S+/g) ?? [];
}
