// The one way the UI talks to the server: JSON over fetch with the session cookie, or with a bearer
// token once useToken() set one (a crowd worker's page, which marketplaces may show in a frame where
// the strict session cookie is not sent).
// Every failure becomes an ApiError whose message is the server's words (or a plain network message).

export class ApiError extends Error {
  constructor(message, { status = 0, field = null, body = null } = {}) {
    super(message);
    this.status = status;
    this.field = field;
    this.body = body;
  }
  get isNetwork() { return this.status === 0; }
}

let bearer = null;

export function useToken(token) { bearer = token; }

export async function api(path, { method = "GET", body, headers = {}, raw = false, signal } = {}) {
  const init = { method, headers: { ...headers }, credentials: "same-origin", signal };
  if (bearer) init.headers.authorization = `Bearer ${bearer}`;
  if (body !== undefined) {
    if (typeof body === "string" || body instanceof Blob || body instanceof ArrayBuffer || body instanceof FormData) {
      init.body = body;
    } else {
      init.body = JSON.stringify(body);
      init.headers["content-type"] = "application/json";
    }
  }
  let response;
  try {
    response = await fetch(`/api/v1${path}`, init);
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new ApiError("Cannot reach the server. Check your connection; your work is kept and you can retry.");
  }
  if (response.status === 204) return null;
  if (raw && response.ok) return response;
  const text = await response.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = null; }
  if (!response.ok) {
    const message = (data && (data.message || data.detail)) || `${response.status} ${response.statusText}`;
    throw new ApiError(message, { status: response.status, field: data && data.field, body: data });
  }
  return data;
}
