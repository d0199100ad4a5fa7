"""A run: the configuration, the trainer, and everything that keeps a run safe and visible.

Read in this order:

1. ``options.py``: every training option in one table (type, range, default, help, resume policy),
   and the compatibility rules between them; the command line, the validation and the docs' table
   are made from it;
2. ``config.py``: ``TrainConfig``, a run's settings, built and checked from that table;
   ``recipes.py``: a paper's toy experiment as one named set of those settings (``--recipe``);
3. ``trainer.py``: ``Trainer``, whose ``train_step`` is Algorithm 1 (the D step, then the G step);
   ``watch.py``: the guards, the gradient norms and the log row around each step;
4. ``run.py``: ``train()``, the loop around the steps: the run folder, the log, checkpoints,
   progress, pictures;
5. ``checkpoint.py``, ``run_folder.py``, ``resume.py``: atomic checkpoints; one run per folder at a
   time, nothing lost; what ``--resume`` continues with (the checkpoint's settings);
6. ``monitor.py``: per-epoch evaluation and the mode-collapse alarm;
7. ``pictures.py``, ``sample.py``: what a run draws, and sampling a trained run;
8. ``threads.py``: how many CPU threads the matrix products use;
9. ``study.py``: the demos' long studies, runs trained in chunks and scored after each;
   ``study_pictures.py``: what such a study draws (scores against steps, points over training).
"""
from .config import DATASETS, IMAGE_DATASETS, TOY_DATASETS, TrainConfig
from .run import train
from .trainer import Trainer
from .watch import DivergenceError

__all__ = ["DATASETS", "DivergenceError", "IMAGE_DATASETS", "TOY_DATASETS", "TrainConfig", "Trainer", "train"]
