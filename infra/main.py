"""The CDK app: `python -m infra.main [--outdir DIR] [--stage dev|prod ...]` synthesises the CloudFormation
templates (one stack per stage) without an AWS account or the CDK CLI. `make synth` runs it; the CDK
CLI runs it too (infra/cdk.json), for `cdk deploy`.

Chalice packages the app (`chalice package`) while the stack is built; the first run downloads the
Lambda's Linux wheels from PyPI into .chalice/deployments/, later runs reuse them.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from .codemodel import DEPLOYED_STAGES, ROOT, describe
from .config import default_context, stage_config

DEFAULT_OUT = ROOT / "infra" / "cdk.out"


def prepare_environment() -> None:
    os.environ.setdefault("CDK_DISABLE_CLI_TELEMETRY", "true")
    os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
    # Node 20 is what the machine has; jsii still runs on it, the banner only adds noise to every synth.
    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "18,20")
    # `chalice package` resolves service principals for a region; no call is made.
    os.environ.setdefault("AWS_DEFAULT_REGION", str(default_context()["sampark:region"]))


def build(outdir: Path, stages: list[str], context: dict[str, Any] | None = None) -> dict[str, Any]:
    """Synthesise the stages into `outdir`; return a report (templates, package sizes, timings)."""
    prepare_environment()
    import aws_cdk as cdk

    from .stack import SamparkStack

    merged = {**default_context(), **(context or {})}
    app = cdk.App(outdir=str(outdir), context=merged)
    report: dict[str, Any] = {"stages": {}}
    started = time.perf_counter()
    workdir = Path(tempfile.mkdtemp(prefix="sampark-chalice-"))
    cwd = os.getcwd()
    os.chdir(workdir)  # chalice.cdk writes its packages under ./chalice.out
    try:
        for stage in stages:
            stage_started = time.perf_counter()
            model = describe(stage)
            config = stage_config(stage, merged)
            stack = SamparkStack(app, model, config)
            # CDK's built-in validator misreads the Schedule of an included SAM function; the SAM transform
            # itself runs offline on every template instead (infra/sam_expand.py, in make test).
            cdk.Validations.of(stack.chalice).acknowledge(cdk.Acknowledgment(
                id="CloudFormation-Validate::E0001",
                reason="SAM transform checked with aws-sam-translator by tests/infra"))
            report["stages"][stage] = {
                "stack": stack.stack_name, "template": f"{stack.artifact_id}.template.json",
                "package": stack.chalice.package_report, "functions": stack.function_names,
                "alarms": stack.alarms.count, "throttle": {"rate": config.load.rate_limit,
                                                            "burst": config.load.burst_limit},
                "build_seconds": round(time.perf_counter() - stage_started, 1),
            }
        app.synth()
    finally:
        os.chdir(cwd)
        shutil.rmtree(workdir, ignore_errors=True)
    report["synth_seconds"] = round(time.perf_counter() - started, 1)
    (outdir / "sampark-report.json").write_text(json.dumps(report, indent=1), encoding="utf-8")
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--outdir", type=Path, default=Path(os.environ.get("CDK_OUTDIR", DEFAULT_OUT)))
    parser.add_argument("--stage", action="append", choices=DEPLOYED_STAGES)
    args = parser.parse_args(argv)
    context = json.loads(os.environ["CDK_CONTEXT_JSON"]) if os.environ.get("CDK_CONTEXT_JSON") else None
    report = build(args.outdir.resolve(), args.stage or list(DEPLOYED_STAGES), context)
    for stage, info in report["stages"].items():
        size = info["package"]["zip_bytes"]
        print(f"{stage}: {args.outdir / info['template']}  package {size / 1e6:.2f} MB zipped, "
              f"{len(info['functions'])} functions, {info['alarms']} alarms, "
              f"throttle {info['throttle']['rate']} r/s burst {info['throttle']['burst']}")
    print(f"synthesised in {report['synth_seconds']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
