# Faster R-CNN R50 FPN 1x on COCO: mmdet's recipe
# (faster-rcnn_r50_fpn_1x_coco, 37.4 box AP in mmdet's model zoo) with
# plugin's RPNHead as its rpn_head; everything else, the train_cfg included,
# is mmdet's. Expects COCO 2017 under data/coco/ and downloads the ImageNet
# backbone on first use. Offline, use configs/shapes/faster_rcnn_shapes.py.
_base_ = 'mmdet::faster_rcnn/faster-rcnn_r50_fpn_1x_coco.py'
custom_imports = dict(imports=['plugin'], allow_failed_imports=False)

model = dict(rpn_head=dict(type='plugin.RPNHead'))
