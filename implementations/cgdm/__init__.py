"""CGDM (Du et al., CVPR 2021): bi-classifier adversarial adaptation with a cross-domain
gradient discrepancy, pseudo-labels from clustering, and entropy-weighted self-training."""

from implementations.cgdm.bi_classifier import METHODS, Batch, Method, Result, train
from implementations.cgdm.discrepancy import classifier_discrepancy
from implementations.cgdm.entropy import conditional_entropy, entropy_loss, negative_diversity
from implementations.cgdm.gradient_discrepancy import (
    classifier_gradient_discrepancy,
    gradient_discrepancy,
)
from implementations.cgdm.networks import BiClassifier, Classifier, DigitGenerator, FeatureGenerator
from implementations.cgdm.pseudo_labels import cluster_pseudo_labels, weighted_centroids
from implementations.cgdm.weighted_cross_entropy import entropy_weights, weighted_cross_entropy

__all__ = [
    "METHODS",
    "Batch",
    "BiClassifier",
    "Classifier",
    "DigitGenerator",
    "FeatureGenerator",
    "Method",
    "Result",
    "classifier_discrepancy",
    "classifier_gradient_discrepancy",
    "cluster_pseudo_labels",
    "conditional_entropy",
    "entropy_loss",
    "entropy_weights",
    "gradient_discrepancy",
    "negative_diversity",
    "train",
    "weighted_centroids",
    "weighted_cross_entropy",
]
