// stdout and stderr for the bin without node's stream machinery when they
// are a pipe, socket or file: building process.stdout loads node:stream (and
// node:net for a pipe), several milliseconds of every command's start-up.
// Such a descriptor is written with fs.writeSync, which is what node's own
// stream does on Linux (pipes and files are synchronous there). A terminal,
// or a descriptor that turns out to be non-blocking (EAGAIN: shared with
// another process), goes through node's stream from then on, so nothing is
// lost and order is kept.
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';

/** The part of a writable stream the commands use (see Streams in io.ts). */
export interface StdioWriter extends NodeJS.WritableStream {
  isTTY?: boolean;
  columns?: number;
  destroyed?: boolean;
}

const FORWARDED = ['error', 'drain', 'close', 'finish'] as const;

/** True for a descriptor written synchronously here: a pipe, a socket or a regular file. */
function directKind(fd: number): boolean {
  try {
    const st = fs.fstatSync(fd);
    return st.isFIFO() || st.isSocket() || st.isFile();
  } catch {
    return false; // closed or unknown: node's stream says what is wrong when written
  }
}

class FdWriter extends EventEmitter {
  readonly isTTY = false;
  readonly columns = undefined;
  destroyed = false;
  private stream: NodeJS.WriteStream | null = null;
  private get emitter(): EventEmitter | null {
    return this.stream;
  }

  constructor(
    private readonly fd: number,
    private readonly nodeStream: () => NodeJS.WriteStream,
  ) {
    super();
  }

  /** Hands every later write, and the listeners so far, to node's stream. */
  private delegate(): NodeJS.WriteStream {
    if (this.stream === null) {
      const s = this.nodeStream();
      for (const event of FORWARDED) for (const l of this.listeners(event)) s.on(event, l as (...a: unknown[]) => void);
      this.stream = s;
    }
    return this.stream;
  }

  override on(event: string | symbol, listener: (...args: unknown[]) => void): this {
    super.on(event, listener);
    this.emitter?.on(event, listener);
    return this;
  }

  override off(event: string | symbol, listener: (...args: unknown[]) => void): this {
    super.off(event, listener);
    this.emitter?.off(event, listener);
    return this;
  }

  write(chunk: string | Uint8Array, encodingOrCb?: BufferEncoding | ((err?: Error | null) => void), cb?: (err?: Error | null) => void): boolean {
    const done = typeof encodingOrCb === 'function' ? encodingOrCb : cb;
    if (this.stream !== null) return done ? this.stream.write(chunk, done) : this.stream.write(chunk);
    if (this.destroyed) {
      const err = Object.assign(new Error('write after the stream was closed'), { code: 'ERR_STREAM_DESTROYED' });
      // As node's stream does: the error went out once; later writes get one in their callback.
      if (done) process.nextTick(done, err);
      return false;
    }
    const buf = typeof chunk === 'string' ? Buffer.from(chunk, typeof encodingOrCb === 'string' ? encodingOrCb : 'utf8') : chunk;
    let off = 0;
    try {
      while (off < buf.length) off += fs.writeSync(this.fd, buf, off, buf.length - off);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EAGAIN') {
        const rest = buf.subarray(off);
        return done ? this.delegate().write(rest, done) : this.delegate().write(rest);
      }
      // As node's stream does: the error is emitted (EPIPE: the reader went away), not thrown.
      this.destroyed = true;
      process.nextTick(() => {
        done?.(e as Error);
        this.emit('error', e);
        this.emit('close');
      });
      return false;
    }
    if (done) process.nextTick(done);
    return true;
  }
}

/**
 * The bin's stdout (fd 1) or stderr (fd 2): written directly when it is a
 * pipe, socket or file; node's process stream (made on first use) otherwise.
 */
export function stdioWriter(fd: 1 | 2): StdioWriter {
  const nodeStream = () => (fd === 1 ? process.stdout : process.stderr);
  if (!directKind(fd)) return nodeStream();
  return new FdWriter(fd, nodeStream) as unknown as StdioWriter;
}
