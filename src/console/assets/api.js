// The keyed API. The function key the page was opened with (?code=) goes in the x-functions-key
// header; it never enters links to other sites (the page sends no referrer).

const key = new URLSearchParams(location.search).get("code") ?? "";
const API = new URL("./", location.href); // .../api/

export class ApiError extends Error {
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}
export async function api(path, query = {}) {
  const url = new URL(path, API);
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== "") url.searchParams.set(k, String(v));
  const response = await fetch(url, { headers: { "x-functions-key": key, accept: "application/json" } });
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    const detail = body && typeof body.detail === "string" ? body.detail : response.statusText;
    throw new ApiError(response.status === 401 ? "The function key is missing or wrong: open the URL that `aks-audit serve` printed." : `${response.status}: ${detail}`, response.status);
  }
  return { body, response };
}

