# Ablation of configs/siamrpn/siamrpn_shapes.py (docs/siamrpn.md#ablation),
# step 3: video and still-image pairs with pysot's augmentations; no hard
# negatives (the recipe, step 4, adds them).
_base_ = '../siamrpn_shapes.py'

train_dataloader = dict(
    dataset=dict(datasets=[{{_base_.video_pairs}}, {{_base_.image_pairs}}]))
