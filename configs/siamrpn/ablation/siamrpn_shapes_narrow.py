# The earlier recipe (./siamrpn_shapes_wide.py) with a narrower backbone
# (channels 16 / 32 / 64 / 64 instead of 24 / 48 / 96 / 96: about half the
# training step's time on 2 CPU cores, 71 against 34 pairs/s in
# bench_tracker.py's step) trained for twice the epochs (12 of 2,400
# pairs: 28,800 pairs); 12 min 8 s on 2 cores, test 0.678 / 0.895
# (docs/siamrpn.md#ablation). The step to the recipe: ../siamrpn_shapes.py
# loads its data in the main process, which fits 10 epochs in the
# budget.
_base_ = './siamrpn_shapes_wide.py'

channels = (16, 32, 64, 64)
model = dict(
    backbone=dict(channels=channels),
    head=dict(in_channels=channels[-1]))

max_epochs = 12
train_cfg = dict(max_epochs=max_epochs, val_begin=10)
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
