"""ClassDistributionValidator: TFDV checks of label distributions across and within splits."""

# The old name of .counts (``tfx_balance.class_distribution_validator.multilabel``) keeps working
# for one release through tfx_balance.core.MOVED, whose import hook this import installs.
import tfx_balance.core  # noqa: F401
