"""streamapp.progress: the one progress bar of the management commands."""

import io

from django.core.management.base import OutputWrapper
from tqdm import tqdm

from streamapp.progress import CommandStream, command_progress


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_command_progress_writes_the_bar_to_the_wrapper_without_added_newlines():
    out = io.StringIO()
    with command_progress(OutputWrapper(out), total=3, desc="Importing", unit=" files") as bar:
        bar.update(3)
    text = out.getvalue()
    assert "Importing" in text and "3/3" in text
    assert text.count("\n") == 1  # only tqdm's own closing newline, none added per write


def test_command_progress_is_silent_when_disabled():
    out = io.StringIO()
    with command_progress(OutputWrapper(out), total=3, disable=True) as bar:
        bar.update(3)
    assert out.getvalue() == ""


def test_command_progress_with_disable_none_shows_a_bar_only_on_a_terminal():
    piped, terminal = io.StringIO(), _Terminal()
    for stream in (piped, terminal):
        with command_progress(OutputWrapper(stream), total=2, disable=None) as bar:
            bar.update(2)
    assert piped.getvalue() == ""
    assert "2/2" in terminal.getvalue()


def test_lines_written_through_a_kept_stream_print_above_the_bar():
    out = io.StringIO()
    stream = CommandStream(OutputWrapper(out))
    with command_progress(stream, total=1) as bar:
        tqdm.write("line 3: unreadable", file=stream)
        bar.update(1)
    assert "line 3: unreadable\n" in out.getvalue()
