"""Render the analysts' HTML report in headless Chromium and check it really draws.

Checks: the page title and one sized `<svg class="chart">` per chart in the dumped DOM; the charts have a
non-zero laid-out size (measured by a copy of the page with a tiny inline script); the screenshot is not blank
(pixel variance) and shows bar-coloured pixels.

    python bench/check_report_chromium.py --warehouse /tmp/wh      # writes <warehouse>/report.html first
    python bench/check_report_chromium.py path/to/report.html [--out-dir DIR] [--chromium /usr/bin/chromium]

Exit status 0 when every check passes, 1 otherwise, 2 without Chromium. Needs only the standard library
(PNG decoded with zlib); --warehouse needs the etl package.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
WINDOW = (1200, 2000)
TITLE = "Repatriation news warehouse: report"
BAR_RGB = (0x44, 0x72, 0xC4)  # svg.chart rect.bar fill in etl.analyst's CSS
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars", "--mute-audio"]

# Copies every chart's laid-out size into attributes, so --dump-dom shows what layout did.
_MEASURE = """<script>
for (const svg of document.querySelectorAll('svg.chart')) {
  const box = svg.getBoundingClientRect();
  svg.setAttribute('data-rendered', Math.round(box.width) + 'x' + Math.round(box.height));
  let drawn = 0;
  for (const bar of svg.querySelectorAll('rect.bar')) { if (bar.getBoundingClientRect().width > 0) drawn++; }
  svg.setAttribute('data-bars-drawn', drawn);
}
document.body.setAttribute('data-measured', 'yes');
</script>"""


@dataclass
class Check:
    name: str
    passed: bool
    detail: str


def run_chromium(chromium: Path, url: str, extra: list[str], timeout: float = 30) -> subprocess.CompletedProcess:
    """One headless Chromium run with a fresh profile folder, removed afterwards."""
    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    try:
        command = [str(chromium), *FLAGS, f"--user-data-dir={profile}", *extra, url]
        try:
            return subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired as expired:  # e.g. a dialog opened by a script that escaped escaping
            return subprocess.CompletedProcess(command, -1, stdout="", stderr=f"timed out after {expired.timeout} s")
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def decode_png(data: bytes) -> tuple[int, int, int, bytes]:
    """(width, height, channels, raw pixel bytes) of an 8-bit non-interlaced grey/RGB/RGBA PNG."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    position, idat, header = 8, [], None
    while position < len(data):
        length, kind = struct.unpack(">I4s", data[position:position + 8])
        body = data[position + 8:position + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
        position += 12 + length
    if header is None:
        raise ValueError("PNG without IHDR")
    width, height, depth, colour, _, _, interlace = header
    channels = {0: 1, 2: 3, 4: 2, 6: 4}.get(colour)
    if depth != 8 or channels is None or interlace:
        raise ValueError(f"unsupported PNG: depth {depth}, colour type {colour}, interlace {interlace}")
    raw = zlib.decompress(b"".join(idat))
    stride = width * channels
    pixels = bytearray(height * stride)
    previous = bytearray(stride)
    for row in range(height):
        start = row * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        if kind == 1:
            for i in range(channels, stride):
                line[i] = (line[i] + line[i - channels]) & 0xFF
        elif kind == 2:
            line = bytearray((a + b) & 0xFF for a, b in zip(line, previous))
        elif kind == 3:
            for i in range(stride):
                left = line[i - channels] if i >= channels else 0
                line[i] = (line[i] + ((left + previous[i]) >> 1)) & 0xFF
        elif kind == 4:
            for i in range(stride):
                a = line[i - channels] if i >= channels else 0
                b = previous[i]
                c = previous[i - channels] if i >= channels else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        elif kind != 0:
            raise ValueError(f"bad PNG filter {kind} in row {row}")
        pixels[row * stride:(row + 1) * stride] = line
        previous = line
    return width, height, channels, bytes(pixels)


def screenshot_stats(png: bytes) -> dict:
    """Size, luminance variance and count of bar-coloured pixels of a screenshot."""
    width, height, channels, pixels = decode_png(png)
    colour = channels >= 3
    total = count = bar_pixels = 0
    total_sq = 0.0
    for offset in range(0, len(pixels), channels):
        r, g, b = (pixels[offset], pixels[offset + 1], pixels[offset + 2]) if colour else (pixels[offset],) * 3
        luminance = (299 * r + 587 * g + 114 * b) // 1000
        total += luminance
        total_sq += luminance * luminance
        count += 1
        if abs(r - BAR_RGB[0]) < 24 and abs(g - BAR_RGB[1]) < 24 and abs(b - BAR_RGB[2]) < 24:
            bar_pixels += 1
    mean = total / count
    return {"width": width, "height": height, "variance": total_sq / count - mean * mean, "bar_pixels": bar_pixels}


def check_report(report: Path, out_dir: Path, chromium: Path = CHROMIUM) -> list[Check]:
    """Render `report` (screenshot, DOM dump, measured DOM dump) into `out_dir` and check the result."""
    out_dir.mkdir(parents=True, exist_ok=True)
    page = report.read_text(encoding="utf-8")
    expected_charts = len(re.findall(r"<svg class=\"chart\"", page))
    expected_bars = len(re.findall(r"<rect class=\"bar\"", page))
    url = report.resolve().as_uri()
    checks: list[Check] = []

    dom = run_chromium(chromium, url, ["--dump-dom"]).stdout
    (out_dir / "dom.html").write_text(dom, encoding="utf-8")
    checks.append(Check("title", f"<title>{TITLE}</title>" in dom and f"<h1>{TITLE}</h1>" in dom,
                        "title and heading present in the rendered DOM"))
    sizes = re.findall(r'<svg class="chart" width="([\d.]+)" height="([\d.]+)"', dom)
    sized = [w for w, h in sizes if float(w) > 0 and float(h) > 0]
    checks.append(Check("chart svg", expected_charts > 0 and len(sized) == expected_charts,
                        f"{len(sized)} of {expected_charts} chart SVGs in the DOM with non-zero width and height"))

    # The report forbids scripts (CSP); a copy that allows one inline script measures the layout.
    measured_page = report.with_name(f".measure-{report.name}")
    measured_page.write_text(page.replace("default-src 'none';", "default-src 'none'; script-src 'unsafe-inline';")
                             .replace("</body>", _MEASURE + "</body>"), encoding="utf-8")
    try:
        measured = run_chromium(chromium, measured_page.resolve().as_uri(), ["--dump-dom"]).stdout
    finally:
        measured_page.unlink(missing_ok=True)
    rendered = [tuple(map(int, m)) for m in re.findall(r'data-rendered="(\d+)x(\d+)"', measured)]
    drawn = sum(int(n) for n in re.findall(r'data-bars-drawn="(\d+)"', measured))
    laid_out = 'data-measured="yes"' in measured and len(rendered) == expected_charts and all(
        w > 0 and h > 0 for w, h in rendered)
    checks.append(Check("chart layout", laid_out, f"laid-out chart sizes {rendered}"))
    checks.append(Check("bars drawn", drawn > 0, f"{drawn} bars with non-zero rendered width of {expected_bars}"))

    screenshot = out_dir / "report.png"
    screenshot.unlink(missing_ok=True)
    run_chromium(chromium, url, [f"--screenshot={screenshot}", f"--window-size={WINDOW[0]},{WINDOW[1]}"])
    png = screenshot.read_bytes() if screenshot.is_file() else b""
    if len(png) < 5000:
        checks.append(Check("screenshot", False, f"screenshot missing or tiny: {len(png)} bytes"))
        return checks
    stats = screenshot_stats(png)
    checks.append(Check("screenshot", (stats["width"], stats["height"]) == WINDOW and stats["variance"] > 100,
                        f"{len(png)} bytes, {stats['width']}x{stats['height']}, luminance variance "
                        f"{stats['variance']:.0f}"))
    checks.append(Check("bars visible", stats["bar_pixels"] > 2000,
                        f"{stats['bar_pixels']} bar-coloured pixels in the screenshot"))
    return checks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report", type=Path, nargs="?", help="the report HTML file")
    parser.add_argument("--warehouse", type=Path, help="write <warehouse>/report.html with etl.analyst and check it")
    parser.add_argument("--out-dir", type=Path, default=None, help="where the screenshot and DOM dumps go")
    parser.add_argument("--chromium", type=Path, default=CHROMIUM)
    args = parser.parse_args(argv)
    if not args.chromium.exists():
        sys.stderr.write(f"{args.chromium} not found; install it with `apt-get install -y chromium`\n")
        return 2
    if args.warehouse is not None:
        from etl.analyst.report import write_report
        from etl.warehouse.readme import load_table_contract

        load_table_contract()
        report = write_report(args.warehouse)
    elif args.report is not None:
        report = args.report
    else:
        parser.error("give a report file or --warehouse")
    out_dir = args.out_dir or Path(tempfile.mkdtemp(prefix="report-check-"))
    checks = check_report(report, out_dir, args.chromium)
    for check in checks:
        sys.stdout.write(f"{'ok  ' if check.passed else 'FAIL'} {check.name}: {check.detail}\n")
    sys.stdout.write(json.dumps({"screenshot": str(out_dir / "report.png"), "passed": all(c.passed for c in checks)})
                     + "\n")
    return 0 if all(c.passed for c in checks) else 1


if __name__ == "__main__":
    raise SystemExit(main())
