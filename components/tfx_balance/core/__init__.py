"""Pure logic of tfx-balance: Beam transforms, tf.data builders and allocation math.

Nothing here imports TFX, so it can be used and tested without a TFX pipeline.
"""
