"""Event fan-out: publishers send events to a topic; a subscriber reads them from its queue."""
import json


def publish_event(sns, topic_arn, kind, payload):
    sns.publish(TopicArn=topic_arn, Message=json.dumps({"kind": kind, "payload": payload}))


def receive_events(sqs, queue_url, wait_seconds=5):
    """Drains up to ten delivered events and returns them decoded."""
    response = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=wait_seconds)
    events = []
    for message in response.get("Messages", []):
        events.append(json.loads(message["Body"]))
        sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    return events
