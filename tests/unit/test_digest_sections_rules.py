"""Which audience and which period gets which digest section: one table (digests/build.SECTIONS), read
here as the rules it states. No AWS."""

from __future__ import annotations

from chalicelib.digests import build, sections
from chalicelib.digests.corrections import corrections
from chalicelib.digests.follow_up import follow_up


def applied(audience: str, shift: str | None) -> list[str]:
    return [s.builder.__name__ for s in build.SECTIONS if s.applies(audience, shift)]


def test_the_sections_each_audience_and_period_gets_in_the_order_of_the_content() -> None:
    assert applied("district", None) == ["figures", "campaigns", "unreached", "silent", "answers", "relay_progress",
                                         "agents", "follow_up", "corrections"]
    assert applied("state", None) == ["figures", "campaigns", "unreached", "silent", "answers", "relay_progress",
                                      "corrections"]
    # the central digest names no unit (but the ranked units of the answers) and no agent
    assert applied("central", None) == ["figures", "answers", "relay_progress", "corrections"]
    # a shift's digest (the district's only): its figures and its agents
    assert applied("district", "morning") == applied("district", "evening") == ["figures", "agents"]
    assert applied("state", "evening") == applied("central", "evening") == ["figures"]


def test_every_builder_is_listed_once() -> None:
    builders = [s.builder for s in build.SECTIONS]
    assert len(builders) == len(set(builders))
    assert {sections.figures, sections.campaigns, sections.unreached, sections.silent, sections.answers,
            sections.relay_progress, sections.agents, follow_up, corrections} == set(builders)
