# RPN R50 FPN 1x on COCO: mmdet's recipe (rpn_r50_fpn_1x_coco, 58.7 AR@1000
# in mmdet's model zoo) with plugin's RPNHead. Evaluated with proposal recall
# (AR@100/300/1000, mmdet's 'proposal_fast'). mmdet's train_cfg (its
# MaxIoUAssigner and RandomSampler) runs unchanged on plugin's batched
# components. Expects COCO 2017 under data/coco/ and downloads the ImageNet
# backbone on first use. Offline, use configs/shapes/rpn_shapes.py instead.
_base_ = 'mmdet::rpn/rpn_r50_fpn_1x_coco.py'
custom_imports = dict(imports=['plugin'], allow_failed_imports=False)

model = dict(rpn_head=dict(type='plugin.RPNHead'))
