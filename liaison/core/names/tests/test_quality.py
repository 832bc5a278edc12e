"""Quality gate over the labelled variants: the suite fails if matching gets worse."""

from __future__ import annotations

import pytest

from liaison.core.names import name_keys, retrieval_keys, token_keys_for_query
from liaison.core.names.tests.quality import KeyIndex, QualityReport, evaluate
from liaison.core.names.tests.variants import AMBIGUOUS, ENTITIES, candidate_population


@pytest.fixture(scope="module")
def report() -> QualityReport:
    return evaluate(KeyIndex(candidate_population(400)))


def test_the_test_set_is_large_enough() -> None:
    # Given the labelled data
    # Then it covers at least 60 entities and a few hundred distractor names
    assert len(ENTITIES) >= 60
    assert len(candidate_population(400)) >= 600


def test_every_variant_shares_a_retrieval_key_with_its_entity() -> None:
    # Given every labelled query
    for entity in ENTITIES:
        stored = {k for name in entity.names for k in retrieval_keys(name_keys(name))}
        for query in entity.queries:
            # When its query keys are computed
            # Then at least one is among the entity's stored keys
            assert set(token_keys_for_query(query)) & stored, query


def test_recall_at_5_is_at_least_95_percent(report: QualityReport) -> None:
    # Given retrieval + rank over entities and distractors
    # Then the right entity is in the top 5 for at least 95% of queries
    assert report.recall_at_5 >= 0.95, report.failures


def test_top1_precision_is_at_least_90_percent(report: QualityReport) -> None:
    # Given the queries with a unique answer
    # Then the first result is right for at least 90% of them
    assert report.precision >= 0.9, report.failures


def test_every_ambiguous_query_returns_all_candidates(report: QualityReport) -> None:
    # Given Arabic queries that cannot tell Trung, Trọng and Trương apart
    # Then all three people are in the top 5 every time
    assert report.ambiguous_queries == len(AMBIGUOUS)
    assert report.ambiguous_ok == report.ambiguous_queries, report.failures
