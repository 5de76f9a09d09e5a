// Original file: protos/shop.proto

export interface GetStockRequest {
  productId?: string;
}

export interface GetStockRequest__Output {
  productId: string;
}
