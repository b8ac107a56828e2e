// GET /health: answers once the function can run; no auth, no dependencies.
import type { APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { json } from "../lib/http/responses";

export const handler = (): Promise<APIGatewayProxyStructuredResultV2> => Promise.resolve(json(200, { status: "ok" }));
