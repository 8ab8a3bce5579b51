"""ClassDistributionValidator: TFDV checks of label distributions across and within splits."""
