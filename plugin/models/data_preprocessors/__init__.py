from .siam_data_preprocessor import SiamDataPreprocessor

__all__ = ['SiamDataPreprocessor']
