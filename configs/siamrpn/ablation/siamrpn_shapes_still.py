# Ablation of configs/siamrpn/siamrpn_shapes.py (docs/siamrpn.md#ablation),
# step 1: the earlier recipe's training data, pairs cut from still images
# only (template and search from one image), no augmentation besides the
# crop's shift and scale jitter; 2,400 pairs an epoch, as the recipe.
_base_ = './siamrpn_shapes_video.py'

# the still-image source twice (1,200 pairs each) instead of the videos
train_dataloader = dict(
    dataset=dict(datasets=[
        {{_base_.plain_image_pairs}}, {{_base_.plain_image_pairs}}
    ]))
