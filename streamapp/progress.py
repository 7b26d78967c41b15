"""Progress bars for management commands: tqdm writing to a command's ``self.stderr``.

    from streamapp.progress import command_progress

    with command_progress(self.stderr, desc="Importing", unit=" files", disable=no_progress) as bar:
        ...

``disable=None`` is tqdm's own rule: no bar when the stream is not a terminal.
"""

from django.core.management.base import OutputWrapper
from tqdm import tqdm


class CommandStream:
    """Hand tqdm a command's OutputWrapper without the newline OutputWrapper adds to each write."""

    def __init__(self, wrapper: OutputWrapper):
        self.wrapper = wrapper

    def write(self, text: str) -> None:
        self.wrapper.write(text, ending="")

    def flush(self) -> None:
        self.wrapper.flush()

    def isatty(self) -> bool:
        return self.wrapper.isatty()


def command_progress(output: OutputWrapper | CommandStream, **options) -> tqdm:
    """Return a tqdm bar writing to a command's output (self.stderr); options go to tqdm.

    Pass a CommandStream you keep when lines must be printed above the bar
    (``tqdm.write(line, file=stream)``).
    """
    stream = output if isinstance(output, CommandStream) else CommandStream(output)
    return tqdm(file=stream, **options)
