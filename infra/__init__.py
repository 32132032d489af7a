"""Sampark's AWS deployment as code (AWS CDK with chalice.cdk). See infra/README.md."""
