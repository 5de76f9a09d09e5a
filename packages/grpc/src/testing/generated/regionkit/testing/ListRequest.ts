// Original file: protos/greeter.proto

export interface ListRequest {
  count?: number;
}

export interface ListRequest__Output {
  count: number;
}
