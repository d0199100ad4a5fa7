"""The table of options (minigan/training/options.py): one source for the flags, the checks, the
resume policy and docs/options.md."""
import dataclasses
import pathlib
import re

import pytest

from minigan.cli import build_parser, main
from minigan.training import TrainConfig, options

ROOT = pathlib.Path(__file__).resolve().parent.parent


def test_trainconfig_has_one_field_per_option_with_its_default():
    fields = {f.name: f.default for f in dataclasses.fields(TrainConfig)}
    assert list(fields) == [o.name for o in options.OPTIONS]
    assert all(fields[o.name] == o.default for o in options.OPTIONS)


def test_every_option_has_its_flag_and_its_help():
    parser = build_parser()
    text = parser.commands["train"].format_help()       # fills the train command's flags from the table
    assert {o.cli_flag for o in options.OPTIONS} <= set(parser.commands["train"].flags)
    for o in options.OPTIONS:
        assert o.cli_flag in text and o.help.split()[0] in text


def test_docs_options_page_holds_the_table_as_printed():
    page = (ROOT / "docs" / "options.md").read_text(encoding="utf-8")
    table = page.split("<!-- the table of options: begin -->\n", 1)[1].split("\n<!-- the table of options: end -->")[0]
    assert table.strip() == options.markdown_table().strip(), \
        "docs/options.md is out of date: options.markdown_table() prints the table"


@pytest.mark.parametrize("option", options.OPTIONS, ids=lambda o: o.name)
def test_each_option_refuses_a_wrong_type_with_the_one_message_form(option):
    wrong = "x" if option.kind is not str else 3
    with pytest.raises(ValueError, match=rf"^minigan train: {option.cli_flag} must be "):
        TrainConfig(**{option.name: wrong}).validate()


@pytest.mark.parametrize("option", [o for o in options.OPTIONS if o.range is not None], ids=lambda o: o.name)
def test_each_range_refuses_its_edge(option):
    edge = option.range.low if option.range.low_open else option.range.low - 1
    value = [edge] if option.many else (int(edge) if option.kind is int else float(edge))
    with pytest.raises(ValueError, match=rf"^minigan train: {option.cli_flag} must be .*, got "):
        TrainConfig(**{option.name: value}).validate()


# One configuration that breaks each rule, by the rule's name: every rule is proven to fire.
BROKEN = {
    "the toy model learns the toy sets": dict(model="toy", dataset="mnist"),
    "PacGAN packs divide the batch": dict(pack=3, batch_size=64),
    "BatchNorm needs two samples": dict(model="dcgan", batch_size=1),
    "R1 is for the probability losses": dict(loss="wgan", r1=1.0),
    "a penalty sees one sample, not a pack": dict(model="toy", dataset="ring", loss="wgan-gp", pack=2),
    "one generator objective": dict(unroll=2, feature_matching=True),
    "the look-ahead has an end": dict(model="toy", dataset="ring", unroll=101),
    "a mismatched pair needs a wrong label": dict(conditional=True, classes=[3], mismatch=1.0),
    "one way to condition": dict(conditional=True, infogan=True),
    "conditioning needs labeled images": dict(conditional=True, model="toy", dataset="ring", mismatch=0.0),
    "the pieces that read one input and one output": dict(conditional=True, feature_matching=True),
}


def test_every_rule_is_named_and_proven_to_fire():
    assert sorted(r.name for r in options.RULES) == sorted(BROKEN)
    for rule in options.RULES:
        config = TrainConfig(**BROKEN[rule.name])
        assert rule.refuses(config), rule.name
        assert not rule.refuses(TrainConfig()), rule.name               # the defaults break no rule
        with pytest.raises(ValueError, match="^minigan train: "):
            config.validate()


def test_pack_with_a_penalty_is_refused_with_the_reason():
    with pytest.raises(ValueError, match="norm of each sample, but a packed discriminator's input is a pack"):
        TrainConfig(model="toy", dataset="ring", pack=2, r1=1.0).validate()


def test_the_resume_policy_is_the_tables(tmp_path, capsys):
    """What --resume may change on the command line is the table's resumable set, and the trainer's
    checkpoint check refuses the rest, so an API resume cannot do what the CLI refuses."""
    from minigan.training import train
    out = str(tmp_path / "run")
    common = dict(model="toy", dataset="ring", toy_samples=256, batch_size=64, epochs=1, out=out)
    train(TrainConfig(**common), progress=False, pictures=False, log=lambda *a: None)
    assert main(["train", "--resume", "--quiet", "--out", out, "--seed", "5"]) == 1
    assert "--seed 5 (the run: 0)" in capsys.readouterr().err
    with pytest.raises(Exception, match="seed=0, this run asks for seed=5"):
        train(TrainConfig(**{**common, "seed": 5, "epochs": 2}), resume=True, progress=False, pictures=False,
              log=lambda *a: None)
    assert options.resumable() == {"epochs", "max_steps", "device", "out", "data_path", "lr_g", "lr_d", "beta1",
                                   "beta2", "eval_every_epoch", "eval_n", "checkpoint_every"}
    trainer = train(TrainConfig(**{**common, "epochs": 2}), resume=True, progress=False, pictures=False,
                    log=lambda *a: None)
    assert trainer.epoch == 2


@pytest.mark.parametrize("option", [o for o in options.OPTIONS if o.belongs_to], ids=lambda o: o.name)
def test_an_option_set_where_the_run_does_not_use_it_is_refused_by_the_one_rule(option):
    """One rule for every flag that only some runs use: set elsewhere, it is refused (never ignored in
    silence), with the same words; at its default it is fine; where it belongs, it is taken."""
    value = {int: 7, float: 0.3, bool: True}[option.kind]
    value = [value] if option.many else value
    elsewhere, where = USED_ELSEWHERE[option.name]
    shown = "7" if option.many else repr(value)
    with pytest.raises(ValueError, match=rf"^minigan train: {option.cli_flag} belongs to .*; this run does not "
                                         rf"use it, so {option.cli_flag} {re.escape(shown)} would be ignored$"):
        TrainConfig(**elsewhere, **{option.name: value}).validate()
    TrainConfig(**elsewhere).validate()                              # the default is no problem
    TrainConfig(**where, **{option.name: value}).validate()          # where it belongs, it is taken


# For each option that belongs somewhere: a run that does not use it, and one that does.
USED_ELSEWHERE = {
    "toy_samples": ({}, dict(model="toy", dataset="ring")),
    "toy_scale": ({}, dict(model="toy", dataset="ring")),
    "hidden_layers": ({}, dict(model="toy", dataset="ring")),
    "classes": (dict(model="toy", dataset="ring"), {}),
    "beta1": (dict(loss="wgan"), {}),
    "beta2": (dict(optimizer="sgd"), {}),
    "label_smoothing": (dict(loss="hinge"), {}),
    "clip": ({}, dict(loss="wgan")),
    "gp_weight": ({}, dict(loss="wgan-gp")),
    "dropout": ({}, dict(model="dcgan")),
    "unroll_lr": ({}, dict(unroll=2, model="toy", dataset="ring")),
    "mismatch": ({}, dict(conditional=True)),
    "eval_n": (dict(model="toy", dataset="ring", eval_every_epoch=True), dict(eval_every_epoch=True)),
}


def test_every_option_that_belongs_somewhere_is_tested():
    assert sorted(USED_ELSEWHERE) == sorted(o.name for o in options.OPTIONS if o.belongs_to)
