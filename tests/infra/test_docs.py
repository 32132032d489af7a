"""The deploy guide is there, and its figures are the ones the code computes."""

from __future__ import annotations

from infra.codemodel import ROOT
from infra.cost import render
from infra.load import DISTRICT, STATE

README = (ROOT / "README.md").read_text(encoding="utf-8")
INFRA_README = (ROOT / "infra" / "README.md").read_text(encoding="utf-8")


def test_readme_has_the_deploy_guide() -> None:
    section = README[README.index("## Deploy to AWS"):]
    for heading in ("### Prerequisites", "### Commands", "### The first admin", "### Leaving the SES sandbox",
                    "### Pointing the topics at the state and central teams", "### What it costs"):
        assert heading in section, heading
    for command in ("npx aws-cdk@2 deploy dev", "npx aws-cdk@2 deploy prod", "admin-create-user",
                    "put-account-details --production-access-enabled", "aws sns subscribe"):
        assert command in section, command


def test_cost_table_is_the_computed_one() -> None:
    assert render() in README, "README.md's cost table is stale: paste the output of `python -m infra.cost`"


def test_throttling_figures_in_the_docs_are_the_load_model() -> None:
    for figure in (f"**{DISTRICT.rate_limit} requests/s**", f"= **{DISTRICT.burst_limit}**",
                   f"**rate {STATE.rate_limit}, burst {STATE.burst_limit:,}**"):
        assert figure in INFRA_README, figure
