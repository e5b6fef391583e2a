// The RFC 2217 telnet framing on its own: a stream of data (with 0xff doubled), option negotiations
// and COM-PORT subnegotiations (with 0xff inside the payload) decodes the same wherever the chunks
// split, and the encoder escapes what the decoder unescapes.
import { describe, expect, it } from 'vitest';
import { ComPort, comPortCommand, command, DO, escapeIac, IAC, OPT_COM_PORT, SB, SE, TelnetDecoder, u32be, WILL } from '../../electron/services/serial/telnet';

type Ev = ['data', number[]] | ['neg', number, number] | ['sb', number, number[]];

function decode(chunks: Uint8Array[], peerBinary = true): Ev[] {
  const out: Ev[] = [];
  const d = new TelnetDecoder({
    data: (b) => {
      const last = out.at(-1);
      if (last && last[0] === 'data') last[1].push(...b);
      else out.push(['data', [...b]]);
    },
    negotiate: (v, o) => out.push(['neg', v, o]),
    subnegotiation: (o, p) => out.push(['sb', o, [...p]]),
  });
  d.peerBinary = peerBinary;
  for (const c of chunks) d.push(c);
  return out;
}

const baudReply = comPortCommand(ComPort.SET_BAUDRATE + 100, u32be(0x0001c2ff)); // a 0xff inside the value
const stream = Uint8Array.from([
  ...Buffer.from('U-Boot\r\n'),
  ...escapeIac(Uint8Array.of(0x00, 0xff, 0x41)),
  ...command(DO, OPT_COM_PORT),
  ...Buffer.from('ok'),
  ...baudReply,
  ...command(WILL, 0),
  ...escapeIac(Uint8Array.of(0xff, 0xff)),
]);

describe('telnet decoder', () => {
  const whole = decode([stream]);

  it('separates data, negotiation and subnegotiation, unescaping 0xff', () => {
    expect(whole).toEqual([
      ['data', [...Buffer.from('U-Boot\r\n'), 0x00, 0xff, 0x41]],
      ['neg', DO, OPT_COM_PORT],
      ['data', [...Buffer.from('ok')]],
      ['sb', OPT_COM_PORT, [101, 0x00, 0x01, 0xc2, 0xff]],
      ['neg', WILL, 0],
      ['data', [0xff, 0xff]],
    ]);
  });

  it('gives the same events however the stream is split', () => {
    for (let i = 0; i <= stream.length; i++) {
      for (let j = i; j <= stream.length; j += 3) {
        expect(decode([stream.subarray(0, i), stream.subarray(i, j), stream.subarray(j)])).toEqual(whole);
      }
    }
    expect(decode([...stream].map((b) => Uint8Array.of(b)))).toEqual(whole);
  });

  it('drops the NUL after CR from a peer that is not in BINARY mode', () => {
    expect(decode([Uint8Array.of(0x41, 0x0d, 0x00, 0x42, 0x0d, 0x0a)], false)).toEqual([['data', [0x41, 0x0d, 0x42, 0x0d, 0x0a]]]);
    expect(decode([Uint8Array.of(0x41, 0x0d), Uint8Array.of(0x00, 0x42)], false)).toEqual([['data', [0x41, 0x0d, 0x42]]]);
    expect(decode([Uint8Array.of(0x41, 0x0d, 0x00)], true)).toEqual([['data', [0x41, 0x0d, 0x00]]]);
  });

  it('frames COM-PORT commands with escaped payloads', () => {
    expect([...comPortCommand(ComPort.SET_BAUDRATE, u32be(115200))]).toEqual([IAC, SB, 44, 1, 0x00, 0x01, 0xc2, 0x00, IAC, SE]);
    expect([...comPortCommand(ComPort.SET_BAUDRATE, u32be(0xff))]).toEqual([IAC, SB, 44, 1, 0, 0, 0, 0xff, 0xff, IAC, SE]);
  });

  it('survives random garbage without throwing or growing without bound', () => {
    let seed = 42;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 0xff;
    const junk = Uint8Array.from({ length: 200_000 }, rnd);
    expect(() => decode([junk])).not.toThrow();
    const sb = Uint8Array.from([IAC, SB, 44, ...new Uint8Array(100_000).fill(7)]);
    const evs = decode([sb, Uint8Array.of(IAC, SE)]);
    expect(evs[0]![0]).toBe('sb');
    expect((evs[0] as ['sb', number, number[]])[2].length).toBeLessThanOrEqual(4096);
  });
});
