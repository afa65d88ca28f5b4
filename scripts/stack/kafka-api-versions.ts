// A minimal ApiVersions v3 client (KIP-511/KIP-584), dependency-free.
//
// Why: the Kafka protocol never carries the broker's software version. The closest thing is the
// `metadata.version` feature the broker advertises in ApiVersions v3+ (its highest supported level
// identifies the release line, e.g. level 30 = "4.3-IV0"). kafkajs 2.2.4 only speaks ApiVersions
// v0-v2, which has no feature fields, so the compat test asks the broker directly.
import { connect } from 'node:net';

const API_VERSIONS_KEY = 18;
const API_VERSIONS_VERSION = 3;

export interface VersionRange {
  min: number;
  max: number;
}

export interface BrokerApiVersions {
  /** Supported version range per API key (as kafkajs sees them too). */
  apis: Map<number, VersionRange>;
  /** Features the broker software supports, e.g. metadata.version -> { min: 7, max: 30 }. */
  supportedFeatures: Map<string, VersionRange>;
  /** Feature levels finalized for the cluster (set when the storage was formatted / upgraded). */
  finalizedFeatures: Map<string, VersionRange>;
}

export async function fetchApiVersions(
  broker: string,
  timeoutMs = 5000,
): Promise<BrokerApiVersions> {
  const [host, port] = splitHostPort(broker);
  const response = await roundTrip(host, port, encodeRequest(), timeoutMs);
  return decodeResponse(response);
}

function splitHostPort(broker: string): [string, number] {
  const at = broker.lastIndexOf(':');
  return [broker.slice(0, at), Number(broker.slice(at + 1))];
}

function encodeRequest(): Buffer {
  const clientId = Buffer.from('order-saga-stack');
  const parts = [
    int16(API_VERSIONS_KEY),
    int16(API_VERSIONS_VERSION),
    int32(1), // correlation id
    int16(clientId.length), // request header v2 keeps the legacy (non-compact) client id string
    clientId,
    uvarint(0), // header tagged fields
    compactString('order-saga-stack'), // client_software_name (must match [a-zA-Z0-9.-]+)
    compactString('1.0'), // client_software_version
    uvarint(0), // body tagged fields
  ];
  const body = Buffer.concat(parts);
  return Buffer.concat([int32(body.length), body]);
}

function roundTrip(
  host: string,
  port: number,
  request: Buffer,
  timeoutMs: number,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    let received = Buffer.alloc(0);
    socket.setTimeout(timeoutMs, () =>
      socket.destroy(new Error(`ApiVersions to ${host}:${port} timed out`)),
    );
    socket.once('error', reject);
    socket.once('connect', () => socket.write(request));
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.length >= 4 && received.length >= 4 + received.readInt32BE(0)) {
        socket.end();
        resolve(received.subarray(4, 4 + received.readInt32BE(0)));
      }
    });
  });
}

function decodeResponse(buffer: Buffer): BrokerApiVersions {
  const r = new Reader(buffer);
  r.int32(); // correlation id; ApiVersions responses always use header v0 (no tagged fields)
  const errorCode = r.int16();
  if (errorCode !== 0)
    throw new Error(`ApiVersions v${API_VERSIONS_VERSION} failed with error code ${errorCode}`);
  const apis = new Map<number, VersionRange>();
  r.compactArray(() => {
    const key = r.int16();
    apis.set(key, { min: r.int16(), max: r.int16() });
    r.skipTaggedFields();
  });
  r.int32(); // throttle_time_ms
  const supportedFeatures = new Map<string, VersionRange>();
  const finalizedFeatures = new Map<string, VersionRange>();
  const tagCount = r.uvarint();
  for (let i = 0; i < tagCount; i++) {
    const tag = r.uvarint();
    const size = r.uvarint();
    const end = r.offset + size;
    if (tag === 0) {
      r.compactArray(() => {
        const name = r.compactString();
        supportedFeatures.set(name, { min: r.int16(), max: r.int16() });
        r.skipTaggedFields();
      });
    } else if (tag === 2) {
      r.compactArray(() => {
        const name = r.compactString();
        const max = r.int16(); // finalized features list max_version_level before min_version_level
        finalizedFeatures.set(name, { min: r.int16(), max });
        r.skipTaggedFields();
      });
    }
    r.offset = end; // tag 1 (features epoch), tag 3 (zk migration) and unknown tags are skipped
  }
  return { apis, supportedFeatures, finalizedFeatures };
}

class Reader {
  offset = 0;
  private readonly buffer: Buffer;

  constructor(buffer: Buffer) {
    this.buffer = buffer;
  }

  int16(): number {
    const value = this.buffer.readInt16BE(this.offset);
    this.offset += 2;
    return value;
  }

  int32(): number {
    const value = this.buffer.readInt32BE(this.offset);
    this.offset += 4;
    return value;
  }

  uvarint(): number {
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      const byte = this.buffer.readUInt8(this.offset++);
      value |= (byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return value >>> 0;
    }
  }

  compactString(): string {
    const length = this.uvarint() - 1; // compact encoding stores length + 1 (0 = null)
    const value = this.buffer.toString('utf8', this.offset, this.offset + length);
    this.offset += length;
    return value;
  }

  compactArray(readItem: () => void): void {
    const count = this.uvarint() - 1;
    for (let i = 0; i < count; i++) readItem();
  }

  skipTaggedFields(): void {
    const count = this.uvarint();
    for (let i = 0; i < count; i++) {
      this.uvarint();
      this.offset += this.uvarint();
    }
  }
}

function int16(value: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeInt16BE(value);
  return b;
}

function int32(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(value);
  return b;
}

function uvarint(value: number): Buffer {
  const bytes: number[] = [];
  let rest = value >>> 0;
  while (rest >= 0x80) {
    bytes.push((rest & 0x7f) | 0x80);
    rest >>>= 7;
  }
  bytes.push(rest);
  return Buffer.from(bytes);
}

function compactString(value: string): Buffer {
  const bytes = Buffer.from(value);
  return Buffer.concat([uvarint(bytes.length + 1), bytes]);
}
