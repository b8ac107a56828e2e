// `npm run dynamodb:fetch`: download DynamoDB Local into .cache/ ahead of time (tests and `npm start` do it on demand).
import "../quiet-node20";
import { ensureEmulator } from "./emulator";

console.log(`DynamoDB Local is in ${ensureEmulator((line) => console.log(line))}`);
