#!/usr/bin/env python3
"""fdatasync rates of this disk: N 4 KiB pages overwritten in place (a WAL that is reused)
or appended (a WAL that grows), then fdatasync, 2 s each. Usage: fsync_probe.py [DIR]"""
import os, time, sys
d = sys.argv[1] if len(sys.argv) > 1 else "/tmp"
def rate(pages, append, seconds=2.0, prealloc=False):
    p = os.path.join(d, "probe.bin")
    fd = os.open(p, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o644)
    if prealloc:
        os.pwrite(fd, b"\0" * (64 << 20), 0); os.fsync(fd)
    blk = b"\7" * 4096
    n = 0; off = 0; t = time.time()
    while time.time() - t < seconds:
        for i in range(pages):
            os.pwrite(fd, blk, off if append else ((n * pages + i) % 4096) * 4096)
            off += 4096
        os.fdatasync(fd); n += 1
    r = n / (time.time() - t)
    os.close(fd); os.unlink(p)
    return r
for pages in (1, 4, 8, 13):
    print(pages, "overwrite %.0f" % rate(pages, False, prealloc=True), "append %.0f" % rate(pages, True))
