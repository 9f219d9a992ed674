# AutoAssign R50-caffe FPN 1x on COCO: mmdet's recipe
# (autoassign_r50-caffe_fpn_1x_coco, 40.4 box AP in mmdet's model zoo) with
# the head replaced by plugin's. Expects COCO 2017 under data/coco/ and
# downloads the caffe-style ImageNet backbone on first use.
# Offline, use configs/shapes/autoassign_shapes.py instead.
_base_ = 'mmdet::autoassign/autoassign_r50-caffe_fpn_1x_coco.py'
custom_imports = dict(imports=['plugin'], allow_failed_imports=False)

model = dict(bbox_head=dict(type='plugin.AutoAssignHead'))
