"""The taxi sample pipeline: Chicago taxi trips, label ``payment_type`` (see ``pipeline``)."""
