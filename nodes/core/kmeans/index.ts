export * from './random';
export * from './kmeans';
export * from './scaling';
export * from './silhouette';
export * from './labels';
export * from './cluster';
export { CHUNK } from './kernels';
export { poolInfo, shutdownPool } from './pool';
