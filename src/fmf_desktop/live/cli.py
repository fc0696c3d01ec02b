"""`fmf-desktop live --source VIDEO_OR_INDEX [--json]`: live recognition without a window.

Prints one line per tracked figurine at each recognition update, as the stream runs; with
`--json` each line is `{"t", "track", "box": [x, y, w, h], "id", "name", "score",
"decision"}` (box in frame pixels, `t` in seconds into the stream).  Stops at the end of
a file (exit 0) or on Ctrl+C (exit 130, without a traceback); 141 when the reader of the
output goes away (`| head`).
"""

from __future__ import annotations

import argparse
import json
import queue
import shlex
import signal
import sys
from typing import TYPE_CHECKING, TextIO

from fmf_desktop.library import LibraryError
from fmf_desktop.library_cli import add_library_option, matcher_from_args

if TYPE_CHECKING:  # the pipeline pulls in OpenCV; `fmf-desktop --help` should not wait for it
    from fmf_desktop.live.pipeline import LiveFigurine, LiveUpdate


def register(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "live",
        help="name figurines in a camera stream or video file as it runs (no window)",
        description="Track and name figurines in a live camera stream or a video file. "
        "Prints one line per figurine at each recognition update.",
    )
    p.add_argument("--source", required=True, metavar="VIDEO_OR_INDEX",
                   help="a video file, or a camera index (0 = first camera)")
    p.add_argument("--json", action="store_true",
                   help="print one JSON object per figurine per update, one per line")
    p.add_argument("--every-frame", action="store_true",
                   help="for video files: recognise every frame, as fast as possible, "
                   "instead of playing the file in real time and skipping frames like a "
                   "camera would (deterministic output for scripts)")
    add_threads_option(p)
    add_library_option(p)  # taught figures are named live too, as in the window
    p.set_defaults(func=cmd_live)
    return p


def add_threads_option(parser: argparse.ArgumentParser) -> None:
    """``--threads N`` for the model (here, not in cli.py, which imports this module;
    ``identify`` uses it too)."""
    parser.add_argument("--threads", type=_thread_count, default=2, metavar="N",
                        help="inference threads (default 2)")


def _thread_count(text: str) -> int:
    # Only called when --threads is given, so `--help` does not wait for the model code.
    from fmf_desktop.recognition import MAX_THREADS

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if not 1 <= value <= MAX_THREADS:
        raise argparse.ArgumentTypeError(f"must be between 1 and {MAX_THREADS}, got {value}")
    return value


def format_line(fig: LiveFigurine, t: float) -> str:
    x, y, w, h = fig.box.as_list()
    if fig.character is None:
        what = "…"
    elif fig.decision == "known":
        what = f"{fig.character.name} {fig.score * 100:.0f}%"
    else:
        what = f"not sure (maybe {fig.character.name}, {fig.score * 100:.0f}%)"
    return f"{t:7.2f}s  #{fig.track:<3} {what}  at x={x} y={y} w={w} h={h}"


def _print_update(update: LiveUpdate, as_json: bool, out: TextIO) -> None:
    lines = []
    for fig in update.figurines:
        if fig.character is None:
            continue  # not named yet; it will be in the next update
        if as_json:
            # ASCII: a taught figure's name prints on any console encoding.
            lines.append(json.dumps(fig.to_json(update.t), ensure_ascii=True))
        else:
            lines.append(format_line(fig, update.t))
    if lines:
        out.write("\n".join(lines) + "\n")
        out.flush()


def run_live(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from fmf_desktop.live.pipeline import LivePipeline, LiveStatus, LiveUpdate, RecognizerEngine
    from fmf_desktop.live.sources import VideoFileSource, open_source, quiet_decoder_logs
    from fmf_desktop.recognition import ModelLoadError, Recognizer

    # Before the first capture opens: FFmpeg reads its log level once.
    quiet_decoder_logs()

    try:
        matcher = matcher_from_args(args, err)
    except LibraryError as exc:
        # Only a library named with --library: the user asked for its figures.
        print(f"fmf-desktop live: {exc}", file=err)
        return 1
    try:
        engine = RecognizerEngine(Recognizer(num_threads=args.threads),
                                  matcher=None if matcher is None else lambda: matcher)
    except ModelLoadError as exc:
        print(f"fmf-desktop: {exc}", file=err)
        return 1
    source = open_source(args.source, realtime=not args.every_frame)
    if args.every_frame and isinstance(source, VideoFileSource):
        return _run_every_frame(source, engine, args.json, out, err)

    # Callbacks run on the pipeline's threads; the main thread does the printing, so
    # Ctrl+C (delivered to the main thread) always interrupts promptly.
    events: queue.Queue[LiveUpdate | LiveStatus] = queue.Queue()  # noqa: F821 (local import)
    pipeline = LivePipeline(source, engine, on_update=events.put, on_status=events.put)
    pipeline.start()
    try:
        while True:
            try:
                ev = events.get(timeout=0.5)
            except queue.Empty:
                continue
            if isinstance(ev, LiveUpdate):
                _print_update(ev, args.json, out)
            elif ev.state == "error":
                print(f"fmf-desktop: {_error_text(ev.message, ev.kind, args.source)}",
                      file=err)
                return 1
            elif ev.state == "disconnected":
                print(f"fmf-desktop: {ev.message}", file=err, flush=True)
            elif ev.state in ("ended", "stopped"):
                return 0
    finally:
        pipeline.stop()


def _run_every_frame(source, engine, as_json: bool, out: TextIO, err: TextIO) -> int:
    from fmf_desktop.live.pipeline import LivePipeline
    from fmf_desktop.live.sources import SourceError

    pipeline = LivePipeline(source, engine)
    try:
        source.open()
        while (frame := source.read()) is not None:
            _print_update(pipeline.recognize(frame), as_json, out)
    except SourceError as exc:
        # Also a damaged file found at its end, after the frames it did have were printed.
        print(f"fmf-desktop: {_error_text(str(exc), exc.kind, str(source.path))}", file=err)
        return 1
    finally:
        source.close()
    return 0


def _error_text(message: str, kind: str, spec: str) -> str:
    """The source's message, plus what to do instead where the CLI knows better."""
    if kind == "photo":
        return (f"{message}; to name the figurines in it, run: "
                f"fmf-desktop identify {shlex.quote(spec)}")
    return message


def cmd_live(args: argparse.Namespace) -> int:
    # Some launchers start us with SIGINT ignored; Ctrl+C must still end the stream.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    # Ctrl+C (how a user ends a camera stream) and `fmf-desktop live ... | head` end
    # quietly in cli.main, with 130 and 141 like the other subcommands.
    return run_live(args, sys.stdout, sys.stderr)
