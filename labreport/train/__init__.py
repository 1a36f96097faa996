"""The training stage's parts that are not the orchestration in ``labreport.training``.

``run_files`` (the files training keeps in the run folder) imports no Keras;
``callbacks`` does, so it is imported only inside ``training.train_one``.
"""
