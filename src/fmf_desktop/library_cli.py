"""CLI pieces for taught figures: ``teach`` and the ``--library`` option of ``identify``.

Registered from ``cli.py`` (``SUBCOMMANDS``); kept here so the shared CLI module only
needs two small hooks.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

from .library import Library, LibraryError, default_library_path

LIBRARY_HELP = "taught-figure library file (default: the app's own library)"


def add_library_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--library", metavar="FILE", default=None, help=LIBRARY_HELP)


def _library_path(args: argparse.Namespace) -> Path:
    return Path(args.library).expanduser() if args.library else default_library_path()


def matcher_for_identify(args: argparse.Namespace, err: TextIO | None = None):
    """The TaughtMatcher for ``identify``, or None (a warning says why) to use the model only."""
    from .matching import LibraryMatcher, SimilarityCalibration, model_key
    from .paths import default_labels_path, default_model_path

    err = err or sys.stderr
    try:
        path = _library_path(args)
        if not path.is_file():
            if args.library:  # the user named a file that is not there: say so
                print(f"fmf-desktop: no figure library at {path}; "
                      "using the bundled model only", file=err)
            return None
        library = Library(path)
    except LibraryError as exc:
        print(f"fmf-desktop: {exc} Using the bundled model only.", file=err)
        return None
    import json

    try:
        labels = json.loads(default_labels_path().read_text(encoding="utf-8"))
        key = model_key(default_model_path())
    except (OSError, ValueError):
        return None  # identify itself reports the missing/bad model
    # Embedding size None: the table's own width; examples of other models are filtered
    # by the key. Re-embedding old examples happens in `teach` and in the app.
    return LibraryMatcher(library, key, None, SimilarityCalibration.from_labels(labels))


def register_teach(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "teach",
        help="teach a figure from photos (no retraining)",
        description="Add photos of one figure to the taught-figure library. Later "
        "identify runs (and the app) recognise it. Photos of an existing name add examples.",
    )
    p.add_argument("photos", nargs="+", metavar="PHOTO", help="photos of the figure")
    p.add_argument("--name", required=True, help="the figure's name (shown in results)")
    p.add_argument("--franchise", default="", help="series or franchise (optional)")
    p.add_argument("--whole-image", action="store_true",
                   help="use each whole photo (skip locating); for already-cropped photos")
    add_library_option(p)
    p.set_defaults(func=cmd_teach)
    return p


def cmd_teach(args: argparse.Namespace, out: TextIO | None = None,
              err: TextIO | None = None) -> int:
    """0 when every photo was taught; 1 when any photo (or the library) failed."""
    from .imaging import ImageLoadError, load_image
    from .recognition import ModelLoadError, Recognizer
    from .teaching import (
        add_missing_views,
        current_model_key,
        example_from_crop,
        reembed_stale,
        teach_crop,
    )

    out = out or sys.stdout
    err = err or sys.stderr
    if not " ".join(args.name.split()):
        print("fmf-desktop teach: --name must not be empty", file=err)
        return 2
    try:
        library = Library(_library_path(args))
    except LibraryError as exc:
        print(f"fmf-desktop teach: {exc}", file=err)
        return 1
    with library:
        try:
            model = Recognizer()
        except ModelLoadError as exc:
            print(f"fmf-desktop teach: {exc}", file=err)
            return 1
        key = current_model_key(model)
        examples, failed = [], 0
        for photo in args.photos:
            try:
                image = load_image(photo, max_side=2048)
            except ImageLoadError as exc:
                failed += 1
                print(f"{photo}: error: {exc} (skipped)", file=err)
                continue
            crop = teach_crop(model, image.rgb, whole_image=args.whole_image)
            if crop.found > 1:
                print(f"{photo}: {crop.found} figurines found; taught the first one "
                      f"(box {crop.box.as_list()}). Crop the photo to choose another.",
                      file=err)
            examples.append(example_from_crop(crop, str(Path(photo).resolve())))
        if not examples:
            print("fmf-desktop teach: no photo could be read; nothing was taught", file=err)
            return 1
        try:
            reembed_stale(library, model, key)
            before = library.find(args.name)
            figure = library.teach(args.name, examples, franchise=args.franchise, model=key)
            add_missing_views(library, model, key)  # here, so `identify` needs no model work
        except LibraryError as exc:
            print(f"fmf-desktop teach: {exc}", file=err)
            return 1
        added = figure.examples - (before.examples if before else 0)
        franchise = f" ({figure.franchise})" if figure.franchise else ""
        print(f"Taught {figure.name!r}{franchise}: {added} new example(s), "
              f"{figure.examples} in total. Library: {library.path}", file=out)
    return 1 if failed else 0
