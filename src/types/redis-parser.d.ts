declare module 'redis-parser' {
  interface ParserOptions {
    returnReply: (reply: unknown) => void;
    returnError: (err: Error) => void;
    returnFatalError?: (err: Error) => void;
    returnBuffers?: boolean;
    stringNumbers?: boolean;
  }
  class RedisParser {
    constructor(options: ParserOptions);
    execute(buffer: Buffer): void;
    reset(): void;
  }
  export default RedisParser;
}
