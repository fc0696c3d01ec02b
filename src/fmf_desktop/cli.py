"""Command line: ``fmf-desktop [PHOTO...]`` opens the window; subcommands work headless.

Subcommands are registered by small ``_register_*`` functions listed in ``SUBCOMMANDS``;
to add one, write ``_register_name(subparsers)`` that adds its parser and sets
``func=handler`` (``handler(args) -> int``), and append it to the list.
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import errno
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from fmf_desktop import __version__
from fmf_desktop.library import LibraryError
from fmf_desktop.library_cli import add_library_option, matcher_from_args, register_teach
from fmf_desktop.live.cli import add_threads_option
from fmf_desktop.live.cli import register as register_live
from fmf_desktop.wording import count_noun

if TYPE_CHECKING:  # the core pulls in OpenCV and the model runtime; `--help` should not wait
    from fmf_desktop.imaging import LoadedImage
    from fmf_desktop.recognition import TaughtMatcher
    from fmf_desktop.results import Box, Figurine
    from fmf_desktop.shops import Shop



def _register_identify(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "identify",
        help="name the figurines in photos (no window)",
        description="Find and name every figurine in each photo. Works offline.",
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="photo files")
    p.add_argument("--json", action="store_true",
                   help="print one JSON object per input file, one per line")
    p.add_argument("--whole-image", action="store_true",
                   help="treat each photo as one crop (skip locating); for cropped photos")
    p.add_argument("--threshold", type=_probability, default=None, metavar="X",
                   help="'not sure' threshold in [0, 1] (default: the model's calibration)")
    add_threads_option(p)
    add_library_option(p)  # taught figures (library_cli.py)
    p.set_defaults(func=cmd_identify)
    return p


#: Each function adds one subcommand. Other features append theirs (teach, live ...).
SUBCOMMANDS: list[Callable[[argparse._SubParsersAction], argparse.ArgumentParser]] = [
    _register_identify,
    register_teach,
    register_live,
]


def _probability(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fmf-desktop",
        description="Find My Figurine: name anime figurines in photos, offline. "
        "Without a subcommand, opens the window (with PHOTO files, if given).",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--selftest", action="store_true",
                        help="load the model, identify the bundled sample photo and exit")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for register in SUBCOMMANDS:
        register(subparsers)
    return parser


#: Exit status after Ctrl+C, as a shell reports a program ended by SIGINT (128 + 2).
EXIT_INTERRUPTED = 130
#: Exit status when the reader of our output went away (`| head`): 128 + SIGPIPE, what a
#: shell with `set -o pipefail` reports for `yes | head`, and distinct from 1 ("a photo
#: could not be read").
EXIT_BROKEN_PIPE = 141


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    commands = list(parser._subparsers._group_actions[0].choices) if parser._subparsers else []
    first_positional = next((a for a in args_list if not a.startswith("-")), None)
    if first_positional is not None and first_positional not in commands:
        if _looks_like_a_command(first_positional):
            parser.error(_unknown_command_message(first_positional, commands))
        # `fmf-desktop PHOTO...`: argparse would reject the photo as an unknown command.
        options = [a for a in args_list if a.startswith("-")]
        photos = [a for a in args_list if not a.startswith("-")]
        if options:
            parser.error(f"unrecognised options with photos: {' '.join(options)}")
        return _run_gui(photos)
    args = parser.parse_args(args_list)
    if args.selftest:
        return _run_command(cmd_selftest, args)
    if getattr(args, "func", None) is None:
        return _run_gui([])
    return _run_command(args.func, args)


def _looks_like_a_command(word: str) -> bool:
    """A word that is no file and has no extension is a mistyped subcommand, not a photo
    (a photo name nearly always has one); otherwise the window opens and reports it."""
    is_plain_word = not Path(word).suffix and "/" not in word and os.sep not in word
    return is_plain_word and not os.path.lexists(word)


def _unknown_command_message(word: str, commands: Sequence[str]) -> str:
    close = difflib.get_close_matches(word, commands, n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    return (f"unknown command '{word}'{hint}. Commands: {', '.join(commands)}; "
            "or give photo files to open them in the window")


def _run_command(handler: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    """Run a subcommand; Ctrl+C and a closed output pipe end it quietly, like Unix tools.

    The one place every subcommand's Ctrl+C ends (a subcommand that has something to
    say about it first, like ``teach``, says it and lets it through).
    """
    try:
        return int(handler(args))
    except KeyboardInterrupt:
        # Changes to a library are transactions, so nothing half-written stays behind.
        return EXIT_INTERRUPTED
    except OSError as exc:
        if not _reader_went_away(exc):
            raise
        # `fmf-desktop identify ... | head -1`: the reader left; nothing to report.
        _discard_stdout()
        return EXIT_BROKEN_PIPE


def _reader_went_away(exc: OSError) -> bool:
    """Whether ``exc`` is a write to a pipe whose reader has gone: BrokenPipeError, which
    Windows reports as EINVAL instead."""
    return isinstance(exc, BrokenPipeError) or (
        sys.platform == "win32" and exc.errno == errno.EINVAL
    )


def _discard_stdout() -> None:
    """Point stdout at the null device: Python flushes stdout at exit and would complain
    about the closed pipe."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, sys.stdout.fileno())
        finally:
            os.close(devnull)  # stdout holds its own copy now


