"""The API layer's list watches and change feeds, fed canned answers: no HTTP at all."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import pytest

from airflow_provider_sinch.apis import campaign, short_code, ten_dlc
from airflow_provider_sinch.apis._core import Call, Operation, drive
from airflow_provider_sinch.apis._lists import Listing, collect_pages
from airflow_provider_sinch.exceptions import SinchNotFoundError
from airflow_provider_sinch.statuses import PollResult

PROJECT = "p1"


def run(operation: Operation[Any], answer: Callable[[Call], Any]) -> tuple[Any, list[str]]:
    """Drive ``operation``; ``answer(call)`` gives each call's parsed answer (or raises)."""
    calls: list[str] = []

    def send(call: Call) -> Any:
        query = "&".join(
            f"{k}={v}"
            for k, v in (call.params.items() if isinstance(call.params, dict) else call.params or [])
        )
        calls.append(
            f"{call.endpoint.method} {call.endpoint.format_path(call.path_params)}"
            + (f"?{query}" if query else "")
        )
        return answer(call)

    return drive(operation, send, lambda exc: isinstance(exc, SinchNotFoundError)), calls


def no_call(call: Call) -> Any:
    raise AssertionError(f"unexpected call {call}")


def test_collect_pages_follows_tokens_and_stops_at_its_budget() -> None:
    pages = {
        None: {"items": [{"id": "a"}, {"id": "b"}], "nextPageToken": "t2", "totalSize": 5},
        "t2": {"items": [{"id": "c"}, {"id": "d"}], "nextPageToken": "t3"},
        "t3": {"items": [{"id": "e"}, {"bad": 1}], "nextPageToken": ""},
    }

    def page_call(token: str | None) -> Call:
        return Call(ten_dlc.LIST_CAMPAIGNS, path_params={"project_id": PROJECT}, params={"t": token or ""})

    def answer(call: Call) -> Any:
        return pages[call.params["t"] or None]

    listing, _ = run(collect_pages(page_call, "items", "id", page_size=2), answer)
    assert listing == Listing({k: {"id": k} for k in "abcde"}, requests=3, pages=3, complete=True)

    partial, _ = run(collect_pages(page_call, "items", "id", page_size=2, budget=2), answer)
    assert (sorted(partial.items), partial.requests, partial.pages, partial.complete) == (
        ["a", "b"],
        1,
        3,
        False,
    )

    looping = {None: {"items": [{"id": "a"}], "nextPageToken": "x"}, "x": {"items": [], "nextPageToken": "x"}}
    listing, _ = run(collect_pages(page_call, "items", "id"), lambda c: looping[c.params["t"] or None])
    assert listing.requests == 2  # a repeated token ends the list


REG = {"campaignRegistrationId": "r1", "campaignId": "CX1"}
FEEDBACK = {"tcrErrorResponse": [{"code": "T1", "description": "Opt-in unclear"}]}


@pytest.mark.parametrize(
    ("item", "answers", "outcome", "calls"),
    [
        ({**REG, "status": "SUBMITTED"}, {}, "pending", []),
        ({**REG, "status": "APPROVED"}, {}, "success", []),
        (
            {**REG, "status": "REJECTED"},
            {"/feedback": FEEDBACK},
            "failure",
            ["GET /v1/projects/p1/campaignRegistrations/r1/feedback"],
        ),
        (
            None,
            {"/r1": {**REG, "status": "ACTIVE"}},
            "success",
            ["GET /v1/projects/p1/campaignRegistrations/r1"],
        ),
    ],
    ids=["pending-no-call", "approved-no-call", "rejected-reads-feedback", "missing-reads-it"],
)
def test_a_registration_watch_decides_from_its_list_item(
    item: Any, answers: dict[str, Any], outcome: str, calls: list[str]
) -> None:
    watch = ten_dlc.RegistrationWatch(PROJECT, "r1")

    def answer(call: Call) -> Any:
        path = call.endpoint.format_path(call.path_params)
        return next(value for suffix, value in answers.items() if path.endswith(suffix))

    result, made = run(watch.from_list(item), answer)
    registration = item or answers["/r1"]
    alone, _ = run(
        watch.check(), lambda c: FEEDBACK if c.endpoint.path.endswith("feedback") else registration
    )
    assert isinstance(result, PollResult)
    assert result.outcome == outcome
    assert made == calls
    assert result == alone  # the lone check reaches the very same result
    if outcome == "failure":
        assert "Opt-in unclear" in result.message


