"""Check a COCO annotation file against what mmdet's CocoDataset makes of it.

mmdet's ``CocoDataset`` (mmdet/datasets/coco.py) silently skips what it
cannot use: annotations whose category name is not in the config's
``classes``, boxes outside their image or under 1 px, annotations of unknown
images. The classic result is a dataset that trains for hours on images
without gt. :func:`check_coco_file` reads the file once, replays
``CocoDataset.parse_data_info`` and ``filter_data`` on all boxes at once with
numpy and returns a :class:`~plugin.datasets.check.report.CocoCheckReport`:

* errors: the run would crash (a missing image file, a key mmdet reads) or be
  meaningless (no category matches ``classes``, no usable box in a training
  file, an infinite gt box);
* warnings: mmdet drops or alters data (it says which rule), or the data
  look suspicious (half of the images without gt).

:func:`~plugin.datasets.check.report.enforce_reports` logs the warnings and
raises :class:`~plugin.datasets.check.report.DatasetCheckError` on errors.
"""
from __future__ import annotations

import json
import math
import os.path as osp
import time
from collections import Counter
from itertools import repeat
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np

from .report import CocoCheckReport

__all__ = [
    'check_coco_file', 'check_coco_json', 'SAMPLE_IMAGES',
    'EMPTY_WARN_FRACTION'
]

#: Image files whose existence is checked by default: this many, spread
#: evenly over the images mmdet loads. A wrong ``data_prefix`` or a missing
#: folder shows up in any sample, and 100 ``stat`` calls cost nothing next
#: to json.load; all 118k of COCO train2017 are 118k calls, slow on a
#: network file system (hence ``all_images`` is opt-in).
SAMPLE_IMAGES = 100

#: Warn when at least this fraction of the images a dataset keeps has no gt.
#: COCO train2017 has ~1% images without annotations; half means something
#: systematic (boxes or categories dropped), or background images on purpose,
#: which is why it is a warning and not an error.
EMPTY_WARN_FRACTION = 0.5

# Examples listed per problem: enough to see the pattern, short to read.
_EXAMPLES = 3
# Names listed per list of categories or classes: all of COCO's 80, while a
# 1000-class vocabulary does not flood the terminal.
_MAX_NAMES = 80
# A kept box may reach this many pixels outside its image before it is
# reported: sub-pixel overshoot is rounding in float annotations, and
# Resize clips the box anyway.
_OUTSIDE_TOL = 1.0
# The value of a key that is absent (JSON null reads as None).
_MISSING = object()
# numpy dtype kinds that come from JSON numbers (bool: true/false, which
# Python arithmetic treats as 1/0 like mmdet does).
_NUMERIC_KINDS = 'biuf'


def _names(names: Sequence[Any]) -> str:
    """A list of names for a message, cut after ``_MAX_NAMES``."""
    shown = ', '.join(repr(n) for n in list(names)[:_MAX_NAMES])
    more = len(names) - _MAX_NAMES
    return f'[{shown}{f", ... {more} more" if more > 0 else ""}]'


def _is_number(value: Any) -> bool:
    """Whether a JSON value is a number Python arithmetic accepts."""
    return type(value) in (int, float, bool)


def _to_float(value: Any) -> float:
    """A JSON number as float (NaN for anything else, inf on overflow)."""
    if not _is_number(value):
        return math.nan
    try:
        return float(value)
    except OverflowError:  # an integer beyond float's range
        return math.inf if value > 0 else -math.inf


def _array(values: List[Any]) -> Optional[np.ndarray]:
    """``np.array(values)``, None when numpy refuses (ragged lists)."""
    try:
        return np.array(values)
    except (ValueError, TypeError):
        return None


def _numbers(values: List[Any]) -> Tuple[np.ndarray, np.ndarray]:
    """JSON values as float64 and a mask of those that are not numbers.

    numpy converts a clean list in one C loop; only a list with a non-number
    (string, null, list) takes the per-value Python path.
    """
    arr = _array(values) if values else None
    if arr is not None and arr.ndim == 1 and \
            arr.dtype.kind in _NUMERIC_KINDS:
        return arr.astype(np.float64), np.zeros(len(values), bool)
    bad = np.fromiter((not _is_number(v) for v in values), bool, len(values))
    return np.array([_to_float(v) for v in values], np.float64), bad


