"""``train()``: the loop around the training steps, and what keeps a run whole.

Per step it appends one row to ``log.jsonl``; every ``checkpoint_every`` steps and at the end of each
epoch it writes ``checkpoint.npz`` atomically; after each epoch it draws the sample picture and runs the
monitor. A folder that already holds a run is refused unless ``--resume`` or ``--overwrite``
(minigan/training/run_folder.py). The steps themselves are minigan/training/trainer.py.
"""
from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import signal
import sys
import threading
import time

from tqdm import tqdm

from minigan.backend import to_device
from minigan.io import atomic_path, read_jsonl, strict_json

from . import checkpoint, monitor, run_folder, threads
from .pictures import end_of_run_pictures, epoch_pictures, run_pictures
from .config import TOY_DATASETS, TrainConfig
from .trainer import Trainer


def run_dir_files(out: str) -> dict:
    return run_folder.paths(out)


def train(config: TrainConfig, resume: bool = False, progress: bool = True, real_data=None,
          pictures: bool = True, log=print, overwrite: bool = False) -> Trainer:
    """Run (or resume) training as ``config`` says, writing everything into ``config.out``.

    The folder is held for this run alone while it trains (another process on it is refused, naming
    it). A folder that already holds a run is refused unless ``resume`` (continue it) or ``overwrite``
    (delete that run's files first) is given: see minigan/training/run_folder.py.
    """
    config.validate(unused_too=not resume)      # a resumed run keeps the settings it started with
    monitor.check_evaluation_fits(config)
    run_folder.check_writable_folder("minigan train: the output folder", config.out)   # before the lock
    with run_folder.held(config.out):
        return _train_in_held_folder(config, resume, progress, real_data, pictures, log, overwrite)


def _train_in_held_folder(config, resume, progress, real_data, pictures, log, overwrite) -> Trainer:
    files = run_dir_files(config.out)
    if resume and not os.path.isfile(files["checkpoint"]):
        raise checkpoint.CheckpointError(f"minigan train: --resume given but {files['checkpoint']!r} does not exist")
    run_folder.prepare(config.out, resume, overwrite, log=log)
    warning = threads.busy_warning(threads.current()[0])
    if warning:
        log(warning)
    trainer = Trainer(config, real_data)
    history = []
    if resume:
        held = checkpoint.read_meta(files["checkpoint"])["config"]      # the settings that trained so far
        trainer.load_checkpoint(files["checkpoint"])
        log(f"resumed from {files['checkpoint']} at step {trainer.step} (epoch {trainer.epoch + 1})")
        _truncate_log(files["log"], trainer.step, warn=log)
        history = _settings_history(files["config"], held, dataclasses.asdict(config), trainer.step)
    else:
        # The step-0 checkpoint, before anything else of the run is written: a run killed before its
        # first step still leaves a folder that --resume continues (from step 0).
        trainer.save_checkpoint(files["checkpoint"])
    record = {**dataclasses.asdict(config), **({"history": history} if history else {})}
    with atomic_path(files["config"]) as tmp, open(tmp, "w") as f:
        f.write(strict_json(record, indent=2))

    total_steps = config.epochs * trainer.steps_per_epoch
    if config.max_steps is not None:
        total_steps = min(total_steps, config.max_steps)
    bar = None
    if progress:
        bar = tqdm(total=total_steps, initial=min(trainer.step, total_steps), unit="step",
                   desc=f"{config.model} on {config.dataset}", dynamic_ncols=True)
    started, first_step = time.perf_counter(), trainer.step
    with _Log(files["log"]) as log_file, _stop_on_ctrl_c() as stop:
        while trainer.epoch < config.epochs and trainer.step < total_steps and not stop.asked:
            for real, labels in trainer.epoch_batches():
                if trainer.step >= total_steps or stop.asked:
                    break
                row = trainer.train_step(to_device(real, config.device), trainer.next_noise(len(real)),
                                         None if labels is None else to_device(labels, config.device))
                trainer.position += 1
                log_file.write(row)
                if trainer.step % config.checkpoint_every == 0:          # a kill mid-epoch loses at most this much
                    log_file.flush()
                    trainer.save_checkpoint(files["checkpoint"])
                if bar is not None:
                    bar.update(1)
                    if trainer.step % 10 == 0:
                        g_loss = "-" if row["g_loss"] is None else f"{row['g_loss']:.3f}"
                        bar.set_postfix(d_loss=f"{row['d_loss']:.3f}", g_loss=g_loss,
                                        epoch=f"{trainer.epoch + 1}/{config.epochs}")
            if trainer.position >= trainer.steps_per_epoch:
                trainer.end_epoch()
                log_file.flush()
                if pictures:
                    epoch_pictures(trainer, config.out)
                monitor.after_epoch(trainer, config.out, log=bar.write if bar is not None else log)
            trainer.save_checkpoint(files["checkpoint"])
    if bar is not None:
        bar.close()
    if stop.asked:
        raise TrainingStopped(f"minigan train: stopped by Ctrl-C after step {trainer.step}; checkpoint.npz holds that "
                              f"step. Continue with: minigan train --resume --out {config.out}")
    if pictures:
        run_pictures(files["log"], config.out, config.dataset in TOY_DATASETS)
        end_of_run_pictures(trainer, config.out)
    done = trainer.step - first_step
    log(f"{done} steps in {time.perf_counter() - started:.1f} s" + (f" (steps {first_step + 1} to {trainer.step})"
                                                                    if first_step else "") + f"; run folder: {config.out}")
    return trainer


