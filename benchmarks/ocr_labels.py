"""OCR engines for the safety gate: time per check and accuracy on control labels.

Each case is a 1920x1080 screen with a row of three buttons (two harmless neighbours around the
target) and a line of text above them, drawn in one font, size and theme; the point is a random
spot inside the target button. Every engine reads it through ``OcrReader`` (the same region
around the point, the same choice of line), engines interleaved case by case, and the median
time per check is reported with two accuracies: the exact label (after folding case, accents
and spaces) and the safety verdict (the word table flags the label read iff it flags the real
one). Labels: for each of the seven languages, the first word of six concerns of the word table
and four harmless labels (Cancel, Annuler, 取消, ...). ``--tk`` also reads the buttons of a real
Tk window on an Xvfb of its own.

Engines, each where installed: ``rapidocr`` (PP-OCRv6 in its wheel; the gate's engine),
``rapidocr-onnxruntime`` (PP-OCRv4 in its wheel), ``tesseract`` (Debian's, the seven languages'
packs, one process per check as pytesseract runs it; the region is cut to the control under the
point and turned to dark text on white at 3x, without which it reads nothing on coloured
buttons). Load time is measured in a fresh interpreter (import + load + first check).

    python benchmarks/ocr_labels.py [--variants 4] [--tk] [--engines rapidocr,tesseract]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from screenpilot.agent.ocr import Engine, OcrReader, RapidOcrEngine, TextLine
from screenpilot.agent.safety_words import CONTROL_WORDS, find, fold

SIZE = (1920, 1080)
CONCERNS = ("pay", "buy", "send", "delete", "install", "sign out")
HARMLESS = {
    "en": ("Cancel", "Close", "Settings", "Next"),
    "fr": ("Annuler", "Fermer", "Paramètres", "Suivant"),
    "de": ("Abbrechen", "Schließen", "Einstellungen", "Weiter"),
    "es": ("Cancelar", "Cerrar", "Ajustes", "Siguiente"),
    "pt": ("Cancelar", "Fechar", "Configurações", "Próximo"),
    "zh": ("取消", "关闭", "设置", "下一步"),
    "ja": ("キャンセル", "閉じる", "設定", "次へ"),
}
CJK = ("zh", "ja")
THEMES = {  # page, button face, text
    "light": ((246, 246, 246), (225, 225, 225), (20, 20, 20)),
    "dark": ((32, 33, 36), (60, 64, 67), (232, 234, 237)),
    "accent": ((250, 250, 250), (26, 115, 232), (255, 255, 255)),
}
SIZES = (12, 16, 22)
FONTS = {  # Pillow's own font draws ASCII only: it is used for ASCII labels alone
    "latin": ("DejaVu Sans", "DejaVu Serif", "Pillow default"),
    "cjk": ("Noto Sans CJK SC", "Noto Serif CJK SC"),
}
TESSERACT_PACKS = ("eng", "fra", "deu", "spa", "por", "chi_sim", "jpn")


def labels() -> list[tuple[str, str]]:
    """(language, label) pairs: six sensitive and four harmless per language."""
    found = []
    for language, harmless in HARMLESS.items():
        for concern in CONTROL_WORDS:
            if concern in CONCERNS:
                word = CONTROL_WORDS[concern][language][0]
                found.append((language, word if language in CJK else word.capitalize()))
        found += [(language, label) for label in harmless]
    return found


def font_file(family: str) -> str | None:
    if shutil.which("fc-match") is None:
        return None
    out = subprocess.run(["fc-match", "-f", "%{family}\t%{file}", family], capture_output=True)
    name, _, path = out.stdout.decode().partition("\t")
    return path if family.split()[0].lower() in name.lower() else None


def load_font(family: str, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont | None:
    if family == "Pillow default":
        return ImageFont.load_default(size)
    path = font_file(family)
    return ImageFont.truetype(path, size) if path else None


def render(
    label: str, neighbours: tuple[str, str], family: str, size: int, theme: str
) -> tuple[Image.Image, tuple[int, int, int, int]] | None:
    """A screen with the target button between two neighbours; the target's pixel box."""
    face = load_font(family, size)
    if face is None:
        return None
    page, button, ink = THEMES[theme]
    image = Image.new("RGB", SIZE, page)
    draw = ImageDraw.Draw(image)
    draw.text((700, 440), "Review your order and choose what to do next.", font=face, fill=ink)
    x, target = 700, (0, 0, 0, 0)
    for text in (neighbours[0], label, neighbours[1]):
        width = int(draw.textlength(text, font=face))
        box = (x, 500, x + width + 2 * size, 500 + 2 * size)
        draw.rounded_rectangle(
            box, radius=size // 3, fill=button, outline=ink if theme == "light" else None
        )
        draw.text((x + size, 500 + size // 2), text, font=face, fill=ink)
        if text == label:
            target = box
        x = box[2] + 24
    return image, target


# --- engines --------------------------------------------------------------------------------


def rapidocr_v4() -> Engine:
    from rapidocr_onnxruntime import RapidOCR

    ocr = RapidOCR(det_limit_type="max", det_limit_side_len=960, use_cls=False)

    def run(image: Image.Image) -> list[TextLine]:
        result, _ = ocr(np.asarray(image.convert("RGB"))[:, :, ::-1].copy())
        lines = []
        for points, text, score in result or []:
            xs, ys = [p[0] for p in points], [p[1] for p in points]
            lines.append(TextLine(text, (min(xs), min(ys), max(xs), max(ys)), float(score)))
        return lines

    return run


def control_face(image: Image.Image) -> tuple[Image.Image, int, int]:
    """The control under the crop's centre as dark text on white, and where it starts."""
    a = np.asarray(image.convert("RGB")).astype(np.int32)
    cy, cx = a.shape[0] // 2, a.shape[1] // 2
    background = np.median(a[max(cy - 6, 0) : cy + 7, max(cx - 12, 0) : cx + 13].reshape(-1, 3), 0)
    distance = np.sqrt(((a - background) ** 2).sum(axis=2))
    near = distance < 24
    ys, xs = np.nonzero(near)
    if len(ys) == 0:
        return image.convert("L"), 0, 0
    i = int(np.argmin((ys - cy) ** 2 + (xs - cx) ** 2))
    mask = Image.fromarray(near.astype(np.uint8) * 100).copy()
    ImageDraw.floodfill(mask, (int(xs[i]), int(ys[i])), 255)
    filled = np.asarray(mask) == 255
    rows, cols = np.nonzero(filled.any(axis=1))[0], np.nonzero(filled.any(axis=0))[0]
    top, bottom, left, right = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
    ink = 255 - np.clip(distance[top:bottom, left:right] * 2, 0, 255)
    return Image.fromarray(ink.astype(np.uint8)), int(left), int(top)


def _join(words: list[str]) -> str:
    """Words Tesseract separated, without its spaces between Chinese or Japanese characters."""
    text = ""
    for word in words:
        cjk = text and not text[-1].isascii() and not word[0].isascii()
        text += word if cjk or not text else " " + word
    return text


def tesseract() -> Engine:
    languages = "+".join(TESSERACT_PACKS)
    scale = 3

    def run(image: Image.Image) -> list[TextLine]:
        face, left, top = control_face(image)
        face = face.resize((face.width * scale, face.height * scale), Image.Resampling.LANCZOS)
        buffer = io.BytesIO()
        face.save(buffer, "PNG")
        out = subprocess.run(
            ["tesseract", "stdin", "stdout", "-l", languages, "--psm", "11", "tsv"],
            input=buffer.getvalue(),
            capture_output=True,
            check=True,
        ).stdout.decode()
        groups: dict[tuple[str, ...], list[list[str]]] = defaultdict(list)
        for row in out.splitlines()[1:]:
            cells = row.split("\t")
            if len(cells) == 12 and cells[11].strip() and float(cells[10]) >= 0:
                groups[tuple(cells[2:5])].append(cells)
        lines = []
        for words in groups.values():
            x0 = min(int(w[6]) for w in words) / scale + left
            y0 = min(int(w[7]) for w in words) / scale + top
            x1 = max(int(w[6]) + int(w[8]) for w in words) / scale + left
            y1 = max(int(w[7]) + int(w[9]) for w in words) / scale + top
            lines.append(TextLine(_join([w[11] for w in words]), (x0, y0, x1, y1)))
        return lines

    return run


ENGINES: dict[str, Callable[[], Engine]] = {
    "rapidocr": RapidOcrEngine,
    "rapidocr-onnxruntime": rapidocr_v4,
    "tesseract": tesseract,
}


def available(name: str) -> bool:
    if name == "tesseract":
        if shutil.which("tesseract") is None:
            return False
        out = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True)
        return all(pack in out.stdout.split() for pack in TESSERACT_PACKS)
    module = "rapidocr" if name == "rapidocr" else "rapidocr_onnxruntime"
    try:
        __import__(module)
    except ImportError:
        return False
    return True


def load_seconds(name: str, rounds: int = 3) -> float | None:
    """Import, load and a first check, in a fresh interpreter (median of ``rounds``)."""
    if name == "tesseract":
        return None  # no resident engine: every check starts tesseract and loads its packs
    code = (
        "import time; t = time.perf_counter(); import benchmarks.ocr_labels as b; "
        "from PIL import Image; s = time.perf_counter(); "
        f"e = b.ENGINES[{name!r}](); e(Image.new('RGB', (576, 86), 'white')); "
        "print(time.perf_counter() - s)"
    )
    root = Path(__file__).resolve().parents[1]
    seconds = []
    for _ in range(rounds):
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, cwd=root, check=True
        )
        seconds.append(float(out.stdout.strip().splitlines()[-1]))
    return statistics.median(seconds)


