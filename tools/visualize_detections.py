"""Draw a detector's boxes on a few images of its test set into one PNG.

    python tools/visualize_detections.py CONFIG CHECKPOINT \
        --out detections.png [--num 6] [--score-thr 0.3]
"""
import argparse
import math
import os
import os.path as osp

import cv2
import numpy as np
from mmdet.apis import inference_detector, init_detector
from mmengine.config import Config

import plugin  # noqa: F401  (registers the heads, safe checkpoint loading)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--out', default='detections.png')
    parser.add_argument('--num', type=int, default=6, help='images to draw')
    parser.add_argument('--score-thr', type=float, default=0.3)
    parser.add_argument('--device', default='cpu')
    return parser.parse_args()


def test_images(cfg: Config, num: int) -> list:
    """Paths of the first ``num`` images of the config's test split."""
    import json
    ds = cfg.test_dataloader.dataset
    with open(osp.join(ds.data_root, ds.ann_file)) as f:
        images = json.load(f)['images'][:num]
    return [
        osp.join(ds.data_root, ds.data_prefix['img'], im['file_name'])
        for im in images
    ]


def draw(img: np.ndarray, result, classes, palette, thr: float) -> np.ndarray:
    """Boxes with class names and scores above ``thr``, in class colours."""
    inst = result.pred_instances
    keep = inst.scores > thr
    for box, label, score in zip(inst.bboxes[keep].tolist(),
                                 inst.labels[keep].tolist(),
                                 inst.scores[keep].tolist()):
        r, g, b = palette[label]
        x1, y1, x2, y2 = (int(round(v)) for v in box)
        cv2.rectangle(img, (x1, y1), (x2, y2), (b, g, r), 1)
        cv2.putText(img, f'{classes[label]} {score:.2f}', (x1, max(y1 - 2, 8)),
                    cv2.FONT_HERSHEY_SIMPLEX, 0.3, (b, g, r), 1, cv2.LINE_AA)
    return img


def main() -> None:
    args = parse_args()
    cfg = Config.fromfile(args.config)
    model = init_detector(cfg, args.checkpoint, device=args.device)
    classes = model.dataset_meta['classes']
    palette = model.dataset_meta.get('palette') or [(255, 0, 0)] * len(classes)
    tiles = []
    for path in test_images(cfg, args.num):
        img = cv2.imread(path)
        result = inference_detector(model, img)
        tiles.append(draw(img, result, classes, palette, args.score_thr))
    side = max(max(t.shape[:2]) for t in tiles)
    cols = min(3, len(tiles))
    rows = math.ceil(len(tiles) / cols)
    canvas = np.full((rows * side, cols * side, 3), 255, np.uint8)
    for i, tile in enumerate(tiles):
        r, c = divmod(i, cols)
        canvas[r * side:r * side + tile.shape[0],
               c * side:c * side + tile.shape[1]] = tile
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    cv2.imwrite(args.out, canvas)
    print(f'{len(tiles)} images with detections > {args.score_thr} '
          f'written to {args.out}')


if __name__ == '__main__':
    main()
