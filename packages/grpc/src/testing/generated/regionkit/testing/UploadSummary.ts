// Original file: protos/greeter.proto

export interface UploadSummary {
  count?: number;
  region?: string;
}

export interface UploadSummary__Output {
  count: number;
  region: string;
}
