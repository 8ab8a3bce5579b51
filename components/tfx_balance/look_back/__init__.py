"""LookBack: pin a periodic pipeline's history at the start of a run."""
