// The Python the rule-based generator writes. Kept as text here (not resources) so the binary is
// self-contained: the generated apps are part of what `RuleGenerator.version` identifies.

enum RulePython {
    /// The same contract the validate stage documents (Examples/apps/README.md): boto3 reads the endpoint,
    /// region and credentials from the environment; the Terraform outputs come from `LSQM_TF_OUTPUTS` (a JSON
    /// file) or `TF_OUTPUT_<NAME>` variables.
    static let conftest = #"""
        """Fixtures for the generated tests.

        The validator hands the deployment to the tests through the environment: AWS_ENDPOINT_URL, AWS_REGION and
        credentials for boto3, and the Terraform outputs in the JSON file named by LSQM_TF_OUTPUTS (also as
        TF_OUTPUT_<NAME> variables). Nothing here knows which emulator or cloud runs the resources.
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

        """#

    static let requirements = "boto3\npytest\n"

    /// Finding each deployed resource (by a Terraform output, its literal name, or by listing what the account
    /// holds) and exercising it with ordinary API calls. Tests assert on what these return.
    static let app = #"""
        """Finds the resources an architecture deployed and exercises them with plain boto3 calls.

        Each resource is described by a spec written by the generator from the Terraform:
          outputs  -- [[output name, attribute]] outputs that expose the resource
          name     -- its literal name in the Terraform, when it has one
          prefix   -- a literal name prefix (name_prefix / bucket_prefix), when it has one
          exclude  -- literal names of the resources of this kind (test_app.LITERAL_NAMES[kind], one list shared
                      by every spec): listing must not claim them
          own      -- this resource's own literal name, when exclude lists it
        A resource is located from an output first, then by its name, else by listing and filtering.
        """
        import base64
        import json
        import time
        import uuid


        def _pages(call, key, **kwargs):
            token_names = ("NextToken", "Marker", "NextMarker", "position")
            items, token = [], None
            while True:
                args = dict(kwargs)
                if token:
                    args[token[0]] = token[1]
                page = call(**args)
                items.extend(page.get(key, []))
                token = next(((n if n != "NextMarker" else "Marker", page[n]) for n in token_names if page.get(n)), None)
                if token is None or (token[0] == "Marker" and not page.get("IsTruncated", True)):
                    return items


        def _last(value, separator):
            return str(value).rsplit(separator, 1)[-1]


        # -- how each kind of resource is identified -------------------------------------------------------------

        def _bucket(client, attribute, value):
            return _last(value, ":::") if attribute == "arn" else value


        def _queue(client, attribute, value):
            if attribute in ("url", "id"):
                return value
            return client.get_queue_url(QueueName=_last(value, ":"))["QueueUrl"]


        def _topic(client, attribute, value):
            if attribute == "name":
                return next(t["TopicArn"] for t in _pages(client.list_topics, "Topics") if _last(t["TopicArn"], ":") == value)
            return value


        def _table(client, attribute, value):
            return _last(value, "/") if attribute == "arn" else value


        def _state_machine(client, attribute, value):
            if attribute == "name":
                return next(m["stateMachineArn"] for m in _pages(client.list_state_machines, "stateMachines") if m["name"] == value)
            return value


        def _parameter(client, attribute, value):
            return "/" + value.split(":parameter/", 1)[1] if attribute == "arn" else value


        def _role(client, attribute, value):
            return _last(value, "/") if attribute == "arn" else value


        def _policy(client, attribute, value):
            if attribute == "name":
                return next(p["Arn"] for p in _pages(client.list_policies, "Policies", Scope="Local") if p["PolicyName"] == value)
            return value


        def _kinesis(client, attribute, value):
            return _last(value, "/") if attribute in ("arn", "id") else value


        def _as_is(client, attribute, value):
            return value


