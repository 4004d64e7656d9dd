"""LT-GAN (Patel et al., WACV 2021): the latent-transformation detection task as an add-on loss.

Public API: the players (:class:`Generator`, :class:`Discriminator`), the task
(:func:`draw_pairs`, :class:`TransformationHead`, :func:`lt_loss`), consistency regularisation
(:func:`consistency_loss`) and the game that combines them (:class:`LTGAN` with
:class:`LTConfig`, :class:`CRConfig`), trained by :func:`repro.gan.fit_gan`.
"""

from implementations.ltgan.auxiliary import TransformationHead
from implementations.ltgan.consistency import consistency_loss
from implementations.ltgan.game import LTGAN, CRConfig, LTConfig
from implementations.ltgan.latent_pairs import LatentPairs, draw_pairs
from implementations.ltgan.lt_loss import feature_differences, lt_loss
from implementations.ltgan.networks import Discriminator, Generator

__all__ = [
    "LTGAN",
    "CRConfig",
    "Discriminator",
    "Generator",
    "LTConfig",
    "LatentPairs",
    "TransformationHead",
    "consistency_loss",
    "draw_pairs",
    "feature_differences",
    "lt_loss",
]
