"""Deformable ConvNets (Dai et al., ICCV 2017): deformable convolution and RoI pooling."""

from implementations.dcn.bilinear import (
    bilinear_gather,
    bilinear_interpolate,
    bilinear_kernel,
    bilinear_weights,
)
from implementations.dcn.deform_conv import (
    DeformConv2d,
    DeformConv2dPack,
    DeformConvTypeError,
    DeformConvValueError,
    deform_conv2d,
)
from implementations.dcn.deform_roi_pool import (
    DeformPSRoIPool,
    DeformRoIPool,
    deform_ps_roi_pool,
    deform_roi_pool,
)
from implementations.dcn.effective_dilation import effective_dilation

__all__ = [
    "DeformConv2d",
    "DeformConv2dPack",
    "DeformConvTypeError",
    "DeformConvValueError",
    "DeformPSRoIPool",
    "DeformRoIPool",
    "bilinear_gather",
    "bilinear_interpolate",
    "bilinear_kernel",
    "bilinear_weights",
    "deform_conv2d",
    "deform_ps_roi_pool",
    "deform_roi_pool",
    "effective_dilation",
]
