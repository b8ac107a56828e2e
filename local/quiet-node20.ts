// Imported first by the local entry points: the AWS SDK warns on every start that it will need Node 22 from 2027;
// Lambda runs Node 22 already, and the local tools support Node 20 on purpose.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
