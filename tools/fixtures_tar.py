"""Real tar archives for @splitmask/datasets' tar reader (readTar), made by GNU tar and by Python's tarfile.

Writes packages/datasets/test/fixtures/tar/<maker>-<format>.tar and manifest.json (per archive: every
regular file's path, size and sha256, in archive order). Members cover what WebDataset shards and
ordinary archives hold: a multi-block file, a file of exactly 512 bytes, an empty file, a compound
extension (.seg.png), a path longer than 100 bytes (ustar prefix, GNU 'L' record or pax 'path'), a
basename longer than 100 bytes (not in ustar), a non-ASCII path, a directory and a symlink (both to be
skipped). Run: /usr/bin/python3 tools/fixtures_tar.py   (GNU tar 1.34, Python 3.11 here)
"""
import hashlib
import json
import os
import random
import shutil
import subprocess
import tarfile
import tempfile

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'packages', 'datasets', 'test', 'fixtures', 'tar')
LONG_DIR = 'shard/' + 'd' * 60 + '/' + 'e' * 50
LONG_BASE = 'shard/' + 'n' * 120 + '.txt'


def members(with_long_basename):
    rnd = random.Random(0)
    files = {
        'shard/000001.jpg': bytes(rnd.randrange(256) for _ in range(1500)),
        'shard/000001.cls': b'3',
        'shard/000002.jpg': bytes(rnd.randrange(256) for _ in range(512)),
        'shard/000002.cls': b'7\n',
        'shard/000003.seg.png': b'',
        f'{LONG_DIR}/000004.txt': b'a path longer than 100 bytes\n',
        'shard/\u00fcn\u00efc\u00f8d\u00e9/000005.txt': 'non-ASCII path \u2713\n'.encode(),
    }
    if with_long_basename:
        files[LONG_BASE] = b'a basename longer than 100 bytes\n'
    return files


def stage(root, files):
    for path, data in files.items():
        p = os.path.join(root, path)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, 'wb') as f:
            f.write(data)
        os.utime(p, (0, 0))
    os.symlink('000001.jpg', os.path.join(root, 'shard', 'link.jpg'))


def gnu_tar(files, fmt, dest):
    with tempfile.TemporaryDirectory() as tmp:
        stage(tmp, files)
        args = ['tar', f'--format={fmt}', '--sort=name', '--owner=0', '--group=0', '--numeric-owner',
                '--mtime=@0', '-cf', dest, '-C', tmp, 'shard']
        if fmt == 'posix':
            args.insert(1, '--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime')
        subprocess.run(args, check=True, env={**os.environ, 'LC_ALL': 'C.UTF-8'})


def py_tar(files, fmt, dest):
    with tempfile.TemporaryDirectory() as tmp:
        stage(tmp, files)
        with tarfile.open(dest, 'w', format=fmt, encoding='utf-8') as t:
            def reset(info):
                info.uid = info.gid = 0
                info.uname = info.gname = ''
                info.mtime = 0
                return info
            t.add(os.path.join(tmp, 'shard'), arcname='shard', filter=reset, recursive=False)
            for dirpath, dirnames, filenames in sorted(os.walk(os.path.join(tmp, 'shard'))):
                dirnames.sort()
                rel = os.path.relpath(dirpath, tmp)
                for d in dirnames:
                    t.add(os.path.join(dirpath, d), arcname=f'{rel}/{d}', filter=reset, recursive=False)
                for fn in sorted(filenames):
                    t.add(os.path.join(dirpath, fn), arcname=f'{rel}/{fn}', filter=reset, recursive=False)


def listing(dest):
    out = []
    with tarfile.open(dest, 'r') as t:
        for m in t.getmembers():
            if m.isreg():
                data = t.extractfile(m).read()
                out.append({'path': m.name, 'size': len(data), 'sha256': hashlib.sha256(data).hexdigest()})
    return out


def main():
    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(OUT)
    manifest = {}
    jobs = [
        ('gnutar-gnu', lambda f, d: gnu_tar(f, 'gnu', d), True),
        ('gnutar-posix', lambda f, d: gnu_tar(f, 'posix', d), True),
        ('gnutar-ustar', lambda f, d: gnu_tar(f, 'ustar', d), False),
        ('python-gnu', lambda f, d: py_tar(f, tarfile.GNU_FORMAT, d), True),
        ('python-pax', lambda f, d: py_tar(f, tarfile.PAX_FORMAT, d), True),
        ('python-ustar', lambda f, d: py_tar(f, tarfile.USTAR_FORMAT, d), False),
    ]
    for name, make, long_base in jobs:
        files = members(long_base)
        dest = os.path.join(OUT, f'{name}.tar')
        make(files, dest)
        got = listing(dest)
        assert sorted(g['path'] for g in got) == sorted(files), (name, [g['path'] for g in got])
        manifest[f'{name}.tar'] = got
        print(f'wrote {dest} ({os.path.getsize(dest)} bytes, {len(got)} files)')
    tar_version = subprocess.run(['tar', '--version'], capture_output=True, text=True).stdout.splitlines()[0]
    with open(os.path.join(OUT, 'manifest.json'), 'w') as f:
        json.dump({'made_by': [tar_version, f'python tarfile {tarfile.version}'], 'archives': manifest}, f, indent=1,
                  ensure_ascii=False)
        f.write('\n')


if __name__ == '__main__':
    main()
