// Archives made at test time (python3's zipfile and tarfile), for the tests of directory
// and archive inputs: members named as given (unsafe names too), fixed dates, so the same
// members give the same bytes.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

function python(/** @type {string} */ script, /** @type {string[]} */ argv) {
  const r = spawnSync('python3', ['-c', script, ...argv], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`python3 (making an archive) failed (${r.status}): ${r.stderr}`);
}

/** A zip of FILES: [name inside, bytes] pairs. Staging files go next to FILE. */
export function makeZip(/** @type {string} */ file, /** @type {[string, Buffer][]} */ files) {
  const staged = files.map(([name, bytes], i) => {
    const p = path.join(path.dirname(file), `zipsrc-${path.basename(file)}-${i}`);
    fs.writeFileSync(p, bytes);
    return [name, p];
  });
  python('import sys, json, zipfile\n' +
    'z = zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED)\n' +
    'for name, src in json.loads(sys.argv[2]):\n' +
    '    z.writestr(zipfile.ZipInfo(name, (2020, 1, 1, 0, 0, 0)), open(src, "rb").read(), zipfile.ZIP_DEFLATED)\n' +
    'z.close()\n', [file, JSON.stringify(staged)]);
  return file;
}

/**
 * A tarball of ENTRIES: {name, bytes} files, {name, link} symbolic links. COMPRESSION: '',
 * 'gz' or 'xz'. Staging files go next to FILE.
 */
export function makeTar(/** @type {string} */ file, /** @type {{name: string, bytes?: Buffer, link?: string}[]} */ entries,
  /** @type {string} */ compression) {
  const staged = entries.map((e, i) => {
    if (e.link !== undefined) return { name: e.name, link: e.link };
    const p = path.join(path.dirname(file), `tarsrc-${path.basename(file)}-${i}`);
    fs.writeFileSync(p, /** @type {Buffer} */ (e.bytes));
    return { name: e.name, src: p };
  });
  python('import sys, json, tarfile, io\n' +
    't = tarfile.open(sys.argv[1], "w:" + sys.argv[2], format=tarfile.PAX_FORMAT)\n' +
    'for e in json.loads(sys.argv[3]):\n' +
    '    i = tarfile.TarInfo(e["name"])\n' +
    '    i.mtime = 1577836800\n' +
    '    if "link" in e:\n' +
    '        i.type = tarfile.SYMTYPE; i.linkname = e["link"]; t.addfile(i)\n' +
    '    else:\n' +
    '        b = open(e["src"], "rb").read(); i.size = len(b); t.addfile(i, io.BytesIO(b))\n' +
    't.close()\n', [file, compression, JSON.stringify(staged)]);
  return file;
}
