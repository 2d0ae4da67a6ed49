import { closeSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tryLock, unlock } from 'fs-native-extensions';

/**
 * Who owns a data directory, decided by the kernel rather than by a pid in a file: the owner
 * holds an exclusive lock on `owner.lock` for as long as it runs. On Linux this is an
 * open-file-description lock (fcntl F_OFD_SETLK, through the prebuilt `fs-native-extensions`),
 * which the kernel drops when the holder's last descriptor closes — when it exits or is
 * SIGKILLed, before it is even reaped — and which no other process can inherit (the descriptor
 * is close-on-exec, so the postmaster we spawn does not hold it). A stale pid, a zombie, or a pid
 * since reused by an unrelated process therefore never blocks a start. `owner.pid` is kept only
 * to name the holder in the refusal.
 */
export class DataDirLock {
  private constructor(
    private readonly fd: number,
    private readonly pidFile: string,
  ) {}

  /** The lock, or the pid recorded by the process that holds it. */
  static acquire(lockFile: string, pidFile: string): DataDirLock | { heldBy: number | undefined } {
    const fd = openSync(lockFile, 'a+', 0o600);
    if (!tryLock(fd)) {
      closeSync(fd);
      const recorded = Number(safeRead(pidFile)?.trim());
      return { heldBy: Number.isInteger(recorded) && recorded > 0 ? recorded : undefined };
    }
    writeFileSync(pidFile, `${process.pid}\n`);
    return new DataDirLock(fd, pidFile);
  }

  /** Who holds the lock now, without taking it: `undefined` when nobody does. */
  static holder(lockFile: string, pidFile: string): { heldBy: number | undefined } | undefined {
    const fd = openSync(lockFile, 'a+', 0o600);
    try {
      if (tryLock(fd)) {
        unlock(fd);
        return undefined;
      }
      const recorded = Number(safeRead(pidFile)?.trim());
      return { heldBy: Number.isInteger(recorded) && recorded > 0 ? recorded : undefined };
    } finally {
      closeSync(fd);
    }
  }

  release(): void {
    rmSync(this.pidFile, { force: true });
    unlock(this.fd);
    closeSync(this.fd);
  }
}

function safeRead(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}
