# CenterNet ResNet-18 with DCNv2 in the neck on COCO: mmdet's recipe
# (centernet_r18-dcnv2_8xb16-crop512-140e_coco, 29.5 box AP in mmdet's model
# zoo) with the head replaced by plugin's. mmcv's modulated deformable
# convolution has a CPU kernel too, but this recipe is meant for GPUs.
# Expects COCO 2017 under data/coco/; downloads the backbone on first use.
_base_ = 'mmdet::centernet/centernet_r18-dcnv2_8xb16-crop512-140e_coco.py'
custom_imports = dict(imports=['plugin'], allow_failed_imports=False)

model = dict(bbox_head=dict(type='plugin.CenterNetHead'))