        def _listing(client, kind):
            """Every resource of a kind the account holds, as (identifier, name)."""
            if kind == "s3_bucket":
                return [(b["Name"], b["Name"]) for b in client.list_buckets().get("Buckets", [])]
            if kind == "sqs_queue":
                return [(u, _last(u, "/")) for u in client.list_queues().get("QueueUrls", [])]
            if kind == "sns_topic":
                return [(t["TopicArn"], _last(t["TopicArn"], ":")) for t in _pages(client.list_topics, "Topics")]
            if kind == "dynamodb_table":
                return [(n, n) for n in _pages(client.list_tables, "TableNames")]
            if kind == "lambda_function":
                return [(f["FunctionName"], f["FunctionName"]) for f in _pages(client.list_functions, "Functions")]
            if kind == "sfn_state_machine":
                return [(m["stateMachineArn"], m["name"]) for m in _pages(client.list_state_machines, "stateMachines")]
            if kind == "rest_api":
                return [(a["id"], a["name"]) for a in _pages(client.get_rest_apis, "items")]
            if kind == "kms_key":
                keys = [k["KeyId"] for k in _pages(client.list_keys, "Keys")]
                described = [client.describe_key(KeyId=k)["KeyMetadata"] for k in keys]
                return [(m["KeyId"], m["KeyId"]) for m in described if m.get("KeyManager") == "CUSTOMER"]
            if kind == "secret":
                return [(s["ARN"], s["Name"]) for s in _pages(client.list_secrets, "SecretList")]
            if kind == "ssm_parameter":
                return [(p["Name"], p["Name"]) for p in _pages(client.describe_parameters, "Parameters")]
            if kind == "event_bus":
                return [(b["Name"], b["Name"]) for b in client.list_event_buses().get("EventBuses", [])]
            if kind == "kinesis_stream":
                return [(n, n) for n in _pages(client.list_streams, "StreamNames")]
            if kind == "iam_role":
                return [(r["RoleName"], r["RoleName"]) for r in _pages(client.list_roles, "Roles")]
            if kind == "iam_policy":
                return [(p["Arn"], p["PolicyName"]) for p in _pages(client.list_policies, "Policies", Scope="Local")]
            raise ValueError("no listing for " + kind)


        _FROM_OUTPUT = {
            "s3_bucket": _bucket, "sqs_queue": _queue, "sns_topic": _topic, "dynamodb_table": _table,
            "lambda_function": _as_is, "sfn_state_machine": _state_machine, "rest_api": _as_is, "kms_key": _as_is,
            "secret": _as_is, "ssm_parameter": _parameter, "event_bus": _table, "kinesis_stream": _kinesis,
            "iam_role": _role, "iam_policy": _policy,
        }


        def locate(client, kind, outputs, spec):
            """The identifiers of the deployed resources a spec describes: one when the Terraform names it, else
            every listed resource of the kind that no other spec claims (a fresh account holds only this deployment)."""
            for output, attribute in spec.get("outputs", []):
                value = outputs.get(output)
                if isinstance(value, str) and value:
                    return [_FROM_OUTPUT[kind](client, attribute, value)]
            name = spec.get("name")
            if name:
                # Kinds whose identifier is not their name: look the name up (a REST API's id is generated).
                if kind in ("sqs_queue", "sns_topic", "sfn_state_machine", "iam_policy", "secret", "rest_api"):
                    matches = [identifier for identifier, listed in _listing(client, kind) if listed == name]
                    assert matches, "%s %r was not found" % (kind, name)
                    return matches[:1]
                return [name]
            excluded = set(spec.get("exclude", ())) - {spec.get("own")}
            prefix = spec.get("prefix") or ""
            found = [identifier for identifier, listed in _listing(client, kind)
                     if listed not in excluded and listed.startswith(prefix)]
            assert found, "no deployed %s matches %r" % (kind, spec)
            return found


        def unique_text(label):
            return "lsqm-%s-%s" % (label, uuid.uuid4().hex[:12])


        # -- exercising each service -----------------------------------------------------------------------------

        def s3_round_trip(s3, bucket):
            """Puts an object, reads it back and lists it; returns (sent, read, listed keys)."""
            key, body = unique_text("object") + ".txt", unique_text("body")
            s3.put_object(Bucket=bucket, Key=key, Body=body.encode("utf-8"))
            read = s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode("utf-8")
            listed = [item["Key"] for item in s3.list_objects_v2(Bucket=bucket, Prefix=key).get("Contents", [])]
            s3.delete_object(Bucket=bucket, Key=key)
            return (key, body), (key, read), listed


        def _send_args(queue_url, body):
            args = {"QueueUrl": queue_url, "MessageBody": body}
            if queue_url.endswith(".fifo"):
                args.update(MessageGroupId="lsqm", MessageDeduplicationId=uuid.uuid4().hex)
            return args


