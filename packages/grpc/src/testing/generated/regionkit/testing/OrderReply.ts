// Original file: protos/greeter.proto

export interface OrderReply {
  orderId?: string;
  region?: string;
}

export interface OrderReply__Output {
  orderId: string;
  region: string;
}