def footprint(name: str) -> str:
    """What the engine adds to an installation: its distributions' files, or Debian packages."""
    if name == "tesseract":
        packages = ["tesseract-ocr", "tesseract-ocr-osd", "libtesseract5", "liblept5"]
        packages += [f"tesseract-ocr-{p.replace('_', '-')}" for p in TESSERACT_PACKS]
        out = subprocess.run(
            ["dpkg-query", "-W", "-f=${Installed-Size}\\n", *packages], capture_output=True
        )
        kib = sum(int(v) for v in out.stdout.split())
        return f"{kib / 1024:.0f} MB installed ({len(packages)} Debian packages)"
    names = {"rapidocr": "rapidocr", "rapidocr-onnxruntime": "rapidocr-onnxruntime"}
    total = 0
    for file in metadata.files(names[name]) or []:
        path = Path(str(file.locate()))
        total += path.stat().st_size if path.is_file() else 0
    return f"{total / 1e6:.0f} MB installed (the package with its models)"


# --- measuring ------------------------------------------------------------------------------


def norm(text: str) -> str:
    return "".join(fold(text).split())


def cases(variants: int, seed: int) -> list[tuple[str, str, Image.Image, tuple[float, float]]]:
    rng = random.Random(seed)
    found = []
    grid = [(s, t) for s in SIZES for t in THEMES]
    for index, (language, label) in enumerate(labels()):
        harmless = HARMLESS[language]
        neighbours = (harmless[index % 2], harmless[2 + index % 2])
        if label in neighbours:
            neighbours = (harmless[1 - index % 2], harmless[3 - index % 2])
        families = FONTS["cjk" if language in CJK else "latin"]
        if not all(text.isascii() for text in (label, *neighbours)):
            families = tuple(f for f in families if f != "Pillow default")  # ASCII only
        for variant in range(variants):
            size, theme = grid[(index + variant * 4) % len(grid)]
            family = families[(index + variant) % len(families)]
            drawn = render(label, neighbours, family, size, theme)
            if drawn is None:
                continue
            image, (left, top, right, bottom) = drawn
            x = rng.uniform(left + 0.1 * (right - left), right - 0.1 * (right - left))
            y = rng.uniform(top + 0.25 * (bottom - top), bottom - 0.25 * (bottom - top))
            found.append((language, label, image, (x / SIZE[0], y / SIZE[1])))
    return found


