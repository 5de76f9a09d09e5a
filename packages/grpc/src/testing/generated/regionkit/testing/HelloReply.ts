// Original file: protos/greeter.proto

export interface HelloReply {
  message?: string;
  region?: string;
}

export interface HelloReply__Output {
  message: string;
  region: string;
}
