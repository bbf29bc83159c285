/** GET /api/openapi.json — the API's OpenAPI 3 document (still behind the function key). */
import { app } from "@azure/functions";
import { openApiDocument } from "../http/openapi.js";
import { jsonResponse } from "../http/respond.js";
import { httpHandler, ROUTE_METHODS } from "./runtime.js";

export const openapi = httpHandler({ methods: ["GET"], roles: [] }, async () => jsonResponse(openApiDocument()));

app.http("openapi", { route: "openapi.json", methods: ROUTE_METHODS, authLevel: "function", handler: openapi });
