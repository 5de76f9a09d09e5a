// Original file: protos/shop.proto

export interface Stock {
  count?: number;
  region?: string;
}

export interface Stock__Output {
  count: number;
  region: string;
}
