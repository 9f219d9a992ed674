from .data_check import prepare_datasets

__all__ = ['prepare_datasets']
