"""The SSL taxonomy (Ben Tanfous et al., WACV 2022): attractive vs contrastive objectives in
the encoder's latent space (BU) and the decoder's output space (TD), and the combinations the
authors' configurations define. Built on ``implementations.crrl``'s public API (GRU encoder and
decoder, MoCo parts, losses, linear evaluation)."""

from implementations.ssl_taxonomy.configs import COMBINED, CONFIGS, GRID, SINGLE, Config
from implementations.ssl_taxonomy.objectives import TaxonomyModel, Weights, td_contrast

__all__ = [
    "COMBINED",
    "CONFIGS",
    "GRID",
    "SINGLE",
    "Config",
    "TaxonomyModel",
    "Weights",
    "td_contrast",
]
