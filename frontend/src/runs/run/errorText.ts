// A query's error as a sentence. The query client's middleware throws the ApiError every call
// throws (query.ts), though openapi-react-query types the error as the response body.
export function errorText(e: unknown): string {
  if (e instanceof Error) return e.message;
  const detail = (e as { detail?: unknown } | null)?.detail;
  return typeof detail === "string" ? detail : String(e);
}
