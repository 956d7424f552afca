#!/usr/bin/env python3
"""Writes a synthetic lsqm artifact repository: N architectures x R runs of validation results.

Used by scripts/bench-report.sh (5,000 x 52; every non-passing verdict with a cause, and not-run architectures) and handy for looking at the dashboard by hand. The data follow
the documented JSON of architectures/index.json and runs/<run_id>/results.json; a schema drift shows up as a
decode error in 'lsqm report', never as silently wrong figures.
"""
import hashlib, json, os, random, sys
from datetime import datetime, timedelta, timezone

def main():
    if len(sys.argv) != 4:
        sys.exit("usage: gen-history.py REPO_DIR ARCHITECTURES RUNS")
    root, n_arch, n_runs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    rng = random.Random(7)
    services = ["s3", "lambda", "dynamodb", "sqs", "sns", "iam", "apigateway", "events", "kinesis", "stepfunctions",
                "cloudwatch", "logs", "kms", "secretsmanager", "ssm", "ecr", "ecs", "rds", "elasticache", "cognito-idp"]
    kinds = ["terraform", "cloudformation", "sam", "serverless"]
    sources = ["GitHubSource", "ServerlessExamplesSource", "LocalDirectorySource"]
    start = datetime(2025, 12, 1, 6, 0, tzinfo=timezone.utc)
    iso = lambda d: d.strftime("%Y-%m-%dT%H:%M:%SZ")
    archs = []
    index = {}
    for i in range(n_arch):
        h = hashlib.sha256(f"arch-{i}".encode()).hexdigest()
        svc = sorted(rng.sample(services, rng.randint(1, 4)))
        kind = rng.choice(kinds)
        url = f"https://github.com/example-org{i % 97}/repo{i % 503}/tree/main/arch-{i}"
        quality = rng.random()  # how likely it passes
        archs.append((h, f"arch-{i}-{'-'.join(svc)}", kind, url, svc, quality))
        index[h] = {"id": h, "name": archs[-1][1], "kind": kind, "source_url": url, "source": rng.choice(sources),
                    "services": svc, "resource_count": rng.randint(2, 30), "files": ["main.tf"],
                    "discovered_at": iso(start)}
    os.makedirs(f"{root}/architectures", exist_ok=True)
    os.makedirs(f"{root}/trends", exist_ok=True)
    os.makedirs(f"{root}/reports/latest", exist_ok=True)
    with open(f"{root}/architectures/index.json", "w") as f:
        json.dump({"version": 1, "architectures": index, "skipped": {}}, f, sort_keys=True)
    def logs(i, name, r):
        # Per-architecture text (resource names, request ids) so no two logs are alike, as in real runs.
        tf = "".join(f"aws_s3_bucket.{name}_{k}: Creating... [id=req-{rng.getrandbits(48):012x}]\n" for k in range(14))
        tf += f"Error: creating S3 Bucket ({name}-{r}): operation error S3: CreateBucket, https response error StatusCode: 500, RequestID: {rng.getrandbits(64):016x}\n"
        py = "".join(f"FAILED test_app.py::test_{name.replace('-', '_')}_{k} - botocore.exceptions.ClientError: An error occurred (InternalError) req {rng.getrandbits(32):08x}\n" for k in range(8))
        emu = "".join(f"2026-01-01T00:00:{k:02d} ERROR --- [asgi_gw_{k}] l.aws.handlers : exception while processing {name} {rng.getrandbits(32):08x}\n" for k in range(6))
        return tf, py, emu
    # Causes (issue 12) come from their own generator so the verdicts stay those of earlier benchmark figures.
    crng = random.Random(11)
    operations = [(svc, op, code) for svc, ops in [
        ("apigateway", ["PutRestApi", "CreateDeployment", "UpdateStage"]), ("lambda", ["CreateFunction", "PutFunctionConcurrency"]),
        ("stepfunctions", ["ValidateStateMachineDefinition", "CreateStateMachine"]), ("events", ["PutRule", "PutTargets"]),
        ("dynamodb", ["UpdateTimeToLive", "CreateTable"]), ("sns", ["Publish", "SetSubscriptionAttributes"]),
        ("sqs", ["ReceiveMessage"]), ("kinesis", ["PutRecords"]), ("ecs", ["CreateService", "RegisterTaskDefinition"]),
        ("rds", ["CreateDBCluster"]), ("cognito-idp", ["CreateUserPoolClient"]), ("logs", ["PutSubscriptionFilter"]),
    ] for op in ops for code in ["NotImplemented", "InternalError"]]
    weights = [1.0 / (k + 1) for k in range(len(operations))]  # a long tail, as real gaps have

    def cause(status, step, svc):
        if status == "ERROR":
            return {"class": "environment", "step": "emulator_start", "message": "the emulator did not become healthy"}
        roll = crng.random()
        if roll < 0.55:
            service, op, code = crng.choices(operations, weights)[0]
            return {"class": "emulator", "service": service, "operation": op, "step": step, "code": code,
                    "message": f"operation error {service}: {op}, StatusCode: 501, api error {code}"}
        if roll < 0.70:
            return {"class": "architecture", "step": step, "message": "variable bucket_name has no default and no value"}
        if roll < 0.85:
            return {"class": "test", "step": "tests", "service": svc[0], "message": "asserts a resource the Terraform never created"}
        if roll < 0.95:
            return {"class": "environment", "step": "init", "code": "provider", "message": "provider registry.terraform.io/hashicorp/aws not installed"}
        return {"class": "lsqm", "step": "init", "message": "the normalizer wrote an invalid reference"}

    not_run = [{"arch": hashlib.sha256(f"not-run-{k}".encode()).hexdigest(), "name": f"not-run-{k}-appsync",
                "reason": "the emulator does not offer appsync"} for k in range(max(1, n_arch // 50))]
    for r in range(n_runs):
        started = start + timedelta(days=7 * r)
        run_id = started.strftime("%Y%m%dT%H%M%SZ") + f"-{r:04x}"
        results = []
        for i, (h, name, kind, url, svc, quality) in enumerate(archs):
            roll = rng.random()
            if roll < 0.02:
                status = "ERROR"
            elif roll < 0.03:
                status = "TIMEOUT"
            elif rng.random() < 0.25 + 0.7 * quality:
                status = "PASSED"
            else:
                status = rng.choice(["FAILED", "PARTIAL"])
            res = {"arch": h, "app_hash": hashlib.sha256(f"app-{h}".encode()).hexdigest(), "source_url": url, "name": name,
                   "kind": kind, "services": svc, "status": status,
                   "durations": {"init": 900, "apply": 20000, "tests": 3000, "destroy": 9000},
                   "tests": [{"name": "test_create", "outcome": "passed" if status == "PASSED" else "failed", "duration_ms": 120,
                              "message": None if status == "PASSED" else "AssertionError: expected 200, got 500"}],
                   "deploy_only": False, "warnings": [], "started_at": iso(started), "duration_ms": rng.randint(8000, 120000)}
            if status != "PASSED":
                res["failed_step"] = "apply" if status in ("FAILED", "TIMEOUT") else "tests"
                res["error"] = f"{status.lower()} at {res['failed_step']}"
                res["terraform_output"], res["pytest_output"], res["emulator_log_tail"] = logs(i, name, r)
                res["cause"] = cause(status, res["failed_step"], svc)
                if res["cause"]["class"] == "emulator":
                    res["tests"][0]["cause"] = res["cause"]
            results.append(res)
        d = f"{root}/runs/{run_id}"
        os.makedirs(d, exist_ok=True)
        record = {"run_id": run_id, "started_at": iso(started), "finished_at": iso(started + timedelta(hours=3)),
                  "emulator": {"runtime": "docker", "name": "LocalStack", "version": "4.14.0",
                               "image_digest": "sha256:" + hashlib.sha256(b"image").hexdigest()},
                  "results": results, "not_run": not_run}
        with open(f"{d}/results.json", "w") as f:
            json.dump(record, f, sort_keys=True)

if __name__ == "__main__":
    main()
