# Faster R-CNN with plugin's RPN on the crowded shapes variant (see
# autoassign_shapes_crowded.py: the data, one epoch, up to 1000 detections,
# the COCO metric's maxDets).
_base_ = './faster_rcnn_shapes.py'

data_root = 'data/shapes_crowded/'
shapes_dataset = dict(
    out_dir=data_root, num_train=200, num_val=16, num_test=16, seed=0,
    min_size=288, max_size=320, layout='crowded')
train_dataloader = dict(batch_size=4, dataset=dict(data_root=data_root))
val_dataloader = dict(batch_size=4, dataset=dict(data_root=data_root))
test_dataloader = dict(batch_size=4, dataset=dict(data_root=data_root))
val_evaluator = dict(ann_file=data_root + 'annotations/instances_val.json')
test_evaluator = dict(ann_file=data_root + 'annotations/instances_test.json')

# proposals and detections for ~200 objects an image
model = dict(
    test_cfg=dict(
        rpn=dict(nms_pre=2000, max_per_img=1000),
        rcnn=dict(max_per_img=1000)))

max_epochs = 1
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [  # 50 iterations: warm up over 10, then cosine
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0,
         end=10),
    dict(type='CosineAnnealingLR', by_epoch=True, begin=0, end=max_epochs,
         T_max=max_epochs, eta_min=2e-5, convert_to_iter_based=True)
]
