"""The label marks file: its shape, bad input, a corrupt file left untouched, a full disk, and many
writers at once (threads and processes) keeping every mark."""

from __future__ import annotations

import datetime as dt
import errno
import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from fmnist_core import atomic_files
from fmnist_core.evaluation import label_marks
from fmnist_core.evaluation.label_marks import FINE, LOOKS_WRONG, MarksFileError

ROOT = Path(__file__).resolve().parents[2]


def test_marks_are_stored_in_the_documented_shape(artifacts):
    assert label_marks.read_marks() == {}  # no file yet
    label_marks.set_mark(42, LOOKS_WRONG)
    label_marks.set_mark(7, FINE)
    stored = json.loads((artifacts / "label_marks.json").read_text())
    assert stored["version"] == 1 and set(stored["marks"]) == {"7", "42"}
    assert stored["marks"]["42"]["mark"] == "looks_wrong" and stored["marks"]["7"]["mark"] == "fine"
    marked_at = dt.datetime.fromisoformat(stored["marks"]["42"]["marked_at"])
    assert abs(dt.datetime.now(dt.UTC) - marked_at) < dt.timedelta(minutes=1)
    marks = label_marks.read_marks()
    assert marks[42].mark == LOOKS_WRONG and marks[7].mark == FINE
    assert label_marks.marked(marks, LOOKS_WRONG) == [42] and label_marks.marked(marks, FINE) == [7]


def test_a_mark_can_be_changed_and_undone(artifacts):
    label_marks.set_mark(3, LOOKS_WRONG)
    assert label_marks.set_mark(3, FINE)[3].mark == FINE
    assert label_marks.clear_mark(3) == {}
    assert label_marks.clear_mark(3) == {}  # undoing twice is harmless
    assert label_marks.read_marks() == {}


@pytest.mark.parametrize(
    ("index", "mark", "message"),
    [(-1, LOOKS_WRONG, "not a test index"), ("5", FINE, "not a test index"),
     (True, FINE, "not a test index"), (5, "wrong", "not a mark")],
)  # fmt: skip
def test_bad_marks_are_refused_and_lose_nothing(artifacts, index, mark, message):
    label_marks.set_mark(1, FINE)
    before = (artifacts / "label_marks.json").read_bytes()
    with pytest.raises(ValueError, match=message):
        label_marks.set_mark(index, mark)
    assert (artifacts / "label_marks.json").read_bytes() == before


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("{not json", "bad JSON"),
        ("[1, 2]", '"version": 1'),
        ('{"version": 2, "marks": {}}', '"version": 1'),
        ('{"version": 1, "marks": [1]}', '"marks" must be an object'),
        ('{"version": 1, "marks": {"x": {"mark": "fine", "marked_at": "t"}}}', "'x' is not a test index"),
        ('{"version": 1, "marks": {"3": {"mark": "meh", "marked_at": "t"}}}', "the mark of image 3"),
        ('{"version": 1, "marks": {"3": {"mark": "fine"}}}', "the mark of image 3"),
    ],
)
def test_a_corrupt_file_is_reported_and_never_overwritten(artifacts, content, problem):
    path = artifacts / "label_marks.json"
    path.write_text(content)
    with pytest.raises(MarksFileError, match="not a label marks file") as error:
        label_marks.read_marks()
    message = str(error.value)
    assert str(path) in message and problem in message
    assert "left untouched" in message and "move it away" in message
    for change in (lambda: label_marks.set_mark(1, LOOKS_WRONG), lambda: label_marks.clear_mark(1)):
        with pytest.raises(MarksFileError):
            change()
    assert path.read_text() == content


def test_a_binary_file_is_reported_too(artifacts):
    (artifacts / "label_marks.json").write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(MarksFileError, match="not text"):
        label_marks.read_marks()


def test_a_full_disk_leaves_the_file_unchanged(artifacts, monkeypatch):
    label_marks.set_mark(1, FINE)
    path = artifacts / "label_marks.json"
    before = path.read_bytes()

    def full_disk(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(atomic_files.os, "fsync", full_disk)
    with pytest.raises(OSError, match="the disk is full") as error:
        label_marks.set_mark(2, LOOKS_WRONG)
    assert error.value.errno == errno.ENOSPC
    assert str(path) in str(error.value) and "left unchanged" in str(error.value)
    assert path.read_bytes() == before
    assert sorted(p.name for p in artifacts.iterdir()) == ["label_marks.json", "label_marks.json.lock"]


def test_threads_marking_at_once_keep_every_mark(artifacts):
    def mark_many(start: int) -> None:
        for index in range(start, start + 40):
            label_marks.set_mark(index, LOOKS_WRONG if index % 2 else FINE)

    threads = [threading.Thread(target=mark_many, args=(start,)) for start in (0, 1000, 2000, 3000)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    marks = label_marks.read_marks()
    assert len(marks) == 160
    assert all(marks[index].mark == (LOOKS_WRONG if index % 2 else FINE) for index in marks)


def test_processes_marking_at_once_keep_every_mark(artifacts):
    code = (
        "import sys\nfrom fmnist_core.evaluation import label_marks\n"
        "start = int(sys.argv[1])\n"
        "for index in range(start, start + 60):\n"
        "    label_marks.set_mark(index, 'looks_wrong')\n"
    )
    workers = [
        subprocess.Popen([sys.executable, "-c", code, str(start)], cwd=ROOT, stderr=subprocess.PIPE)
        for start in (0, 5000)
    ]
    for worker in workers:
        _, stderr = worker.communicate(timeout=120)
        assert worker.returncode == 0, stderr.decode()
    assert sorted(label_marks.read_marks()) == [*range(60), *range(5000, 5060)]
