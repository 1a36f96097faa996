"""The training stage's parts; ``labreport.training.train_one`` is the trainer that puts them together.

- ``backend``: choosing Keras' backend before Keras is imported;
- ``batches``: a new batch order every epoch, from the seed and the epoch;
- ``callbacks``: the Keras callbacks (history, early stopping at the best epoch, checkpoints);
- ``checkpoint``: when a model's saved epochs may be resumed (one rule with saved runs), and resuming;
- ``divergence``: what run.json keeps of a run whose loss became NaN (a pure function);
- ``evaluation``: the test result and which epoch's weights it came from;
- ``predictions``: each test example's prediction and the confusion matrix;
- ``run_files``: the files training keeps in the run folder.

Only ``callbacks`` and ``backend`` import Keras at module level or on call; the trainer imports them
inside its functions, so importing labreport stays instant.
"""