def _boxes(values: List[Any]) -> Tuple[np.ndarray, np.ndarray]:
    """``bbox`` values as an (N, 4) float64 array and a mask of bad ones
    (not a list of 4 numbers; their row is NaN)."""
    n = len(values)
    arr = _array(values) if n else None
    if arr is not None and arr.ndim == 2 and arr.shape[1] == 4 and \
            arr.dtype.kind in _NUMERIC_KINDS:
        return arr.astype(np.float64), np.zeros(n, bool)
    bad = np.fromiter(
        (not (type(b) is list and len(b) == 4 and all(
            _is_number(v) for v in b)) for b in values), bool, n)
    out = np.full((n, 4), np.nan)
    for k in np.flatnonzero(~bad):
        out[k] = [_to_float(v) for v in values[k]]
    return out, bad


def _field(records: List[dict], key: str, default: Any = None) -> list:
    """``[r.get(key, default) for r in records]``, in C (``map``)."""
    return list(map(dict.get, records, repeat(key), repeat(default)))


def _flags(values: List[Any]) -> np.ndarray:
    """Python truthiness of each value (``iscrowd``, ``ignore``)."""
    arr = _array(values) if values else np.zeros(0, bool)
    if arr is not None and arr.ndim == 1 and \
            arr.dtype.kind in _NUMERIC_KINDS:
        return arr.astype(bool)  # same as bool() for numbers, NaN included
    return np.fromiter(map(bool, values), bool, len(values))


def _positions(keys: List[Any], ids: List[Any],
               table: Dict[Any, int]) -> np.ndarray:
    """Position of each key in ``ids`` (the last one of duplicates, as in
    ``table``), -1 where absent.

    Integer ids (COCO's) are matched with a sorted search; others through
    ``table``, which raises TypeError for unhashable keys.
    """
    n = len(keys)
    key_arr = _array(keys) if n and ids else None
    id_arr = _array(ids) if key_arr is not None else None
    if key_arr is not None and id_arr is not None and key_arr.ndim == 1 \
            and id_arr.ndim == 1 and key_arr.dtype.kind in 'iu' and \
            id_arr.dtype.kind in 'iu':
        order = np.argsort(id_arr, kind='stable')
        sorted_ids = id_arr[order]
        # side='right' - 1: the last of equal ids, like a dict's last write
        at = np.searchsorted(sorted_ids, key_arr, side='right') - 1
        found = (at >= 0) & (sorted_ids[np.maximum(at, 0)] == key_arr)
        return np.where(found, order[np.maximum(at, 0)], -1)
    return np.fromiter(map(table.get, keys, repeat(-1)), np.int64, n)


def _mmdet_overlaps(box: Sequence[float], width: float,
                    height: float) -> bool:
    """``CocoDataset.parse_data_info``'s overlap test, line for line.

    Used for boxes with NaN or inf, where Python's ``min``/``max`` (which
    return their first argument when a comparison with NaN is False) and
    numpy's (which propagate NaN) differ.
    """
    x1, y1, w, h = (float(v) for v in box)
    inter_w = max(0, min(x1 + w, width) - max(x1, 0))
    inter_h = max(0, min(y1 + h, height) - max(y1, 0))
    return inter_w * inter_h != 0


def _mmdet_keeps(box: Sequence[float], width: float, height: float,
                 area: float) -> bool:
    """``CocoDataset.parse_data_info``'s box tests, line for line (see
    :func:`_mmdet_overlaps`)."""
    w, h = float(box[2]), float(box[3])
    return _mmdet_overlaps(box, width, height) and not (area <= 0 or w < 1
                                                         or h < 1)


