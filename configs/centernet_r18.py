# CenterNet ResNet-18 on COCO: mmdet's recipe (centernet_r18_8xb16-crop512-
# 140e_coco: ResNet-18, CTResNetNeck without DCN, 28 epochs x RepeatDataset 5
# = 140 epochs, 25.9 box AP in mmdet's model zoo) with the head replaced by
# plugin's. Expects COCO 2017 under data/coco/ and downloads the torchvision
# ResNet-18 weights on first use. Offline, use
# configs/shapes/centernet_shapes.py instead.
_base_ = 'mmdet::centernet/centernet_r18_8xb16-crop512-140e_coco.py'
custom_imports = dict(imports=['plugin'], allow_failed_imports=False)

model = dict(bbox_head=dict(type='plugin.CenterNetHead'))