def gui_main() -> int:
    """Entry point of the windowed ``fmf-desktop-gui`` script (no console on Windows)."""
    return main()


def _run_gui(paths: list[str]) -> int:
    try:
        from fmf_desktop._qt.app import run_gui
    except ImportError as exc:
        print(f"fmf-desktop: the window cannot start ({exc}). "
              "Use `fmf-desktop identify PHOTO` on machines without a display.",
              file=sys.stderr)
        return 1
    return int(run_gui(paths))


# -- identify ----------------------------------------------------------------------------

def box_in_original(box: Box, image: LoadedImage) -> list[int]:
    """``box`` (in the decoded pixels) as [x, y, w, h] in the original photo's pixels,
    inside the photo. Each axis has its own factor: rounding a very thin photo's short
    side (3 px -> 2) changes its factor a lot more than the long side's."""
    decoded_h, decoded_w = image.rgb.shape[:2]
    fx = image.original_width / decoded_w
    fy = image.original_height / decoded_h
    x0 = min(max(round(box.x * fx), 0), image.original_width)
    y0 = min(max(round(box.y * fy), 0), image.original_height)
    x1 = min(max(round((box.x + box.w) * fx), x0), image.original_width)
    y1 = min(max(round((box.y + box.h) * fy), y0), image.original_height)
    return [x0, y0, x1 - x0, y1 - y0]


def figurine_to_json(fig: Figurine, image: LoadedImage, shops: list[Shop]) -> dict:
    from fmf_desktop.shops import shop_links

    best = fig.best
    return {
        "box": box_in_original(fig.box, image),
        "decision": fig.decision,
        # How the box was made: "detected", "manual" or "whole-image" (also the answer of
        # the second look at a photo whose boxes named no taught figure).
        "origin": fig.origin,
        # False: unlike the bundled model's training drawings, so its classes weren't trusted.
        "familiar": not fig.unfamiliar,
        "top": [
            # "taught": a figure the user taught, whose id is its name and may equal a
            # bundled character's id.
            {"id": c.id, "name": c.name, "franchise": c.franchise,
             "score": round(c.score, 4), "taught": c.character.taught}
            for c in fig.top
        ],
        "shops": [
            {"name": name, "url": url}
            for name, url in (shop_links(best.character, shops) if best else [])
        ],
    }