def tk_cases() -> list[tuple[str, str, Image.Image, tuple[float, float]]]:
    """The buttons of a real Tk window on an Xvfb of its own, one case per button."""
    from screenpilot.environments.desktop_io import Display
    from screenpilot.environments.xvfb import VirtualDisplay

    app = Path(__file__).resolve().parents[1] / "tests" / "label_app.py"
    chosen = labels()
    with VirtualDisplay(*SIZE) as server, tempfile.TemporaryDirectory() as folder:
        os.environ.update(server.environ)
        found = []
        for row in range(0, len(chosen), 10):
            batch = chosen[row : row + 10]
            state_path = Path(folder) / f"state{row}.json"
            process = subprocess.Popen(
                [sys.executable, str(app), str(state_path), *(label for _, label in batch)]
            )
            deadline = time.monotonic() + 20
            while not (state_path.exists() and json.loads(state_path.read_text())["ready"]):
                if time.monotonic() > deadline:
                    raise RuntimeError("the Tk window did not appear")
                time.sleep(0.05)
            widgets = json.loads(state_path.read_text(encoding="utf-8"))["widgets"]
            display = Display.connect()
            image = display.grab(display.monitors()[1])
            display.close()
            process.terminate()
            process.wait(timeout=10)
            for language, label in batch:
                left, top, width, height = widgets[label]
                point = ((left + width / 2) / SIZE[0], (top + height / 2) / SIZE[1])
                found.append((language, label, image, point))
    return found