def _load(path: str, report: CocoCheckReport,
          test_mode: bool) -> Optional[Dict[str, list]]:
    """json.load the file and check its top level.

    Returns:
        The parsed dict, with ``annotations`` defaulted to ``[]`` for an
        unlabelled test file; None after an error.
    """
    try:
        with open(path, encoding='utf-8') as f:
            coco = json.load(f)
    except OSError as e:
        report.errors.append(f'cannot read the file: {e.strerror or e}')
        return None
    except (ValueError, UnicodeDecodeError) as e:  # JSONDecodeError included
        report.errors.append(f'not valid JSON: {e}')
        return None
    if not isinstance(coco, dict):
        report.errors.append(
            f'the top level is a JSON {type(coco).__name__}, not an object '
            f'with images/annotations/categories')
        return None
    if 'annotations' not in coco and test_mode:
        # Like COCO test-dev's image_info file: images to predict on.
        report.warnings.append(
            "no 'annotations': an unlabelled file; fine for format_only "
            'predictions, but no metric can be computed from it')
        coco['annotations'] = []
    problems = []
    for key in ('images', 'annotations', 'categories'):
        if key not in coco:
            problems.append(f"no '{key}' key")
        elif not isinstance(coco[key], list):
            problems.append(
                f"'{key}' is a {type(coco[key]).__name__}, not a list")
    if problems:
        report.errors.append(
            'not a COCO detection file: ' + '; '.join(problems) +
            f' (top-level keys: {_names(sorted(map(str, coco)))})')
        return None
    return coco


def check_coco_json(path: str, name: str = '') -> CocoCheckReport:
    """Light check of a file another component reads (e.g. CocoMetric's
    ``ann_file``): readable, JSON, and the three COCO lists present.

    Args:
        path: The annotation file.
        name: Who uses it, for the report.

    Returns:
        The report, with ``images``/``annotations``/``categories`` counts.
    """
    start = time.perf_counter()
    report = CocoCheckReport(path, name, 'structure only')
    coco = _load(path, report, test_mode=False)
    if coco is not None:
        report.stats.update(
            images=len(coco['images']),
            annotations=len(coco['annotations']),
            categories=len(coco['categories']))
    report.seconds = time.perf_counter() - start
    return report


