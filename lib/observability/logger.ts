// Structured JSON logs (Powertools Logger). Only ids and codes are logged, never names, phones or emails.
import { Logger } from "@aws-lambda-powertools/logger";

export const logger = new Logger({ serviceName: "ax-channel-adapter" });
