"""Fixtures shared by this app's tests.

The validator hands the deployment to the tests through the environment (see Examples/apps/README.md):
AWS_ENDPOINT_URL, AWS_REGION and dummy credentials for boto3, and the Terraform outputs in the JSON file
named by LSQM_TF_OUTPUTS (also as TF_OUTPUT_<NAME> variables). Nothing here knows which emulator runs.
"""
import json
import os

import boto3
import pytest


def _terraform_outputs():
    path = os.environ.get("LSQM_TF_OUTPUTS")
    if path:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    prefix = "TF_OUTPUT_"
    return {name[len(prefix):].lower(): value for name, value in os.environ.items() if name.startswith(prefix)}


@pytest.fixture(scope="session")
def outputs():
    return _terraform_outputs()


@pytest.fixture(scope="session")
def client():
    """boto3 clients by service name; boto3 reads the endpoint, region and credentials from the environment."""
    return boto3.client
