"""CLI pieces for taught figures: ``teach`` and the ``--library`` option of ``identify``.

Registered from ``cli.py`` (``SUBCOMMANDS``); kept here so the shared CLI module only
needs two small hooks.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from fmf_desktop.wording import count_noun

from .library import Library, LibraryError, clean_name, default_library_path

if TYPE_CHECKING:
    from .matching import LibraryMatcher

LIBRARY_HELP = "taught-figure library file (default: the app's own library)"


def add_library_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--library", metavar="FILE", type=_library_file, default=None,
                        help=LIBRARY_HELP)


def _library_file(text: str) -> Path:
    # An empty value (`--library "$UNSET_VARIABLE"`) would otherwise mean "the default
    # library", silently teaching into the user's own library.
    if not text.strip():
        raise argparse.ArgumentTypeError("must name a file, got an empty value")
    return Path(text).expanduser()


def _library_path(args: argparse.Namespace) -> Path:
    return args.library if args.library is not None else default_library_path()


def matcher_from_args(args: argparse.Namespace,
                         err: TextIO | None = None) -> LibraryMatcher | None:
    """The TaughtMatcher for ``identify`` and ``live``, or None to use the bundled model
    only.

    A library named with ``--library`` that cannot be used (missing, a folder, damaged,
    from a newer version) raises LibraryError: the user asked for its figures. The
    default library is optional: without it, or when it is unusable (a note says why),
    the bundled model names the photos.
    """
    from .matching import LibraryMatcher, SimilarityCalibration, model_key
    from .paths import default_labels_path, default_model_path

    err = err or sys.stderr
    explicit = args.library is not None
    try:
        # Finding the default library creates the data folder, which can fail too (a
        # read-only home on first run): that must not stop recognition either.
        path = _library_path(args)
        if path.is_dir():
            raise LibraryError(f"{path} is a folder, not a figure library file.")
        if not path.is_file():
            if not explicit:
                return None  # nothing taught yet
            raise LibraryError(f"No figure library at {path} (the file does not exist).")
        library = Library(path)
    except LibraryError as exc:
        if explicit:
            raise
        print(f"fmf-desktop: {exc} Using the bundled model only.", file=err)
        return None
    import json

    try:
        labels = json.loads(default_labels_path().read_text(encoding="utf-8"))
        key = model_key(default_model_path())
    except (OSError, ValueError):
        return None  # identify itself reports the missing/bad model
    if library.read_only:
        from .teaching import outdated_read_only_warning

        warning = outdated_read_only_warning(library, key)
        if warning:
            print(f"fmf-desktop: some {warning}.", file=err)
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
    """0 when every photo was taught; 1 when any photo (or the library) failed; 2 for a
    name that cannot be a figure's. Ctrl+C is let through to ``cli`` (exit 130) after
    saying how far it got: the library then holds either nothing of this run or all its
    new examples; extra views that were still being added are completed by the next
    teach or the app."""
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        clean_name(args.name)  # before the model loads: a bad name wastes no waiting
    except LibraryError as exc:
        print(f"fmf-desktop teach: --name: {exc}", file=err)
        return 2
    try:
        library = Library(_library_path(args))
    except LibraryError as exc:
        print(f"fmf-desktop teach: {exc}", file=err)
        return 1
    progress = TeachProgress()
    with library:
        try:
            return _teach(args, library, progress, out, err)
        except KeyboardInterrupt:
            # Every library change is one transaction: an interrupted one rolled back.
            if progress.taught is None:
                print("fmf-desktop teach: interrupted; nothing was taught", file=err)
            else:
                print(f"fmf-desktop teach: interrupted; {progress.taught!r} was already "
                      "saved to the library", file=err)
            raise


@dataclass
class TeachProgress:
    """How far ``teach`` got, for an honest message when Ctrl+C stops it."""

    taught: str | None = None  # the figure's name once its examples are saved


def _teach(args: argparse.Namespace, library: Library, progress: TeachProgress,
           out: TextIO, err: TextIO) -> int:
    from .imaging import ImageLoadError, load_image
    from .recognition import PHOTO_MAX_SIDE, ModelLoadError, Recognizer
    from .teaching import (
        BlankPhotoError,
        add_missing_views,
        current_model_key,
        example_from_crop,
        reembed_stale,
        teach_crop,
    )

    try:
        model = Recognizer()
    except ModelLoadError as exc:
        print(f"fmf-desktop teach: {exc}", file=err)
        return 1
    key = current_model_key(model)
    examples, failed = [], 0
    for photo in args.photos:
        try:
            image = load_image(photo, max_side=PHOTO_MAX_SIDE)
        except ImageLoadError as exc:
            failed += 1
            print(f"fmf-desktop teach: {exc} (skipped)", file=err)  # exc names the photo
            continue
        try:
            crop = teach_crop(model, image.rgb, whole_image=args.whole_image)
        except BlankPhotoError:
            failed += 1
            print(f"fmf-desktop teach: {photo}: the photo is blank, no figurine to teach "
                  "(skipped)", file=err)
            continue
        if crop.found > 1:
            print(f"{photo}: {crop.found} figurines found; taught the first one "
                  f"(box {crop.box.as_list()}). Crop the photo to choose another.",
                  file=err)
        examples.append(example_from_crop(crop, str(Path(photo).resolve())))
    if not examples:
        print("fmf-desktop teach: no photo could be used; nothing was taught", file=err)
        return 1
    try:
        reembed_stale(library, model, key)
        before = library.find(args.name)
        figure = library.teach(args.name, examples, franchise=args.franchise, model=key)
        progress.taught = figure.name
        add_missing_views(library, model, key)  # here, so `identify` needs no model work
    except LibraryError as exc:
        print(f"fmf-desktop teach: {exc}", file=err)
        return 1
    added = figure.examples - (before.examples if before else 0)
    franchise = f" ({figure.franchise})" if figure.franchise else ""
    print(f"Taught {figure.name!r}{franchise}: {count_noun(added, 'new example')}, "
          f"{figure.examples} in total. Library: {library.path}", file=out)
    return 1 if failed else 0
