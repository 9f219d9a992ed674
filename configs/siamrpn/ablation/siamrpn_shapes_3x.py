# The earlier recipe (./siamrpn_shapes_wide.py) trained 3 times longer
# (18 epochs of 2,400 pairs: 43,200 pairs, about 30 minutes on 2 CPU
# cores): does the recipe gain from more pairs, i.e. is the CPU budget
# what limits it?
# (docs/siamrpn.md#ablation; the "trained longer" run, on the CPU
# for want of a GPU). The same schedule's shape: warm-up, then cosine to
# 5 % over all epochs; validated on the last 3 epochs only (25 s each).
_base_ = './siamrpn_shapes_wide.py'

max_epochs = 18
train_cfg = dict(max_epochs=max_epochs, val_begin=16)
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
