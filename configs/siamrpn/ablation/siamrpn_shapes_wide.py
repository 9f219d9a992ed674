# The earlier shapes recipe (docs/siamrpn.md#ablation): backbone channels
# 24 / 48 / 96 / 96, 16 pairs a step, 6 epochs of 2,400 pairs (14,400
# pairs), one data loader worker. Measured in a fresh clone on 2 CPU
# cores: 10 min 19 s for tools/train.py, test success AUC 0.575,
# precision@20 0.865. The recipe that replaced it (../siamrpn_shapes.py)
# takes the same data, augmentations and labels with a narrower net and
# the data loaded in the main process, which on 2 cores trains more pairs
# in the same minutes (24,000 in 10 epochs).
_base_ = '../siamrpn_shapes.py'

channels = (24, 48, 96, 96)
model = dict(
    backbone=dict(channels=channels),
    head=dict(in_channels=channels[-1], feat_channels=64),
    # its options from tools/tune_tracker.py on val (the recipe's were
    # tuned on its own checkpoint)
    test_cfg=dict(window_influence=0.40))

train_dataloader = dict(
    batch_size=16, num_workers=1, persistent_workers=True)

max_epochs = 6
train_cfg = dict(max_epochs=max_epochs, val_begin=5)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0,
         end=100),
    dict(
        type='CosineAnnealingLR',
        T_max=max_epochs,
        eta_min_ratio=0.05,
        by_epoch=True,
        begin=0,
        end=max_epochs,
        convert_to_iter_based=True)
]