class _CocoCheck:
    """One run of :func:`check_coco_file`: the stages share the arrays."""

    def __init__(self, report: CocoCheckReport, coco: Dict[str, list],
                 classes: Sequence[str]) -> None:
        self.report = report
        self.images: List[Any] = coco['images']
        self.anns: List[Any] = coco['annotations']
        self.cats: List[Any] = coco['categories']
        self.classes = list(classes)

    # -- helpers -----------------------------------------------------------

    def _count(self, key: str, mask: np.ndarray, text: str, error: bool,
               what: str = 'annotation') -> None:
        """Record ``counts[key]`` and, when non-zero, a message with the
        first examples (``what`` says whether mask indexes annotations or
        images)."""
        count = int(mask.sum())
        self.report.counts[key] = count
        if not count:
            return
        idx = np.flatnonzero(mask)[:_EXAMPLES]
        if what == 'annotation':
            examples = '; '.join(self._ann_example(k) for k in idx)
        else:
            examples = '; '.join(self._image_example(k) for k in idx)
        message = f'{count} {what}(s) {text}. E.g. {examples}'
        (self.report.errors if error else self.report.warnings).append(
            message)

    def _ann_example(self, k: int) -> str:
        ann = self.anns[k]
        if not isinstance(ann, dict):
            return f'#{k}: {ann!r:.60}'
        return (f'ann id {ann.get("id")!r} (image {ann.get("image_id")!r}, '
                f'category {ann.get("category_id")!r}) bbox '
                f'{ann.get("bbox")!r:.80}')

    def _image_example(self, k: int) -> str:
        img = self.images[k]
        if not isinstance(img, dict):
            return f'#{k}: {img!r:.60}'
        return (f'image id {img.get("id")!r} {img.get("file_name")!r} '
                f'{img.get("width")!r}x{img.get("height")!r}')

    # -- stages ------------------------------------------------------------

    def categories(self) -> bool:
        """Match the file's categories to ``classes`` as mmdet does.

        mmdet takes ``coco.get_cat_ids(cat_names=classes)``: the ids of the
        file's categories whose name is in ``classes``, in the file's order
        (all categories when ``classes`` is empty), and numbers labels in
        that order.

        Returns:
            False when the check cannot go on.
        """
        report, cats = self.report, self.cats
        bad = [
            k for k, c in enumerate(cats)
            if not (isinstance(c, dict) and 'id' in c
                    and isinstance(c.get('name'), str))
        ]
        if bad:
            report.errors.append(
                f'{len(bad)} categories are not objects with an id and a '
                f'string name (pycocotools reads both). E.g. '
                f'{"; ".join(repr(cats[k])[:60] for k in bad[:_EXAMPLES])}')
            return False
        ids = [c['id'] for c in cats]
        names = [c['name'] for c in cats]
        try:
            dup_ids = [i for i, n in Counter(ids).items() if n > 1]
        except TypeError:
            report.errors.append('category ids must be numbers or strings')
            return False
        if dup_ids:
            # pycocotools keeps the last category of an id, mmdet's label
            # map the last position: all of them get the same label.
            report.errors.append(
                f'{len(dup_ids)} duplicate category ids (e.g. '
                f'{_names(dup_ids[:_EXAMPLES])}): their annotations all get '
                f'one label')
            return False
        wanted = set(self.classes)
        matched = [k for k, n in enumerate(names) if not wanted or n in wanted]
        self.cat_ids = ids
        self.file_pos = {i: k for k, i in enumerate(ids)}
        # Label of each file category (-1: not in classes); the extra last
        # entry is what an unknown category id (position -1) looks up.
        self.cat_label = np.full(len(cats) + 1, -1, np.int64)
        self.cat_label[matched] = np.arange(len(matched))
        # Categories whose annotations mmdet drops (reported in boxes(),
        # with their annotation count); none listed when nothing matches,
        # the error below says it all.
        self.unmatched_cats = [
            k for k in range(len(cats)) if matched and self.cat_label[k] < 0
        ]
        file_names = set(names)
        report.stats.update(
            categories=len(cats),
            classes=len(self.classes),
            classes_matched=sum(c in file_names for c in self.classes))
        matched_names = [names[k] for k in matched]
        dup_names = [n for n, c in Counter(matched_names).items() if c > 1]
        if dup_names:
            report.errors.append(
                f'category names appear more than once in the file: '
                f'{_names(dup_names)}. mmdet gives each of their ids its own '
                f'label: labels 0..{len(matched) - 1} for '
                f'{len(self.classes)} classes, shifted against the names, '
                f'and a label >= num_classes is background (or out of '
                f'range) for the head')
        if not matched:
            lower = {n.strip().lower(): n for n in names}
            near = [(c, lower[c.strip().lower()]) for c in self.classes
                    if isinstance(c, str) and c.strip().lower() in lower]
            hint = (f' Names that differ only in case or spaces: '
                    f'{"; ".join(f"{a!r} ~ {b!r}" for a, b in near[:10])}.'
                    if near else '')
            report.errors.append(
                f"none of the file's {len(names)} categories is among the "
                f"config's {len(self.classes)} classes (mmdet matches exact "
                f'names), so every annotation would be dropped. Categories '
                f'in the file: {_names(names)}; classes: '
                f'{_names(self.classes)}.{hint} Set the dataset\'s '
                f'metainfo=dict(classes=...) to the names to train on.')
            return True
        missing = [c for c in self.classes if c not in file_names]
        if missing:
            report.warnings.append(
                f'{len(missing)} of {len(self.classes)} classes have no '
                f'category in the file, so they never get a gt box: '
                f'{_names(missing)}')
        # Label k is the file's k-th matched category, but the config
        # (visualisation, inference) calls it classes[k]: another order, or
        # a class missing before the end, shifts names against labels.
        # CocoMetric maps labels back the same way, so mAP is unaffected.
        named = list(self.classes[:len(matched_names)])
        if wanted and not dup_names and matched_names != named:
            first = next(k for k, (a, b) in enumerate(
                zip(matched_names, named)) if a != b)
            report.warnings.append(
                f'labels do not follow classes: mmdet numbers labels in the '
                f'file\'s category order (pycocotools getCatIds), skipping '
                f'classes absent from the file, so label {first} is '
                f'{matched_names[first]!r} in the data while classes[{first}]'
                f' is {named[first]!r}: visualisations and predictions carry '
                f'wrong names. Set classes to the file\'s order: '
                f'{_names(matched_names)}')
        return True

    def image_records(self) -> bool:
        """Check the image records; build id -> position and the sizes.

        Returns:
            False when the check cannot go on.
        """
        report, images = self.report, self.images
        n = len(images)
        report.stats['images'] = n
        if not all(type(img) is dict for img in images):
            self._count('bad_image',
                        np.array([type(img) is not dict for img in images]),
                        'are not JSON objects', error=True, what='image')
            return False
        ids = self.image_ids = _field(images, 'id')
        names_ok = np.fromiter(
            (type(f) is str for f in _field(images, 'file_name')), bool, n)
        width, bad_w = _numbers(_field(images, 'width'))
        height, bad_h = _numbers(_field(images, 'height'))
        no_id = np.array([i is None for i in ids], bool)
        # mmdet reads id, file_name, width and height of every image (a
        # KeyError or TypeError mid-load). A NaN or inf size is an error
        # too: mmdet's tests then depend on the argument order of Python's
        # min(), i.e. on nothing meaningful.
        bad = no_id | ~names_ok | bad_w | bad_h | ~(
            np.isfinite(width) & np.isfinite(height))
        self._count('bad_image', bad,
                    'without an id, a string file_name, or a finite numeric '
                    'width and height (mmdet reads all four)',
                    error=True, what='image')
        self._count('bad_image_size', ~bad & ((width <= 0) | (height <= 0)),
                    'have a width or height <= 0: no box overlaps them, so '
                    'mmdet drops all their boxes and loads the image '
                    'without gt', error=False, what='image')
        try:
            self.img_pos = {i: k for k, i in enumerate(ids)}
        except TypeError:
            report.errors.append('image ids must be numbers or strings')
            return False
        if len(self.img_pos) < n:
            # pycocotools' imgs dict keeps the last image of each id.
            dup = np.ones(n, bool)
            dup[list(self.img_pos.values())] = False
            self._count('duplicate_image_id', dup,
                        'share their id with a later image: pycocotools '
                        'keeps the last one, so these files are never '
                        'loaded and their boxes land on the other image',
                        error=True, what='image')
        if not n:
            report.errors.append("'images' is empty: the dataset has no "
                                 'sample')
        self.width, self.height = width, height
        return not bad.any()

    def annotations(self) -> bool:
        """Check the annotation records and map them to images and labels.

        Returns:
            False when the check cannot go on.
        """
        report, anns = self.report, self.anns
        n = len(anns)
        report.stats['annotations'] = n
        if not all(type(a) is dict for a in anns):
            self._count('bad_annotation',
                        np.array([type(a) is not dict for a in anns]),
                        'are not JSON objects', error=True)
            return False
        # pycocotools indexes id, image_id and category_id of every
        # annotation: a missing key is a KeyError. A null value is not: it
        # is an id like any other, so a null image_id or category_id ends
        # up dangling or unknown below, as in mmdet.
        ids = _field(anns, 'id', _MISSING)
        img_ids = _field(anns, 'image_id', _MISSING)
        cat_ids = _field(anns, 'category_id', _MISSING)
        missing = np.zeros(n, bool)
        for values in (ids, img_ids, cat_ids):
            if _MISSING in values:  # a C scan; the mask only when needed
                missing |= np.fromiter((v is _MISSING for v in values), bool,
                                       n)
        self._count('missing_field', missing,
                    'lack an id, image_id or category_id key (pycocotools '
                    'indexes all three)', error=True)
        self.box, bad_box = _boxes(_field(anns, 'bbox'))
        self._count('bad_bbox', bad_box,
                    'have a bbox that is not a list of 4 numbers [x, y, w, '
                    'h] (mmdet unpacks it and adds to it)', error=True)
        try:
            if len(set(ids)) < n:
                # CocoDataset asserts unique ids when it loads the file.
                counts = Counter(ids)
                self._count('duplicate_ann_id',
                            np.array([counts[i] > 1 for i in ids]),
                            'share their id with another annotation: '
                            'CocoDataset stops with "Annotation ids ... are '
                            'not unique"', error=True)
            self.img_idx = _positions(img_ids, self.image_ids, self.img_pos)
            cat_idx = _positions(cat_ids, self.cat_ids, self.file_pos)
        except TypeError:
            report.errors.append('annotation ids, image_ids and '
                                 'category_ids must be numbers or strings')
            return False
        # -1 (unknown category) indexes the extra -1 at the end.
        self.label = self.cat_label[cat_idx]
        self.known_cat = cat_idx >= 0
        self.area, self.bad_area = _numbers(_field(anns, 'area'))
        self.crowd = _flags(_field(anns, 'iscrowd', False))
        # Most files have no 'ignore' key at all: one C scan for them.
        self.ignore = (
            _flags(_field(anns, 'ignore', False))
            if any(map(dict.__contains__, anns, repeat('ignore'))) else
            np.zeros(n, bool))
        self.malformed = missing | bad_box
        return True

    def boxes(self) -> None:
        """Replay ``parse_data_info`` on every box; count what it drops."""
        report, box, img_idx = self.report, self.box, self.img_idx
        dangling = (img_idx < 0) & ~self.malformed
        self._count('dangling', dangling,
                    "point at an image_id that is not in 'images': "
                    'pycocotools files them under an image mmdet never '
                    'loads, so they are dropped', error=False)
        report.counts['ignored'] = int((self.ignore & ~dangling).sum())
        # What mmdet parses: annotations of a listed image, without
        # 'ignore': true (skipped first thing in parse_data_info).
        parsed = (img_idx >= 0) & ~self.ignore & ~self.malformed
        # Image size per annotation; image -1 (dangling) reads the padding.
        width = np.append(self.width, 1.0)[img_idx]
        height = np.append(self.height, 1.0)[img_idx]
        x, y, w, h = box.T
        finite = np.isfinite(box).all(axis=1)
        # NaN and inf rows are redone below; huge finite values overflow
        with np.errstate(invalid='ignore', over='ignore'):
            inter_w = np.maximum(
                0, np.minimum(x + w, width) - np.maximum(x, 0))
            inter_h = np.maximum(
                0, np.minimum(y + h, height) - np.maximum(y, 0))
            overlaps = inter_w * inter_h != 0
            wh_ok = (w >= 1) & (h >= 1)
            # area NaN (missing): `nan <= 0` is False, as in Python
            keeps = overlaps & wh_ok & ~(self.area <= 0)
            beyond = (x < -_OUTSIDE_TOL) | (y < -_OUTSIDE_TOL) | (
                x + w > width + _OUTSIDE_TOL) | (y + h > height + _OUTSIDE_TOL)
        for k in np.flatnonzero(parsed & ~finite):
            overlaps[k] = _mmdet_overlaps(box[k], width[k], height[k])
            keeps[k] = _mmdet_keeps(box[k], width[k], height[k],
                                    self.area[k])
        kept_box = parsed & keeps
        # Each finite box counts once, under the first rule it breaks.
        f = parsed & finite
        zero = f & ((w <= 0) | (h <= 0))
        small = f & ~zero & ~wh_ok
        outside = f & ~zero & ~small & ~overlaps
        # Non-finite boxes: NaN and -inf fail mmdet's overlap test (dropped);
        # a +inf width or height passes it and the box is kept, inf.
        self._count('non_finite_kept', parsed & ~finite & keeps,
                    'have an infinite width or height that mmdet keeps '
                    '(x + inf passes its overlap test): an inf gt box makes '
                    'the box loss inf or NaN', error=True)
        self._count('non_finite', parsed & ~finite & ~keeps,
                    'have a NaN or infinite bbox value: mmdet drops them '
                    '(its overlap test with the image fails)', error=False)
        self._count('zero_size', zero,
                    'have a zero or negative width or height: mmdet drops '
                    'them (no overlap with the image, or w < 1 or h < 1)',
                    error=False)
        self._count('under_1px', small,
                    'are less than 1 px wide or high: mmdet drops them '
                    '(w < 1 or h < 1)', error=False)
        self._count('outside', outside,
                    'lie entirely outside their image (no overlap with '
                    '[0, width] x [0, height]): mmdet drops them', error=False)
        self._count('partly_outside', f & kept_box & beyond,
                    f'reach more than {_OUTSIDE_TOL:g} px outside their '
                    f'image: mmdet keeps them unclipped; Resize clips gt '
                    f'boxes to the image (clip_object_border=True, its '
                    f'default), a pipeline without it trains on the raw '
                    f'box', error=False)
        with np.errstate(invalid='ignore'):
            no_area = f & overlaps & wh_ok & (self.area <= 0)
        self._count('non_positive_area', no_area,
                    "have 'area' <= 0 on a valid box: mmdet drops them",
                    error=False)
        # mmdet reads ann['area'] only for boxes that overlap their image.
        self._count('bad_area', parsed & overlaps & self.bad_area,
                    "have no numeric 'area' although their box overlaps the "
                    "image: mmdet reads ann['area'] and fails (KeyError or "
                    'TypeError)', error=True)
        self._count('unknown_category', ~self.known_cat & ~self.malformed,
                    "have a category_id that is not in 'categories': mmdet "
                    'drops them', error=False)
        unmatched = self.known_cat & (self.label < 0) & ~self.malformed
        report.counts['unmatched_category'] = int(unmatched.sum())
        if self.unmatched_cats:
            names = [self.cats[k]['name'] for k in self.unmatched_cats]
            report.warnings.append(
                f'{len(names)} of {len(self.cats)} categories in the file '
                f'are not in classes, so mmdet drops their '
                f'{int(unmatched.sum())} annotation(s): {_names(names)}')
        self.kept = kept_box & (self.label >= 0)
        # Crowd boxes are kept as ignore regions, which are not gt.
        self.gt = self.kept & ~self.crowd
        report.counts['crowd'] = int((self.kept & self.crowd).sum())
        report.stats.update(
            boxes_kept=int(self.kept.sum()),
            crowd_kept=report.counts['crowd'])

    def filtering(self, test_mode: bool, filter_cfg: Optional[dict],
                  training: bool) -> None:
        """Replay ``filter_data`` and count the images left without gt."""
        report, img_idx = self.report, self.img_idx
        n_img = len(self.images)
        keep = np.ones(n_img, bool)
        if not test_mode and filter_cfg is not None:
            if filter_cfg.get('filter_empty_gt', False):
                # mmdet's test: the image has an annotation of a class in
                # the *raw* file (cat_img_map), dropped boxes, crowd and
                # 'ignore' included: an image whose boxes were all dropped
                # stays, without gt.
                raw = (img_idx >= 0) & (self.label >= 0)
                keep &= np.bincount(img_idx[raw], minlength=n_img) > 0
            # min_size filters images by their shorter side, not boxes.
            keep &= np.minimum(self.width, self.height) >= filter_cfg.get(
                'min_size', 0)
        gt_per_img = np.bincount(img_idx[self.gt], minlength=n_img)
        empty = keep & (gt_per_img == 0)
        n_keep, n_empty = int(keep.sum()), int(empty.sum())
        fraction = n_empty / n_keep if n_keep else math.nan
        self.keep_img = keep
        report.stats.update(
            images_kept=n_keep,
            images_without_gt=n_empty,
            empty_fraction=fraction)
        report.counts['images_without_gt'] = n_empty
        if not n_img:
            return  # an error already
        if not n_keep:
            report.errors.append(
                f'filter_cfg ({_filter_text(filter_cfg)}) leaves no image: '
                f'the dataset is empty')
        elif n_empty == n_keep:
            message = (f'none of the {n_keep} images mmdet keeps has a gt '
                       f'box (a non-crowd box it keeps, of a class in '
                       f'classes): '
                       f'{"training" if training else "evaluation"} would '
                       f'see background only')
            if training:
                report.errors.append(message)
            elif self.anns:  # else unlabelled, warned about already
                report.warnings.append(message)
        elif fraction >= EMPTY_WARN_FRACTION:
            dropped_stay = filter_cfg and not test_mode and filter_cfg.get(
                'filter_empty_gt', False)
            report.warnings.append(
                f'{n_empty} of the {n_keep} images mmdet keeps '
                f'({fraction:.0%}) have no gt box' +
                (' (filter_empty_gt looks at the raw annotations, so images '
                 'whose boxes were all dropped stay)' if dropped_stay else ''))

    def files(self, img_prefix: str, all_images: bool) -> None:
        """Check that the image files mmdet will load exist."""
        report = self.report
        idx = np.flatnonzero(self.keep_img)
        scope = f'all {len(idx)} loaded'
        if not all_images and len(idx) > SAMPLE_IMAGES:
            # Evenly spread: a folder missing for part of the file shows.
            idx = np.unique(
                np.linspace(0, len(idx) - 1, SAMPLE_IMAGES).round().astype(
                    np.int64))
            idx = np.flatnonzero(self.keep_img)[idx]
            scope = (f'a sample spread over the {int(self.keep_img.sum())} '
                     f'loaded; all_images checks all')
        missing = np.zeros(len(self.images), bool)
        for k in idx:
            path = osp.join(img_prefix, self.images[k]['file_name'])
            missing[k] = not osp.isfile(path)
        report.stats.update(
            files_checked=len(idx),
            files_scope=scope,
            files_missing=int(missing.sum()))
        self._count('missing_image_file', missing,
                    f'of {len(idx)} checked have no file under '
                    f'{img_prefix!r}: LoadImageFromFile raises when it '
                    f'reaches them, mid-epoch', error=True, what='image')