def measure(
    engines: dict[str, OcrReader], chosen: list[tuple[str, str, Image.Image, tuple[float, float]]]
) -> dict[str, dict[str, list[float]]]:
    """Per engine and script: check times, exact reads and right verdicts (1.0 / 0.0)."""
    results: dict[str, dict[str, list[float]]] = {name: defaultdict(list) for name in engines}
    names = list(engines)
    for index, (language, label, image, (x, y)) in enumerate(chosen):
        script = "cjk" if language in CJK else "latin"
        for name in names[index % len(names) :] + names[: index % len(names)]:  # interleaved
            start = time.perf_counter()
            seen = engines[name](image, x, y)
            elapsed = time.perf_counter() - start
            read = seen.label if seen else ""
            flagged = find(read, CONTROL_WORDS) is not None
            right = flagged == (find(label, CONTROL_WORDS) is not None)
            for key in (script, "all"):
                results[name][f"{key}:ms"].append(elapsed * 1000)
                results[name][f"{key}:exact"].append(float(norm(read) == norm(label)))
                results[name][f"{key}:verdict"].append(float(right))
            if norm(read) != norm(label):
                results[name]["misses"].append(0.0)
                print(f"  {name}: {label!r} ({language}) read as {read!r}", file=sys.stderr)
    return results


def table(title: str, results: dict[str, dict[str, list[float]]]) -> None:
    print(f"\n{title}\n")
    print("| engine | script | checks | median ms | exact label | right verdict |")
    print("|---|---|---:|---:|---:|---:|")
    for name, values in results.items():
        for script in ("latin", "cjk", "all"):
            times = values.get(f"{script}:ms", [])
            if not times:
                continue
            exact = statistics.fmean(values[f"{script}:exact"]) * 100
            verdict = statistics.fmean(values[f"{script}:verdict"]) * 100
            print(
                f"| {name} | {script} | {len(times)} | {statistics.median(times):.0f} "
                f"| {exact:.1f} % | {verdict:.1f} % |"
            )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--variants", type=int, default=4, help="renders per label")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--tk", action="store_true", help="also read a real Tk window (Xvfb)")
    parser.add_argument("--engines", default=",".join(ENGINES))
    args = parser.parse_args()
    names = [n for n in args.engines.split(",") if n]
    missing = [n for n in names if not available(n)]
    names = [n for n in names if n not in missing]
    cpu = platform.processor() or platform.machine()
    print(f"machine: {os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}")
    for name in missing:
        print(f"not installed, skipped: {name}")
    for name in names:
        load = load_seconds(name)
        loaded = f"{load:.2f} s to import, load and check once" if load else "no resident engine"
        print(f"{name}: {footprint(name)}; {loaded}")
    readers = {name: OcrReader(ENGINES[name]()) for name in names}
    chosen = cases(args.variants, args.seed)
    table(f"Rendered buttons ({len(chosen)} cases)", measure(readers, chosen))
    if args.tk:
        tk = tk_cases()
        table(f"A real Tk window on Xvfb ({len(tk)} buttons)", measure(readers, tk))


if __name__ == "__main__":
    main()
