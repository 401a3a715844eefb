"""Global sensitivity analysis over the mechanism register (``sim sensitivity``)."""