        def receive_bodies(sqs, queue_url, expected, wait_seconds=20):
            """Receives until a message whose body contains `expected` arrives or time runs out; returns the bodies."""
            bodies, deadline = [], time.time() + wait_seconds
            while time.time() < deadline:
                response = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=2)
                for message in response.get("Messages", []):
                    bodies.append(message["Body"])
                    sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
                if any(expected in body for body in bodies):
                    break
            return bodies


        def sqs_round_trip(sqs, queue_url):
            """Sends a message and receives it; returns (sent body, received bodies)."""
            body = unique_text("message")
            sqs.send_message(**_send_args(queue_url, body))
            return body, receive_bodies(sqs, queue_url, body)


        def sns_publish(sns, topic_arn, message):
            args = {"TopicArn": topic_arn, "Message": message}
            if topic_arn.endswith(".fifo"):
                args.update(MessageGroupId="lsqm", MessageDeduplicationId=uuid.uuid4().hex)
            return sns.publish(**args)["MessageId"]


        def delivered_messages(bodies):
            """SNS deliveries as the published text: raw bodies as they are, enveloped ones unwrapped."""
            messages = []
            for body in bodies:
                try:
                    envelope = json.loads(body)
                except ValueError:
                    envelope = None
                messages.append(envelope["Message"] if isinstance(envelope, dict) and "Message" in envelope else body)
            return messages


        def _attribute_value(kind, text):
            if kind == "N":
                return {"N": str(len(text))}
            if kind == "B":
                return {"B": text.encode("utf-8")}
            return {"S": text}


        def dynamodb_round_trip(dynamodb, table, keys):
            """keys: [[attribute, type]] hash key first. Puts an item, gets it and queries by the hash key;
            returns (item put, item read, items queried)."""
            item = {name: _attribute_value(kind, unique_text(name)) for name, kind in keys}
            item["lsqm_payload"] = {"S": unique_text("payload")}
            dynamodb.put_item(TableName=table, Item=item)
            key = {name: item[name] for name, _ in keys}
            read = dynamodb.get_item(TableName=table, Key=key, ConsistentRead=True).get("Item")
            hash_name = keys[0][0]
            queried = dynamodb.query(TableName=table, KeyConditionExpression="#h = :h",
                                     ExpressionAttributeNames={"#h": hash_name},
                                     ExpressionAttributeValues={":h": item[hash_name]})["Items"]
            dynamodb.delete_item(TableName=table, Key=key)
            return item, read, queried


        def lambda_dry_run(lambda_client, function):
            """Invoke with InvocationType DryRun: checks the function can be invoked without running handler code,
            whose expected event the Terraform does not describe. Returns the status code."""
            return lambda_client.invoke(FunctionName=function, InvocationType="DryRun", Payload=b"{}")["StatusCode"]


        def start_and_describe(sfn, state_machine_arn):
            execution = sfn.start_execution(stateMachineArn=state_machine_arn, name=unique_text("run"), input="{}")
            return execution["executionArn"], sfn.describe_execution(executionArn=execution["executionArn"])


        def rest_api_paths(apigateway, api_id):
            return sorted(r["path"] for r in _pages(apigateway.get_resources, "items", restApiId=api_id))


        def rest_api_method(apigateway, api_id, path_part, http_method, invoke):
            """The method on the resource whose last path part is `path_part` (None: the root), and the result of
            invoking it through TestInvokeMethod when `invoke` (only for integrations whose answer the Terraform fixes)."""
            resources = _pages(apigateway.get_resources, "items", restApiId=api_id)
            resource = next(r for r in resources if (r["path"] == "/" if path_part is None else r["path"].endswith("/" + path_part)))
            method = apigateway.get_method(restApiId=api_id, resourceId=resource["id"], httpMethod=http_method)
            invoked = apigateway.test_invoke_method(restApiId=api_id, resourceId=resource["id"], httpMethod=http_method) if invoke else None
            return method, invoked


        def kms_round_trip(kms, key_id):
            plaintext = unique_text("secret").encode("utf-8")
            blob = kms.encrypt(KeyId=key_id, Plaintext=plaintext)["CiphertextBlob"]
            return plaintext, blob, kms.decrypt(CiphertextBlob=blob, KeyId=key_id)["Plaintext"]


        def put_event(events, bus_name):
            entry = {"Source": "lsqm.generated", "DetailType": "lsqm check", "Detail": json.dumps({"id": unique_text("event")})}
            if bus_name:
                entry["EventBusName"] = bus_name
            return events.put_events(Entries=[entry])


        def kinesis_round_trip(kinesis, stream):
            data = unique_text("record").encode("utf-8")
            deadline = time.time() + 30
            while kinesis.describe_stream_summary(StreamName=stream)["StreamDescriptionSummary"]["StreamStatus"] != "ACTIVE":
                assert time.time() < deadline, "stream %s never became ACTIVE" % stream
                time.sleep(1)
            put = kinesis.put_record(StreamName=stream, Data=data, PartitionKey="lsqm")
            iterator = kinesis.get_shard_iterator(StreamName=stream, ShardId=put["ShardId"],
                                                  ShardIteratorType="AT_SEQUENCE_NUMBER",
                                                  StartingSequenceNumber=put["SequenceNumber"])["ShardIterator"]
            records = kinesis.get_records(ShardIterator=iterator, Limit=10)["Records"]
            return data, [record["Data"] for record in records]


        def decode_base64_if_needed(value):
            return base64.b64decode(value) if isinstance(value, str) else value

        """#
}
