#!/usr/bin/env bash
# The main job: set up .venv (first run only), generate the shapes dataset
# (when absent), train AutoAssign on it, keep the best checkpoint by its val
# split's metric (COCO bbox mAP; proposal recall for the RPN configs),
# evaluate that checkpoint on the test split, draw its detections next to
# the ground truth on a few test images, and plot the training curves
# (losses and val metric per epoch). For the SiamRPN tracker: one-pass evaluation on the shapes
# videos' test split against the baselines (checkpoint picked on the val
# split), and one tracked sequence drawn.
#
#   bash tools/demo.sh                       # everything, ~10 min on 2 cores
#   bash tools/demo.sh --cfg-options train_cfg.max_epochs=1   # quick look
#   CONFIG=configs/shapes/centernet_shapes.py bash tools/demo.sh  # CenterNet
#   CONFIG=configs/shapes/rpn_shapes.py bash tools/demo.sh        # RPN
#   CONFIG=configs/siamrpn/siamrpn_shapes.py bash tools/demo.sh   # tracker
#
# Extra arguments go to tools/train.py. WORK_DIR and CONFIG may be set.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash tools/setup_env.sh
PY=.venv/bin/python
CONFIG=${CONFIG:-configs/shapes/autoassign_shapes.py}
WORK_DIR=${WORK_DIR:-work_dirs/$(basename "$CONFIG" .py)}

start=$(date +%s)
$PY tools/make_shapes_dataset.py --out data/shapes
$PY tools/train.py "$CONFIG" --work-dir "$WORK_DIR" "$@"
trained=$(date +%s)

if ls "$WORK_DIR"/best_ope_*_epoch_*.pth > /dev/null 2>&1; then  # tracker
    CKPT=$(ls -t "$WORK_DIR"/best_ope_*_epoch_*.pth | head -n 1)
    BASELINES="static mil untrained"
    # OpenCV's CSRT too when opencv-contrib is installed beside the venv
    # (bash tools/install_opencv_contrib.sh)
    if [ -d .venv/opencv-contrib ]; then BASELINES="$BASELINES csrt"; fi
    $PY tools/test_tracker.py "$CONFIG" "$CKPT" \
        --baselines $BASELINES --work-dir "$WORK_DIR/test_tracker"
    $PY tools/track_demo.py "$CONFIG" "$CKPT" --out "$WORK_DIR/track_demo.png"
    shown="tracked sequence drawn in $WORK_DIR/track_demo.png"
else
    CKPT=$(ls -t "$WORK_DIR"/best_coco_*_epoch_*.pth | head -n 1)
    $PY tools/test.py "$CONFIG" "$CKPT" --work-dir "$WORK_DIR/test"
    $PY tools/visualize_detections.py "$CONFIG" "$CKPT" \
        --out "$WORK_DIR/detections.png"
    shown="detections drawn in $WORK_DIR/detections.png"
fi
$PY tools/plot_curves.py "$WORK_DIR" --out "$WORK_DIR/curves.png"
echo "checkpoint: $CKPT"
echo "training took $((trained - start)) s"
echo "$shown"
echo "training curves (losses, val metric per epoch) in $WORK_DIR/curves.png"
