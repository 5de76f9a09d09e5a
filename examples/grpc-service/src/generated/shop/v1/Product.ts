// Original file: protos/shop.proto

export interface Product {
  id?: string;
  name?: string;
  inStock?: number;
  catalogRegion?: string;
  inventoryRegion?: string;
}

export interface Product__Output {
  id: string;
  name: string;
  inStock: number;
  catalogRegion: string;
  inventoryRegion: string;
}
