"""The measured quality on the annotated seed articles, and the gold files themselves."""

import pytest

from liaison.intake.extraction import ProposalType, default_pipeline
from liaison.intake.extraction.evaluation import GoldItem, evaluate, load_gold, values_agree
from liaison.intake.extraction.proposals import Proposal
from liaison.intake.extraction.resolve_memory import MemoryResolver

TARGETS = {"person": 0.90, "organisation": 0.90, "place": 0.90, "date": 0.95, "figure": 0.95}


@pytest.fixture(scope="module")
def report():
    documents = load_gold(language="ar")
    assert len(documents) == 5
    return evaluate(default_pipeline(MemoryResolver.from_seed_data()), documents)


@pytest.mark.parametrize(("kind", "target"), sorted(TARGETS.items()))
def test_arabic_f1_reaches_the_target(report, kind, target):
    score = report.scores[kind]
    assert score.true_positives + score.false_negatives >= 15, "too few gold items to measure"
    assert score.f1 >= target, f"{kind}: F1 {score.f1:.3f} < {target}"


def test_every_gold_span_is_the_annotated_text():
    for document in load_gold():
        for item in document.items:
            assert document.text[item.start : item.end] == item.surface
            assert item.type in {t.value for t in ProposalType}


def _proposal(kind, value):
    return Proposal(type=ProposalType(kind), start=0, end=5, surface="x", value=value, confidence=1)


def test_a_person_with_a_missing_title_does_not_match():
    gold = GoldItem("person", 0, 5, "x", {"entry": "bui-thanh-son", "titles": [["minister", "mofa"]]})
    assert values_agree(
        gold,
        _proposal(
            "person", {"entry": "bui-thanh-son", "titles": [{"role": "minister", "organisation": "mofa"}]}
        ),
    )
    assert not values_agree(gold, _proposal("person", {"entry": "bui-thanh-son", "titles": []}))
    assert not values_agree(
        gold,
        _proposal(
            "person", {"entry": "ngo-le-van", "titles": [{"role": "minister", "organisation": "mofa"}]}
        ),
    )


def test_a_date_must_agree_on_the_inferred_flag_and_a_figure_on_approximation():
    gold = GoldItem("date", 0, 5, "x", {"value": "2023-11-24", "inferred_year": True})
    assert not values_agree(gold, _proposal("date", {"value": "2023-11-24", "inferred_year": False}))
    figure = GoldItem("figure", 0, 5, "x", {"number": 50, "unit": "delegation", "approximate": True})
    assert not values_agree(
        figure, _proposal("figure", {"number": 50, "unit": "delegation", "approximate": False})
    )
    assert values_agree(
        figure, _proposal("figure", {"number": 50.0, "unit": "delegation", "approximate": True})
    )


def test_an_empty_pipeline_scores_zero_recall(report):
    from liaison.intake.extraction.pipeline import Pipeline

    empty = evaluate(Pipeline([], MemoryResolver.from_seed_data()), load_gold(language="ar"))
    assert empty.scores["person"].recall == 0.0
    assert empty.scores["person"].f1 == 0.0
