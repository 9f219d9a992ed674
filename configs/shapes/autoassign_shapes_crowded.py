# AutoAssign on the crowded shapes variant: 150-300 objects of 10-32 px
# drawn per 288-320 px image (about 200 kept after the occlusion rule), an
# aerial-image or shelf stand-in. One epoch of 200 images: a run that shows
# the head trains and fits in memory on crowded images, not a tuned recipe.
# With ~200 gts a batch takes the window path (docs/autoassign.md#windows).
#
# Detections: up to 1000 per image (the shapes recipe keeps 100, fewer than
# the objects). The COCO metric is mmdet's CocoMetric: maxDets 100 / 300 /
# 1000; pycocotools reports bbox_mAP at 100 detections and mAP_50, mAP_75
# and the size breakdown at 1000.
_base_ = './autoassign_shapes.py'

data_root = 'data/shapes_crowded/'
shapes_dataset = dict(
    out_dir=data_root, num_train=200, num_val=16, num_test=16, seed=0,
    min_size=288, max_size=320, layout='crowded')
train_dataloader = dict(batch_size=4, dataset=dict(data_root=data_root))
val_dataloader = dict(batch_size=4, dataset=dict(data_root=data_root))
test_dataloader = dict(batch_size=4, dataset=dict(data_root=data_root))
val_evaluator = dict(ann_file=data_root + 'annotations/instances_val.json')
test_evaluator = dict(ann_file=data_root + 'annotations/instances_test.json')

model = dict(test_cfg=dict(max_per_img=1000))

max_epochs = 1
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [  # 50 iterations: warm up over 10, then cosine
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0,
         end=10),
    dict(type='CosineAnnealingLR', by_epoch=True, begin=0, end=max_epochs,
         T_max=max_epochs, eta_min=2e-5, convert_to_iter_based=True)
]
