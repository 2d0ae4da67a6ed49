// The part of fs-native-extensions (prebuilt, no install script) that we use; it ships no types.
declare module 'fs-native-extensions' {
  /** An exclusive (or shared) open-file-description lock; false when another holder has it. */
  export function tryLock(fd: number, options?: { shared?: boolean }): boolean;
  export function unlock(fd: number): void;
}
