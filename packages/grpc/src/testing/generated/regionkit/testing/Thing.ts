// Original file: protos/greeter.proto

export interface Thing {
  index?: number;
  region?: string;
}

export interface Thing__Output {
  index: number;
  region: string;
}
