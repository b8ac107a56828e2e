// Vitest global setup: one DynamoDB Local for the integration and end-to-end tests, stopped after.
import type { TestProject } from "vitest/node";
import { JavaMissingError, startDynamoDbLocal } from "../../local/dynamodb/emulator";

declare module "vitest" {
  export interface ProvidedContext {
    dynamodbEndpoint: string;
  }
}

export default async function setup(project: TestProject) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
  let dynamodb;
  try {
    dynamodb = await startDynamoDbLocal({ log: (line) => console.log(line) });
  } catch (error) {
    // One clear line, not an unhandled error with a stack: nothing else can run without DynamoDB Local.
    if (error instanceof JavaMissingError) {
      console.error(`\n${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  console.log(`DynamoDB Local (Amazon's jar) listening on ${dynamodb.endpoint}`);
  project.provide("dynamodbEndpoint", dynamodb.endpoint);
  return async () => {
    await dynamodb.stop();
  };
}