def test_registration_watch_lists_pending_statuses_and_the_others_within_a_budget() -> None:
    watch = ten_dlc.RegistrationWatch(PROJECT, "r1", ("APPROVED",))
    assert watch.listable_statuses() == {"SINCH_REVIEW", "SINCH_APPROVED", "SUBMITTED"}
    assert ten_dlc.pending_statuses(["SINCH_APPROVED"]) == {"SINCH_REVIEW"}
    listing, calls = run(
        watch.pending_listing({"SUBMITTED", "SINCH_REVIEW"}),
        lambda c: {"campaignRegistrations": [{**REG, "status": "SUBMITTED"}]},
    )
    assert calls == [
        "GET /v1/projects/p1/campaignRegistrations?status=SINCH_REVIEW&status=SUBMITTED&pageSize=100"
    ]
    assert list(listing.items) == ["r1"]
    settled, calls = run(
        watch.settled_listing({"SUBMITTED"}, [None, None], 1),
        lambda c: {"campaignRegistrations": [], "totalSize": 250, "nextPageToken": "n"},
    )
    assert (settled.pages, settled.complete, len(calls)) == (3, False, 1)
    assert "status=SUBMITTED" not in calls[0]
    assert run(watch.settled_listing({"SUBMITTED"}, [], 0), no_call)[0] == Listing()


def test_short_code_watch_reads_the_campaign_whole_to_end_a_wait() -> None:
    watch = short_code.CampaignStatusWatch(PROJECT, "c1")
    whole = {"id": "c1", "status": "CANCELLED", "notes": [{"author": "SINCH", "text": "No privacy policy"}]}
    pending, calls = run(watch.from_list({"id": "c1", "status": "REVIEWING"}), no_call)
    assert (pending.outcome, calls) == ("pending", [])
    ended, calls = run(watch.from_list({"id": "c1", "status": "CANCELLED"}), lambda c: whole)
    assert ended.outcome == "failure"
    assert "No privacy policy" in ended.message
    assert calls == ["GET /v1/projects/p1/campaigns/c1"]
    _, calls = run(
        watch.pending_listing({"REVIEWING", "DRAFT"}),
        lambda c: {"campaigns": [{"id": "x", "status": c.params["status"]}]},
    )
    assert calls == [
        "GET /v1/projects/p1/campaigns?pageSize=100&status=DRAFT",
        "GET /v1/projects/p1/campaigns?pageSize=100&status=REVIEWING",
    ]
    settled, calls = run(
        watch.settled_listing({"REVIEWING"}, [None, None], 3), lambda c: {"campaigns": [whole]}
    )
    assert calls == ["GET /v1/projects/p1/campaigns?pageSize=100"]
    assert list(settled.items) == ["c1"]


