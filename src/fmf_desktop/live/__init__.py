"""Live recognition from a camera or a video file (Qt-free).

- `sources`: where frames come from (`FrameSource`: video file, camera, test doubles).
- `tracker`: follows figurines across frames and smooths their names.
- `pipeline`: runs capture and recognition on separate threads, always on the latest frame.
- `cli`: the `fmf-desktop live` subcommand.
"""
