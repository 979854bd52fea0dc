class MediaError(Exception):
    """A file that cannot be ingested; the message is shown to the user as is (translated
    where it is made: in a worker that is the default language, English)."""


class MediaToolMissing(MediaError):
    """ffmpeg or ffprobe is not installed (or not where the settings say)."""
