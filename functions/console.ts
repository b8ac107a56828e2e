// /console: the operators' web console, static assets bundled into this function (no bucket, no CDN).
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import assets from "../console/dist/assets.json";
import { createConsoleHandler } from "../lib/console/serve";

const serve = createConsoleHandler(assets);

export const handler = (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => serve(event);