def test_campaign_watch_reads_drafts_and_unlisted_campaigns_alone() -> None:
    watch = campaign.CampaignWatch("k1")
    assert watch.listable_statuses() == {"scheduled", "sending"}
    item = {
        "id": "k1",
        "status": "sent",
        "send_date": "2026-01-01 10:00:00",
        "contact_count": 3,
        "tag": None,
        "name": "L",
    }
    sent, calls = run(watch.from_list(item), no_call)
    assert (sent.outcome, sent.xcom["send_date"], calls) == ("success", "2026-01-01 10:00:00", [])
    draft, calls = run(
        watch.from_list({"id": "k1", "status": "draft"}),
        lambda c: {"id": "k1", "status": "draft", "validation_errors": {"message": ["Missing sender"]}},
    )
    assert (draft.outcome, calls) == ("failure", ["GET /v1/campaigns/k1"])
    _, calls = run(
        watch.settled_listing(
            {"scheduled", "sending"},
            [{"send_date": "2026-01-02 00:00:00"}, {"send_date": "2026-01-01 09:00:00"}],
            1,
        ),
        lambda c: [],
    )
    assert calls == ["GET /v1/campaigns?status=sent&start=2026-01-01 09:00:00"]
    _, calls = run(
        watch.settled_listing({"scheduled", "sending"}, [None, {"send_date": "x"}], 1), lambda c: []
    )
    assert calls == ["GET /v1/campaigns?status=sent"]  # a campaign without a send date: no start


NOW = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)


def test_registration_feed_looks_up_those_that_left_review() -> None:
    feed = ten_dlc.RegistrationFeed(PROJECT)
    memory: dict[str, Any] = {}
    in_review = {
        "campaignRegistrations": [
            {"campaignRegistrationId": "r1", "status": "SUBMITTED"},
            {"campaignRegistrationId": "r2", "status": "SUBMITTED"},
        ]
    }
    first, calls = run(
        feed.poll(memory, NOW),
        lambda c: (
            in_review if "SUBMITTED" in str(c.params) else {"campaignRegistrations": [], "totalSize": 2}
        ),
    )
    assert len(calls) == 3  # the project's size, in flight, then (first round) those with an outcome
    assert calls[0] == "GET /v1/projects/p1/campaignRegistrations?pageSize=1"
    assert memory["in_flight"] == {"r1", "r2"}
    assert [c.status for c in first] == ["SUBMITTED", "SUBMITTED"]

    def later(call: Call) -> Any:
        path = call.endpoint.format_path(call.path_params)
        if path.endswith("/r1"):
            return {
                "campaignRegistrationId": "r1",
                "status": "APPROVED",
                "modifiedDate": "2026-03-01T11:59:00Z",
            }
        if path.endswith("/r2"):
            raise SinchNotFoundError("gone", status_code=404)
        return {
            "campaignRegistrations": [{"campaignRegistrationId": "r2", "status": "SUBMITTED"}],
            "totalSize": 2,
        }

    second, calls = run(feed.poll(memory, NOW), later)
    assert calls == [  # nothing submitted since (totalSize unchanged): no list of the outcomes
        "GET /v1/projects/p1/campaignRegistrations?pageSize=1",
        "GET /v1/projects/p1/campaignRegistrations?"
        "status=SINCH_APPROVED&status=SINCH_REVIEW&status=SUBMITTED&pageSize=100",
        "GET /v1/projects/p1/campaignRegistrations/r1",
    ]
    assert [(c.resource_id, c.status) for c in second] == [("r2", "SUBMITTED"), ("r1", "APPROVED")]
    assert second[1].changed_at == datetime(2026, 3, 1, 11, 59, tzinfo=timezone.utc)
    assert memory["in_flight"] == {"r2"}
    # r2 leaves review and cannot be read: kept for the next rounds, then let go.
    for round_number in range(1, 5):
        _, calls = run(
            feed.poll(memory, NOW),
            lambda c: (
                later(c)
                if c.endpoint.format_path(c.path_params).endswith("/r2")
                else {"campaignRegistrations": []}
            ),
        )
        assert ("r2" in memory["in_flight"]) == (round_number <= 3)
    assert ten_dlc.registration_outcome("ACTIVE") == "approved"
    assert ten_dlc.registration_outcome("EXPIRED") is None


