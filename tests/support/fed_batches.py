"""Test helper: a tf_keras model that records the label counts of every batch it was fed, per
training step and replica, under any ``tf.distribute`` strategy (or none).

Example (inside ``strategy.scope()``)::

    model = recording_model({'x': x}, logits, classes=4, steps=5)
    model.fit(ds, steps_per_epoch=5)
    fed_counts(model)  # [[[2, 2, 2, 4], [2, 2, 2, 4]], ...]: step, replica, class
"""


def recording_model(inputs, outputs, classes: int, steps: int):
    """A functional ``tf_keras.Model`` whose ``train_step`` also adds each replica's label counts
    of the batch of step ``s`` into row ``[s, replica]`` of a sync-on-read variable (each replica
    writes its own copy; a read sums them). Build it inside the strategy's scope; fit at most
    ``steps`` steps."""
    import tensorflow as tf
    import tf_keras

    class Recording(tf_keras.Model):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            replicas = tf.distribute.get_strategy().num_replicas_in_sync
            self.fed = self.add_weight(
                name='fed',
                shape=(steps, replicas, classes),
                initializer='zeros',
                trainable=False,
                synchronization=tf.VariableSynchronization.ON_READ,
                aggregation=tf.VariableAggregation.SUM,
            )

        def train_step(self, data):
            _, labels = data
            labels = tf.cast(tf.reshape(labels, [-1]), tf.int32)
            counts = tf.math.bincount(labels, minlength=classes, maxlength=classes)
            replica = tf.distribute.get_replica_context().replica_id_in_sync_group
            at = tf.stack([tf.cast(self._train_counter, tf.int32), tf.cast(replica, tf.int32)])
            self.fed.assign_add(tf.scatter_nd([at], [tf.cast(counts, tf.float32)], self.fed.shape))
            return super().train_step(data)

    return Recording(inputs=inputs, outputs=outputs)


def fed_counts(model) -> list:
    """``[step][replica][class]`` label counts of the batches ``model`` was fed."""
    return model.fed.numpy().astype(int).tolist()