def _filter_text(filter_cfg: Optional[dict]) -> str:
    if not filter_cfg:
        return 'none'
    return ', '.join(f'{k}={v}' for k, v in filter_cfg.items())


def check_coco_file(path: str,
                    classes: Sequence[str],
                    img_prefix: Optional[str] = None,
                    test_mode: bool = False,
                    filter_cfg: Optional[dict] = None,
                    training: bool = False,
                    all_images: bool = False,
                    name: str = '') -> CocoCheckReport:
    """Check one COCO annotation file as ``CocoDataset`` would use it.

    Args:
        path: The annotation file.
        classes: The dataset's ``metainfo['classes']``.
        img_prefix: Folder of the images (data_root joined with
            ``data_prefix['img']``); None skips the image-file check.
        test_mode: The dataset's ``test_mode``: no ``filter_cfg``, and an
            unlabelled file (no ``annotations``) is allowed.
        filter_cfg: The dataset's ``filter_cfg`` (``filter_empty_gt``,
            ``min_size``).
        training: Whether a training loop reads it: then no usable box at
            all is an error (a warning for evaluation).
        all_images: Check every image file instead of
            :data:`SAMPLE_IMAGES` of them.
        name: Who uses the file, for the report.

    Returns:
        The report; it has errors or warnings, never raises.
    """
    start = time.perf_counter()
    if isinstance(classes, str):  # pycocotools accepts a lone name
        classes = (classes, )
    mode = ('test_mode' if test_mode else
            f'filter_cfg: {_filter_text(filter_cfg)}')
    settings = (f'{len(classes)} classes, {mode}'
                f'{", read by a training loop" if training else ""}')
    report = CocoCheckReport(path, name, settings)
    coco = _load(path, report, test_mode)
    if coco is not None:
        check = _CocoCheck(report, coco, classes)
        if check.categories() and check.image_records() and \
                check.annotations():
            check.boxes()
            check.filtering(test_mode, filter_cfg, training)
            if img_prefix is not None:
                check.files(img_prefix, all_images)
    report.seconds = time.perf_counter() - start
    return report
