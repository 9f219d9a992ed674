# What the shapes configs share beyond the dataset, on top of mmdet's default
# runtime: AdamW (it converges from scratch in few epochs where SGD needs
# many more), COCO mAP every epoch, the best checkpoint kept, seed 0. Each
# config sets its own epochs (train_cfg) and learning-rate schedule
# (param_scheduler).
_base_ = 'mmdet::_base_/default_runtime.py'

val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=2e-3, weight_decay=0.05),
    paramwise_cfg=dict(norm_decay_mult=0., bias_decay_mult=0.),
    clip_grad=dict(max_norm=35, norm_type=2))

# plugin.CheckpointHook: mmengine's, with atomic writes (a kill during a
# save leaves the previous checkpoint and last_checkpoint intact);
# plugin.RNGStateHook: random states in checkpoints, so that --resume
# continues the draws of the interrupted run (docs/training.md)
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=25),
    checkpoint=dict(
        type='plugin.CheckpointHook',
        interval=1,
        max_keep_ckpts=1,
        save_best='coco/bbox_mAP',
        rule='greater'))
custom_hooks = [dict(type='plugin.RNGStateHook')]
randomness = dict(seed=0)