def identify_paths(
    paths: Sequence[str],
    *,
    as_json: bool,
    whole_image: bool = False,
    threshold: float | None = None,
    threads: int = 2,
    matcher: TaughtMatcher | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Identify each file, printing as it goes; 0 when all were read, 1 when any failed.

    ``matcher`` (a TaughtMatcher) lets ``identify --library`` add taught figures.
    """
    from fmf_desktop.imaging import ImageLoadError, load_image
    from fmf_desktop.recognition import PHOTO_MAX_SIDE, ModelLoadError, Recognizer
    from fmf_desktop.shops import ShopConfigError, load_builtin_shops

    out = out or sys.stdout
    err = err or sys.stderr
    try:
        recognizer = Recognizer(num_threads=threads)
        shops = load_builtin_shops()
    except (ModelLoadError, ShopConfigError) as exc:
        print(f"fmf-desktop: {exc}", file=err)
        return 1
    failed = 0
    for path in paths:
        try:
            image = load_image(path, max_side=PHOTO_MAX_SIDE)
        except ImageLoadError as exc:
            failed += 1
            if as_json:
                print(_json_line({"path": path, "error": str(exc)}), file=out, flush=True)
            else:
                print(f"fmf-desktop: {exc}", file=err, flush=True)  # exc names the file
            continue
        result = recognizer.identify(
            image.rgb, whole_image=whole_image, unsure_threshold=threshold,
            matcher=matcher, path=path,
        )
        figurines = [figurine_to_json(f, image, shops) for f in result.figurines]
        if as_json:
            print(_json_line({"path": path, "figurines": figurines}), file=out, flush=True)
        else:
            print(format_table(path, image.original_width, image.original_height, figurines),
                  file=out, flush=True)
    return 1 if failed else 0


def _json_line(document: dict) -> str:
    """One JSON line, pure ASCII: valid UTF-8 whatever the file names hold (an undecodable
    byte in a name is a lone surrogate, escaped as \\udcXX, which Python's os.fsencode
    turns back into the byte), and printable on any console encoding."""
    return json.dumps(document, ensure_ascii=True)


def format_table(path: str, width: int, height: int, figurines: list[dict]) -> str:
    lines = [f"{path} ({width}x{height}): {count_noun(len(figurines), 'figurine')}"]
    for n, fig in enumerate(figurines, 1):
        x, y, w, h = fig["box"]
        top = fig["top"]
        if fig["decision"] == "known" and top:
            franchise = top[0]["franchise"]
            verdict = top[0]["name"] + (f" ({franchise})" if franchise else "")
        elif not fig.get("familiar", True):
            verdict = "not sure (unlike the drawings the model was trained on)"
        else:
            verdict = "not sure"
        where = ("the whole photo" if fig.get("origin") == "whole-image"
                 else f"x={x} y={y} w={w} h={h}")
        lines.append(f"  #{n} at {where}: {verdict}")
        for c in top:
            bar = "#" * round(c["score"] * 20)
            lines.append(f"      {c['score'] * 100:5.1f}%  {bar:<20}  {c['name']}  [{c['id']}]")
        if fig["decision"] == "known" and fig["shops"]:
            lines.append(f"      shop: {fig['shops'][0]['name']}: {fig['shops'][0]['url']}")
    return "\n".join(lines)


def cmd_identify(args: argparse.Namespace) -> int:
    try:
        matcher = matcher_from_args(args)
    except LibraryError as exc:
        # Only a library named with --library gets here: naming photos without the taught
        # figures the user asked for would look like an answer, so stop before any.
        print(f"fmf-desktop identify: {exc}", file=sys.stderr)
        return 1
    return identify_paths(
        args.paths,
        as_json=args.json,
        whole_image=args.whole_image,
        threshold=args.threshold,
        threads=args.threads,
        matcher=matcher,
    )


# -- selftest ------------------------------------------------------------------------------

def cmd_selftest(args: argparse.Namespace) -> int:
    from fmf_desktop.paths import sample_image_path

    sample = sample_image_path()
    if not sample.is_file():
        print(f"selftest FAILED: the bundled sample photo is missing ({sample})", file=sys.stderr)
        return 1
    print(f"fmf-desktop {__version__} selftest: identifying {sample}")
    code = identify_paths([str(sample)], as_json=False)
    if code != 0:
        print("selftest FAILED", file=sys.stderr)
        return code
    print("selftest OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
