export * from './btf';
export * from './vmlinux';
