// Bundled in place of @smithy/core/event-streams (serverless.yml `custom.esbuild.alias`): the SDK loads it only for
// operations that stream events, and none of the DynamoDB or SQS operations the adapter calls does (13 KB saved).
const unused = (): never => {
  throw new Error("AWS event streams are not bundled: no operation the adapter calls uses them");
};

export const EventStreamSerde = unused;
export const eventStreamSerdeProvider = unused;
