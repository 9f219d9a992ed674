"""Refuse to resume from a checkpoint that is not complete, by name.

mmengine resumes from whatever ``work_dir/last_checkpoint`` names. A file
cut short (a kill during the save under mmengine's own CheckpointHook, a
full disk, a copy interrupted) then fails deep inside ``torch.load`` with an
unpickling or zip error that names neither the file nor a way out, and an
empty ``last_checkpoint`` fails with an unrelated error about ``''``.
``tools/train.py --resume`` checks the file first: torch writes checkpoints
as zip archives, whose central directory sits at the end of the file and
whose members carry CRC-32s, so a truncated or damaged file is found
without unpickling anything.
"""
import glob
import os.path as osp
import zipfile
from typing import Optional


class CheckpointFileError(RuntimeError):
    """A checkpoint chosen for ``--resume`` is missing or damaged."""


def checkpoint_problem(path: str) -> Optional[str]:
    """Why ``path`` cannot be a complete checkpoint, or None if it is one.

    A file in torch's legacy (non-zip) format is not checked.
    """
    if not osp.isfile(path):
        return 'the file does not exist'
    if osp.getsize(path) == 0:
        return 'the file is empty'
    with open(path, 'rb') as f:
        if f.read(2) == b'\x80\x02':  # torch's legacy pickle format
            return None
    try:
        with zipfile.ZipFile(path) as archive:
            bad = archive.testzip()  # reads every member, checks its CRC
    except (zipfile.BadZipFile, OSError, EOFError) as e:
        return f'it is not a complete checkpoint (truncated?): {e}'
    if bad is not None:
        return f'its member {bad!r} is damaged (CRC mismatch)'
    return None


def _intact_hint(work_dir: str, skip: str) -> str:
    """The complete checkpoints of ``work_dir`` but ``skip``, newest first,
    as the end of an error message."""
    paths = sorted(glob.glob(osp.join(work_dir, '*.pth')),
                   key=osp.getmtime, reverse=True)
    intact = [p for p in paths
              if osp.abspath(p) != osp.abspath(skip)
              and checkpoint_problem(p) is None]
    if not intact:
        return ' No complete checkpoint was found beside it.'
    return (f' Complete checkpoints there, newest first: {", ".join(intact)}'
            '; resume from one with --resume PATH.')


def check_resume_file(path: str, work_dir: Optional[str] = None) -> None:
    """Raise :class:`CheckpointFileError`, naming ``path`` and the complete
    checkpoints beside it, unless ``path`` is a complete checkpoint."""
    problem = checkpoint_problem(path)
    if problem is None:
        return
    hint = _intact_hint(work_dir or osp.dirname(path) or '.', path)
    raise CheckpointFileError(
        f'Cannot resume from {path}: {problem}.{hint}')


def latest_checkpoint(work_dir: str) -> Optional[str]:
    """The checkpoint ``work_dir/last_checkpoint`` names, checked.

    Returns:
        Its path, or None when there is no ``last_checkpoint`` (a first run:
        mmengine then trains from scratch).

    Raises:
        CheckpointFileError: ``last_checkpoint`` is empty, or names a file
            that is missing or not complete.
    """
    record = osp.join(work_dir, 'last_checkpoint')
    if not osp.isfile(record):
        return None
    with open(record) as f:
        path = f.read().strip()
    if not path:
        raise CheckpointFileError(
            f'Cannot resume: {record} is empty (a kill while it was '
            f'written?).{_intact_hint(work_dir, "")}')
    check_resume_file(path, work_dir)
    return path
