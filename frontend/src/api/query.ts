// Server data through a client generated from the OpenAPI schema (schema.d.ts, `npm run gen:api`):
// `$api.useQuery("get", "/api/runs/{run_id}", { params: { path: { run_id } } })` is typed end to end,
// cached and shared by every component that asks for the same thing (TanStack Query), so no
// component writes a URL or a fetch-in-useEffect of its own.
import { QueryClient } from "@tanstack/react-query";
import createFetchClient, { type Middleware } from "openapi-fetch";
import createQueryHooks from "openapi-react-query";
import { apiError } from "./client";
import type { paths } from "./schema";

// A failed response becomes the same ApiError every hand-written call throws (the server's sentence,
// and a 401 reported to the sign-in gate), so error handling reads one way everywhere.
const errors: Middleware = {
  async onResponse({ request, response }) {
    if (response.ok) return undefined;
    const body = await response.clone().text();
    throw apiError(response.status, body, `${request.method} ${new URL(request.url).pathname} failed (${response.status})`);
  },
};

export const fetchClient = createFetchClient<paths>({ baseUrl: "" });
fetchClient.use(errors);

export const $api = createQueryHooks(fetchClient);

export const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      // Errors here are sentences from the server: a retry rarely changes them, and a 4xx never does.
      retry: (count, err) => {
        const status = (err as { status?: number }).status;
        return count < 2 && (status === undefined || status >= 500);
      },
      refetchOnWindowFocus: false,
      staleTime: 5_000,
    },
  },
});
