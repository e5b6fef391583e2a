// A ByteRecorder that keeps what it is given, so tests can check that every byte and every line
// event reached the recorder seam (the real recorder is the session service's).
import type { BoardLoaded } from '../../electron/common/contract';
import type { ByteRecorder, LineMarkerKind, RecorderConnectionInfo } from '../../electron/services/recorder';

export class RecorderProbe implements ByteRecorder {
  rxBytes: number[] = [];
  txBytes: number[] = [];
  markers: { kind: LineMarkerKind; detail?: string }[] = [];
  begun: RecorderConnectionInfo[] = [];
  ended = 0;
  boards: BoardLoaded[] = [];

  begin(_id: string, info: RecorderConnectionInfo): string {
    this.begun.push(info);
    return `session-${this.begun.length}`;
  }
  rx(_id: string, bytes: Uint8Array): void {
    this.rxBytes.push(...bytes);
  }
  tx(_id: string, bytes: Uint8Array): void {
    this.txBytes.push(...bytes);
  }
  marker(_id: string, kind: LineMarkerKind, _t: number, detail?: string): void {
    this.markers.push(detail === undefined ? { kind } : { kind, detail });
  }
  end(): void {
    this.ended++;
  }
  board(b: BoardLoaded): void {
    this.boards.push(b);
  }
  rxText(): string {
    return Buffer.from(this.rxBytes).toString('latin1');
  }
}