class TrainingStopped(RuntimeError):
    """Ctrl-C stopped the run after a whole step, and its checkpoint was saved; the message says how to go on."""
    exit_code = 130          # what a shell expects of a program stopped by Ctrl-C (128 + SIGINT)


class _Stop:
    asked = False


@contextlib.contextmanager
def _stop_on_ctrl_c():
    """A first Ctrl-C asks the loop to stop after the step it is in; the loop then saves a checkpoint at
    that step (a step cut in half could not be resumed exactly). A second Ctrl-C stops at once: the
    checkpoint on disk is then the last one written. (Signals reach only the main thread: elsewhere,
    Ctrl-C is left as it is.)"""
    stop = _Stop()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return

    def ask(signum, frame):
        stop.asked = True
        signal.signal(signal.SIGINT, previous)          # the second Ctrl-C: KeyboardInterrupt, at once
        print("\nminigan train: Ctrl-C: stopping after this step and saving it (Ctrl-C again to stop at once)",
              file=sys.stderr, flush=True)

    previous = signal.signal(signal.SIGINT, ask)
    try:
        yield stop
    finally:
        signal.signal(signal.SIGINT, previous)


class _Log:
    """log.jsonl, opened for appending. A write that fails (a full disk) is one clear error saying what
    to do; closing the file afterwards, which tries the same write again, adds no second raw one."""

    def __init__(self, path: str):
        self.path = path
        self.file = open(path, "a")

    def write(self, row: dict):
        self._guarded(self.file.write, strict_json(row) + "\n")

    def flush(self):
        self._guarded(self.file.flush)

    def _guarded(self, action, *args):
        try:
            action(*args)
        except OSError as exc:
            raise OSError(f"minigan train: could not append to {self.path!r}: {exc.strerror or exc} (the checkpoint "
                          "on disk is whole; free some space, then --resume)") from exc

    def __enter__(self):
        return self

    def __exit__(self, kind, error, traceback):
        if error is None:
            self._guarded(self.file.close)
            return
        try:
            self.file.close()
        except OSError:
            pass                    # the error on its way out already says what happened


def _settings_history(config_path: str, held: dict, now: dict, step: int) -> list:
    """config.json's ``history``: one entry per resume that changed a setting, {"from_step", "changed":
    {key: [before, after]}}, so the record says which settings held when."""
    history = []
    if os.path.isfile(config_path):
        try:
            with open(config_path) as f:
                saved = json.load(f)
            history = saved.get("history", []) if isinstance(saved, dict) else []
        except (OSError, ValueError):       # a damaged config.json: its history is lost, the checkpoint is not
            history = []
    ignore = {"out"}
    changed = {k: [held.get(k), v] for k, v in now.items() if k not in ignore and held.get(k) != v}
    if changed:
        history.append({"from_step": step, "changed": changed})
    return history


def _truncate_log(path: str, step: int, warn=print):
    """Drop log rows after ``step`` (written after the checkpoint the run resumes from), and a torn
    last line."""
    if not os.path.exists(path):
        return
    rows = [row for row in read_jsonl(path, warn=warn) if row["step"] <= step]
    with atomic_path(path) as tmp, open(tmp, "w") as f:
        f.writelines(strict_json(row) + "\n" for row in rows)