def test_registration_feed_sees_one_submitted_and_settled_between_two_rounds() -> None:
    """Never in flight when a round looked: the project's totalSize grew, so the outcomes are listed."""
    feed = ten_dlc.RegistrationFeed(PROJECT)
    memory: dict[str, Any] = {}
    settled: list[dict[str, Any]] = []

    def answer(call: Call) -> Any:
        params = dict(call.params or [])
        if "status" not in params:  # the one-item page of the whole project
            return {"campaignRegistrations": settled[:1], "totalSize": len(settled)}
        wanted = {v for k, v in call.params or [] if k == "status"}
        return {"campaignRegistrations": [r for r in settled if r["status"] in wanted]}

    first, _ = run(feed.poll(memory, NOW), answer)
    assert first == []

    # Submitted between the size read and the in-flight list, decided before the next round (found
    # by a new user): the size is read first, so the next round sees it grew.
    def submitted_during_the_round(call: Call) -> Any:
        if "status" in dict(call.params or []) and not settled:
            settled.append(
                {
                    "campaignRegistrationId": "x",
                    "status": "SINCH_REJECTED",
                    "modifiedDate": "2026-03-01T11:58:00Z",
                }
            )
            return {"campaignRegistrations": []}  # listed before it was submitted
        return answer(call)

    during, _ = run(feed.poll(memory, NOW), submitted_during_the_round)
    assert during == []
    caught, _ = run(feed.poll(memory, NOW), answer)
    assert [(c.resource_id, c.status) for c in caught] == [("x", "SINCH_REJECTED")]
    settled.clear()
    memory.clear()
    first, _ = run(feed.poll(memory, NOW), answer)
    assert first == []
    quiet, calls = run(feed.poll(memory, NOW), answer)
    assert quiet == []
    assert len(calls) == 2  # nothing new: the in-flight list and the size, no more
    approved = {"campaignRegistrationId": "g", "status": "ACTIVE", "modifiedDate": "2026-03-01T11:59:30Z"}
    settled.append(approved)
    found, calls = run(feed.poll(memory, NOW), answer)
    assert [(c.resource_id, c.status) for c in found] == [("g", "ACTIVE")]
    assert calls[-1].startswith("GET /v1/projects/p1/campaignRegistrations?status=ACTIVE&status=APPROVED")
    again, calls = run(feed.poll(memory, NOW), answer)
    assert again == []
    assert len(calls) == 2


def test_short_code_feed_pages_newest_change_first_until_older_ones() -> None:
    feed = short_code.ShortCodeCampaignFeed(PROJECT, lookback=600)
    pages = {
        None: {
            "campaigns": [{"id": "c1", "status": "COMPLETED", "updatedAt": "2026-03-01T11:59:00Z"}],
            "nextPageToken": "2",
        },
        "2": {
            "campaigns": [
                {"id": "c2", "status": "REVIEWING", "updatedAt": "2026-03-01T11:52:00Z"},
                {"id": "c3", "status": "DRAFT", "updatedAt": "2026-03-01T11:00:00Z"},
            ],
            "nextPageToken": "3",
        },
    }
    changes, calls = run(feed.poll({}, NOW), lambda c: pages[c.params.get("pageToken")])
    assert [c.resource_id for c in changes] == ["c1", "c2"]
    assert calls == [
        "GET /v1/projects/p1/campaigns?pageSize=100&orderBy=updateDate,desc",
        "GET /v1/projects/p1/campaigns?pageSize=100&orderBy=updateDate,desc&pageToken=2",
    ]


def test_campaign_feed_asks_for_campaigns_sent_since_a_day() -> None:
    feed = campaign.CampaignSentFeed()
    changes, calls = run(
        feed.poll({}, NOW), lambda c: [{"id": "k1", "status": "sent", "send_date": "2026-03-01 10:00:00"}]
    )
    assert calls == ["GET /v1/campaigns?status=sent&start=2026-02-28 12:00:00"]
    assert changes[0].changed_at == datetime(2026, 3, 1, 10, tzinfo=timezone.utc)
    one, calls = run(feed.catch_up(NOW, "k9"), lambda c: {"id": "k9", "status": "sending"})
    assert ([c.status for c in one], calls) == (["sending"], ["GET /v1/campaigns/k9"])
