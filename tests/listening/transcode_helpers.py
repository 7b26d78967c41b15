"""Real short audio files made with ffmpeg, their catalog rows, and ffprobe's view of a transcode."""

import hashlib
import json
import os
import subprocess
from pathlib import Path

from catalog.models import AudioFile
from tests.catalog.factories import make_audio_file, make_track

# name: (file name, ffmpeg's encoding arguments, the catalog's format and MIME type)
SOURCES = {
    "mp3": ("tone.mp3", ["-c:a", "libmp3lame", "-b:a", "192k"], AudioFile.Format.MP3, "audio/mpeg"),
    "flac": ("tone.flac", ["-c:a", "flac"], AudioFile.Format.FLAC, "audio/flac"),
    "m4a": ("tone.m4a", ["-c:a", "aac", "-b:a", "192k"], AudioFile.Format.M4A, "audio/mp4"),
}


def make_audio(folder: Path, kind: str, *, seconds: float = 2.5, noise: bool = False) -> Path:
    """Write a stereo tone (or white noise: it keeps a lossless file's bitrate high) in `kind`'s format."""
    name, codec, _, _ = SOURCES[kind]
    path = folder / name
    signal = "anoisesrc=color=white:amplitude=0.3" if noise else "sine=frequency=440"
    subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-t", str(seconds), "-i", signal,
         "-ac", "2", "-ar", "44100", *codec, str(path)],
        check=True,
    )
    return path


def probe(path: Path) -> dict:
    """Return ffprobe's format and first audio stream of a file."""
    found = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=format_name,bit_rate,duration:stream=codec_name",
         "-of", "json", str(path)],
        check=True, capture_output=True, text=True,
    )
    data = json.loads(found.stdout)
    return {"format": data["format"], "codec": data["streams"][0]["codec_name"]}


def make_playable_track(path: Path, kind: str, *, bitrate: int | None = None, seconds: float = 2.5):
    """A track of the catalog whose audio file is `path` (its checksum, size and bitrate as imported)."""
    _, _, fmt, mime = SOURCES[kind]
    content = path.read_bytes()
    size = len(content)
    audio = make_audio_file(
        path=str(path),
        format=fmt,
        mime_type=mime,
        size=size,
        duration_ms=int(seconds * 1000),
        bitrate=bitrate if bitrate is not None else int(size * 8 / seconds),
        checksum=hashlib.sha256(content).hexdigest(),
    )
    return make_track(audio_file=audio, duration_ms=int(seconds * 1000))


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def real_time_ffmpeg(folder: Path) -> str:
    """Return a program that runs the real ffmpeg reading its input at real-time speed (-re), so that
    a test can act while it runs, and counts its runs in `folder / "runs"`."""
    program = folder / "ffmpeg-real-time"
    program.write_text(f'#!/bin/sh\necho $$ >> "{folder / "runs"}"\nexec ffmpeg -re "$@"\n')
    program.chmod(0o755)
    return str(program)


def ffmpeg_runs(folder: Path) -> int:
    runs = folder / "runs"
    return len(runs.read_text().split()) if runs.exists() else 0


def ffmpeg_processes(source: Path) -> list[int]:
    """Return the ids of the processes whose command line names `source` (running, not zombies)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if str(source).encode() in command:
            found.append(int(entry.name))
    return found


def zombie_children() -> list[int]:
    """Return this process's children that exited and were never reaped."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        state, parent = stat.rsplit(")", 1)[1].split()[:2]
        if state == "Z" and int(parent) == os.getpid():
            found.append(int(entry.name))
    return found
