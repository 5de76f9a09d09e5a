// Original file: protos/greeter.proto

export interface OrderRequest {
  item?: string;
}

export interface OrderRequest__Output {
  item: string;
}
