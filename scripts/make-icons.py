#!/usr/bin/env python3
"""Draws tend's app icons (a seedling on the accent blue) as PNGs, with no
image library: the same shapes as static/icon.svg, sampled 4x4 per pixel."""
import math, struct, zlib, sys, os

BG = (0x1d, 0x5f, 0x8a)
FG = (0xfb, 0xfa, 0xf7)

def leaf(x, y, cx, cy, rx, ry, angle):
    a = math.radians(angle)
    dx, dy = x - cx, y - cy
    u = dx * math.cos(a) + dy * math.sin(a)
    v = -dx * math.sin(a) + dy * math.cos(a)
    return (u / rx) ** 2 + (v / ry) ** 2 <= 1

def shape(x, y, maskable):
    """Colour at (x, y) in a 512-unit square, or None outside the icon."""
    r = 0 if maskable else 96
    # Rounded square.
    qx = min(max(x, r), 512 - r); qy = min(max(y, r), 512 - r)
    if (x - qx) ** 2 + (y - qy) ** 2 > r * r:
        return None
    s = 0.8 if maskable else 1.0  # maskable icons keep their drawing in the safe middle
    x = 256 + (x - 256) / s; y = 256 + (y - 256) / s
    stem = abs(x - 256) <= 14 and 240 <= y <= 420
    ground = abs(y - 420) <= 14 and 176 <= x <= 336
    left = leaf(x, y, 195, 208, 85, 42, 35)
    right = leaf(x, y, 320, 176, 92, 44, -35)
    return FG if (stem or ground or left or right) else BG

def png(size, maskable=False):
    n = 4
    rows = []
    for py in range(size):
        row = bytearray([0])
        for px in range(size):
            acc = [0, 0, 0, 0]
            for sy in range(n):
                for sx in range(n):
                    c = shape((px + (sx + 0.5) / n) * 512 / size, (py + (sy + 0.5) / n) * 512 / size, maskable)
                    if c:
                        acc[0] += c[0]; acc[1] += c[1]; acc[2] += c[2]; acc[3] += 1
            k = acc[3]
            row += bytes([acc[0] // k, acc[1] // k, acc[2] // k, 255 * k // (n * n)] if k else [0, 0, 0, 0])
        rows.append(bytes(row))
    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"".join(rows), 9)) + chunk(b"IEND", b""))

out = sys.argv[1] if len(sys.argv) > 1 else "crates/tend/static"
for name, size, mask in [("icon-192.png", 192, False), ("icon-512.png", 512, False), ("icon-maskable-512.png", 512, True)]:
    with open(os.path.join(out, name), "wb") as f:
        f.write(png(size, mask))
